import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Settings, awsOf } from "../../../config";
import { chartRelease } from "../helm";
import { platformNamespace, protectedInProd } from "../namespace";
import { loki, urls } from "../../endpoints";
import { DEFAULT_LOKI_RULE_THRESHOLDS, type LokiRulesInput, buildLokiRulerConfigMapData, buildLokiRules } from "./rules";
import { type LokiResources, type LokiValuesInput, buildLokiValues, teamLogTenants, teamLokiTenant, tenantRuleFiles } from "./values";

/** Loki's log alert rules from settings: one mapping used by the component and by render. */
export function lokiRulesInput(settings: Settings): LokiRulesInput {
    return { runbookBaseUrl: settings.alerting.runbookBaseUrl, ...DEFAULT_LOKI_RULE_THRESHOLDS };
}

/** A metrics exporter sidecar: its work does not grow with the environment. */
const EXPORTER: LokiResources["cacheExporter"] = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };

const RESOURCES: Record<Settings["environment"], LokiResources> = {
    dev: {
        loki: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
        gateway: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        gatewayExporter: EXPORTER,
        // A dev cache serves one user's queries: a tenth of a core, not the chart's half core each.
        cacheCpu: "100m",
        cacheExporter: EXPORTER,
    },
    prod: {
        loki: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
        gateway: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        // Parses one access-log line per request through the gateway: grows with the push and query rate.
        gatewayExporter: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        cacheCpu: "500m",
        cacheExporter: EXPORTER,
        // Distributed mode: each microservice sized for its job instead of a whole Loki each.
        components: {
            ingester: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } },
            distributor: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            querier: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
            queryFrontend: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
            queryScheduler: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            compactor: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } },
            indexGateway: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
            ruler: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
        },
    },
};

/**
 * Loki values input from settings and the storage the AWS layer created. A cluster by kubeconfig
 * has no bucket: chunks and index on the single binary's volume (filesystem object storage).
 */
export function lokiValuesInput(
    settings: Settings,
    storage: { chunksBucket?: string | undefined; irsaRoleArn?: string | undefined },
    storageClass: string | undefined,
    teamRules: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): LokiValuesInput {
    const l = settings.logs;
    const prod = settings.environment === "prod";
    const ruleFile = buildLokiRules(lokiRulesInput(settings));
    return {
        environment: settings.environment,
        mode: l.mode,
        replicas: l.replicas,
        distributed: l.distributed,
        // The deprecated mode has no settings of its own: read, write and backend each get `replicas`.
        simpleScalable: { read: l.replicas, write: l.replicas, backend: l.replicas },
        zoneSpread: prod,
        pdb: prod,
        ...(settings.cluster.kubeconfig !== undefined
            ? { objectStorage: "filesystem" as const }
            : { objectStorage: "s3" as const, chunksBucket: storage.chunksBucket ?? "", region: awsOf(settings).region }),
        serviceAccountName: loki.serviceAccount,
        ...(storage.irsaRoleArn ? { irsaRoleArn: storage.irsaRoleArn } : {}),
        tenantId: l.tenantId,
        retentionDays: l.retentionDays,
        limits: l.limits,
        tenantLimits: Object.fromEntries(Object.entries(l.teamLimits).map(([team, limits]) => [teamLokiTenant(team), limits])),
        caches: l.caches,
        ...(storageClass !== undefined ? { storageClass } : {}),
        volumeSizeGiB: l.volumeSizeGiB,
        alertmanagerUrl: urls.alertmanagerReplicasSrv,
        // The teams' rule files (teams/<team>/loki/) beside the platform's, each in its own tenant.
        rules: tenantRuleFiles(l.tenantId, buildLokiRulerConfigMapData(ruleFile), teamLogTenants(settings.alerting.teams).map((t) => t.tenant), teamRules),
        resources: RESOURCES[settings.environment],
        // Alloy pushes through the gateway: in prod it must survive a node drain.
        gatewayReplicas: prod ? 2 : 1,
    };
}

export interface LogsArgs {
    /** Validated stack settings. */
    readonly settings: Settings;
    /** The chunks and index bucket from the log storage; absent on a cluster by kubeconfig (filesystem on Loki's volume). */
    readonly bucketName?: pulumi.Input<string>;
    /** The workload role's ARN when it is bound with IRSA (annotated on the service account); undefined for Pod Identity. */
    readonly irsaRoleArn?: pulumi.Input<string>;
    /** StorageClass for every PVC; absent: the cluster's default. */
    readonly storageClass?: string;
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** What must exist first: the cluster, the Pod Identity association, the monitoring CRDs (ServiceMonitor). */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Team tenant -> (file name -> LogQL rule file text): the teams' rules (teams/teamLokiRules). */
    readonly teamRules?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Loki on S3, credentials only through the workload role bound to its service account (or on its volume, cluster.kubeconfig). */
export class Logs extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** The logging namespace (Pod Security restricted): what deploys into it waits for it, not for the Loki release. */
    public readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: LogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:Logs", name, {}, opts);
        const s = args.settings;
        if (s.logs.mode === "simpleScalable") {
            pulumi.log.warn("logs.mode simpleScalable is deprecated upstream and removed in Loki 4; use monolithic (HA with replicas >= 3) or distributed", this);
        }
        // prod: a delete (a renamed resource, `pulumi destroy`) stops ingestion, and the namespace's takes
        // Loki's volumes (WAL, chunks not yet flushed) with it: Pulumi refuses until unprotected.
        const k8sOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, ...protectedInProd(s.environment) };
        const ns = (this.namespace = platformNamespace(`${name}-namespace`, loki.namespace, { ...k8sOpts, dependsOn: args.dependsOn }));
        const values = pulumi
            .all([args.bucketName, args.irsaRoleArn])
            .apply(([chunksBucket, irsaRoleArn]) => buildLokiValues(lokiValuesInput(s, { chunksBucket, irsaRoleArn }, args.storageClass, args.teamRules)));
        this.release = chartRelease(`${name}-loki`, "loki", { name: loki.release, namespace: ns.metadata.name, values, timeoutSeconds: 900 }, { ...k8sOpts, dependsOn: args.dependsOn });
        this.registerOutputs({});
    }
}
