import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Settings, clusterNameOf } from "../../../config";
import { otlpGateway } from "../../endpoints";
import { chartRelease } from "../helm";
import { protectedInProd } from "../namespace";
import { teamLogTenants } from "../logs/values";
import { type OtlpGatewayConfigInput, buildOtlpGatewayConfig, buildOtlpGatewayValues } from "./otlp";
import { logReplicaOf } from "./replica";
import { logReplicaSecret } from "./replica-secret";

/** The gateway's configuration input from settings: one mapping used by the component and by render. */
export function otlpGatewayConfigInput(settings: Settings): OtlpGatewayConfigInput {
    const replica = logReplicaOf(settings);
    return {
        clusterName: clusterNameOf(settings),
        tenantId: settings.logs.tenantId,
        // The node pipeline's routes (collector/index.ts): each team's namespaces to its own tenant.
        tenantRoutes: teamLogTenants(settings.alerting.teams),
        prometheusReplicas: settings.metrics.prometheusReplicas,
        ...(settings.otlp.tracesEndpoint !== undefined ? { tracesEndpoint: settings.otlp.tracesEndpoint } : {}),
        // logs.replicateTo: OTLP records reach the second region too, as the node Alloy's lines do.
        ...(replica !== undefined ? { replica } : {}),
    };
}

/** The OTLP gateway release's values, or undefined when otlp.enabled is false (pure: also read by the capacity estimate). */
export function otlpGatewayValues(settings: Settings): Record<string, unknown> | undefined {
    if (!settings.otlp.enabled) return undefined;
    const { cpu, memory } = settings.otlp.resources;
    return buildOtlpGatewayValues({
        configText: buildOtlpGatewayConfig(otlpGatewayConfigInput(settings)),
        replicas: settings.otlp.replicas,
        resources: { requests: { cpu, memory }, limits: { memory } },
        // Watches one file and calls one URL: the node Alloy's figures.
        configReloaderResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
        replicaCredential: settings.logs.replicateTo !== undefined,
    });
}

export interface OtlpGatewayArgs {
    /** Validated stack settings (otlp.enabled). */
    readonly settings: Settings;
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** The monitoring namespace and the monitoring CRDs (its ServiceMonitor); not Prometheus or Loki, it retries until they answer. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /** logs.replicateTo's credential (secret logReplicaCredential): a Secret of its own in the gateway's namespace. */
    readonly logReplicaCredential?: pulumi.Output<string>;
}

/** The OTLP gateway: Alloy as a Deployment receiving OpenTelemetry from applications (otlp.ts). */
export class OtlpGateway extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: OtlpGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:OtlpGateway", name, {}, opts);
        const values = otlpGatewayValues(args.settings);
        if (values === undefined) throw new Error("OtlpGateway needs otlp.enabled");
        if (args.settings.logs.replicateTo !== undefined && args.logReplicaCredential === undefined) throw new Error("OtlpGateway needs logReplicaCredential with logs.replicateTo");
        const replicaSecret =
            args.settings.logs.replicateTo && args.logReplicaCredential
                ? [logReplicaSecret(`${name}-log-replica`, args.logReplicaCredential, { parent: this, provider: args.provider, dependsOn: args.dependsOn }, otlpGateway.namespace)]
                : [];
        // Stateless, but protected in prod like every release (policy prod-stateful-resources-protected):
        // a rename or replacement would drop the in-flight queues and the applications' OTLP endpoint at once.
        this.release = chartRelease(
            `${name}-alloy`,
            "alloy",
            { name: otlpGateway.release, namespace: otlpGateway.namespace, values, timeoutSeconds: 600 },
            { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, ...replicaSecret], ...protectedInProd(args.settings.environment) },
        );
        this.registerOutputs({});
    }
}
