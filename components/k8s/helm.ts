import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type ChartKey, charts } from "../charts";

export interface ChartReleaseArgs {
    /** Helm release name (endpoints.ts). */
    readonly name: string;
    /** Namespace of the release. */
    readonly namespace: pulumi.Input<string>;
    /** Values; may hold Outputs. */
    readonly values?: pulumi.Input<object>;
    /** Seconds Helm waits for the release to become ready. */
    readonly timeoutSeconds?: number;
}

/**
 * A Helm release of a pinned chart (charts.ts), with the platform's release policy: atomic
 * (a failed upgrade rolls back), clean up on failure, bounded history.
 */
export function chartRelease(
    resourceName: string,
    chart: ChartKey,
    args: ChartReleaseArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    const ref = charts[chart];
    return new k8s.helm.v3.Release(
        resourceName,
        {
            name: args.name,
            namespace: args.namespace,
            chart: ref.chart,
            version: ref.version,
            repositoryOpts: { repo: ref.repo },
            ...(args.values !== undefined ? { values: args.values } : {}),
            atomic: true,
            cleanupOnFail: true,
            maxHistory: 5,
            ...(args.timeoutSeconds !== undefined ? { timeout: args.timeoutSeconds } : {}),
        },
        opts,
    );
}
