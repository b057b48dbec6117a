import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Settings, clusterNameOf } from "../../../config";
import { chartRelease } from "../helm";
import { protectedInProd } from "../namespace";
import { alloy, urls } from "../../endpoints";
import { teamLogTenants } from "../logs/values";
import { type AlloyConfigInput, buildAlloyConfig } from "./config";
import { type AlloyValuesInput, buildAlloyValues } from "./values";
import { logReplicaOf, withLogReplica } from "./replica";
import { logReplicaSecret } from "./replica-secret";

const RESOURCES: Record<Settings["environment"], Pick<AlloyValuesInput, "resources" | "configReloaderResources">> = {
    dev: {
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        configReloaderResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    },
    prod: {
        resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "1Gi" } },
        // Watches one file and calls one URL: the same small process in every environment.
        configReloaderResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    },
};

/** Alloy's configuration input from settings: one mapping used by the component and by render. */
export function alloyConfigInput(settings: Settings): AlloyConfigInput {
    return {
        clusterName: clusterNameOf(settings),
        tenantId: settings.logs.tenantId,
        // Each team's namespaces to its own tenant; the platform's and unowned namespaces stay in logs.tenantId.
        tenantRoutes: teamLogTenants(settings.alerting.teams),
        pushUrl: urls.lokiPush,
        ...(settings.logs.replicateTo ? { replica: logReplicaOf(settings) } : {}),
    };
}

/** The Alloy release's values for these settings (pure: also read by the capacity estimate). */
export function alloyValues(settings: Settings): Record<string, unknown> {
    const values = buildAlloyValues({ configText: buildAlloyConfig(alloyConfigInput(settings)), ...RESOURCES[settings.environment], serviceMonitor: true });
    return withLogReplica(values, logReplicaOf(settings));
}

export interface CollectorArgs {
    /** Validated stack settings. */
    readonly settings: Settings;
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** What must exist first: the logging namespace and the monitoring CRDs (ServiceMonitor); not the Loki release. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /** logs.replicateTo's credential (secret logReplicaCredential); required when logs.replicateTo is set. */
    readonly logReplicaCredential?: pulumi.Output<string>;
}

/** Grafana Alloy as a DaemonSet: every pod's logs, labelled like the metrics, pushed to Loki. */
export class Collector extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:Collector", name, {}, opts);
        const values = alloyValues(args.settings);
        const replicaSecret =
            args.settings.logs.replicateTo && args.logReplicaCredential
                ? [logReplicaSecret(`${name}-log-replica`, args.logReplicaCredential, { parent: this, provider: args.provider, dependsOn: args.dependsOn })]
                : [];
        this.release = chartRelease(
            `${name}-alloy`,
            "alloy",
            { name: alloy.release, namespace: alloy.namespace, values, timeoutSeconds: 600 },
            // prod: deleting the release would stop log collection on every node; Pulumi refuses until unprotected.
            { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, ...replicaSecret], ...protectedInProd(args.settings.environment) },
        );
        this.registerOutputs({});
    }
}
