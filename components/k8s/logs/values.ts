/**
 * Pure builder for the Loki community chart (grafana-community/loki 18.11.0) values.
 * Plain data in, plain object out: no Pulumi, no I/O. Every key set here was checked against the
 * chart's values.yaml, values.schema.json and templates (see test/loki-values.test.ts).
 */
import { LOKI_TENANT_ID_PATTERN } from "../../../config/validators";
import { charts } from "../../charts";
import { loki as lokiEndpoints } from "../../endpoints";
import { ENVIRONMENT_LABEL, OTLP_LOG_INDEX_LABELS } from "../../labels";

/** How Loki is deployed; maps to the chart's `deploymentMode`. */
export type LokiDeploymentMode = "monolithic" | "distributed" | "simpleScalable";

/** Kubernetes container resources, as the chart passes them through verbatim. */
export interface ResourceSpec {
    /** Scheduler requests; memory requests are what the node-budget helper sums. */
    readonly requests: { readonly cpu: string; readonly memory: string };
    /** Limits; a memory limit also makes the chart set GOMEMLIMIT to 85 % of it. */
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Replica counts per microservice in `distributed` mode. */
export interface LokiDistributedReplicas {
    /** Ingesters; replication factor is min(3, ingester). */
    readonly ingester: number;
    /** Distributors (stateless, receive pushes). */
    readonly distributor: number;
    /** Queriers. */
    readonly querier: number;
    /** Query frontends. */
    readonly queryFrontend: number;
    /** Query schedulers; the chart's frontend always points at the scheduler, so default 2. */
    readonly queryScheduler?: number;
    /** Compactor; exactly 1 makes sense (retention and deletes run there). */
    readonly compactor: number;
    /** Index gateways. */
    readonly indexGateway: number;
    /** Rulers (evaluate the LogQL alert rules). */
    readonly ruler: number;
}

/** Replica counts for the deprecated `simpleScalable` mode (removed in Loki 4). */
export interface LokiSimpleScalableReplicas {
    /** Read path pods. */
    readonly read: number;
    /** Write path pods; replication factor is min(3, write). */
    readonly write: number;
    /** Backend pods (compactor, ruler, index gateway). */
    readonly backend: number;
}

/** Per-tenant limits (Loki `limits_config`). */
export interface LokiLimits {
    /** Per-tenant ingestion rate, MB/s (`ingestion_rate_mb`). */
    readonly ingestionRateMb: number;
    /** Per-tenant ingestion burst, MB (`ingestion_burst_size_mb`). */
    readonly ingestionBurstMb: number;
    /** Active streams per tenant across the cluster (`max_global_streams_per_user`). */
    readonly maxGlobalStreamsPerUser: number;
    /** Labels per stream (`max_label_names_per_series`); low on purpose, labels are an index. */
    readonly maxLabelNamesPerSeries: number;
    /** Longest query range, a Loki duration like "721h" (`max_query_length`). */
    readonly maxQueryLength: string;
    /** Sub-queries scheduled in parallel per query (`max_query_parallelism`). */
    readonly maxQueryParallelism: number;
    /** Most log lines one query may return (`max_entries_limit_per_query`). */
    readonly maxEntriesLimitPerQuery: number;
    /** Per-stream rate, MB/s (`per_stream_rate_limit`); Loki default 3 MB when absent. */
    readonly perStreamRateLimitMb?: number;
    /** Per-stream burst, MB (`per_stream_rate_limit_burst`); Loki default 15 MB when absent. */
    readonly perStreamRateLimitBurstMb?: number;
}

/** Memcached caches deployed by the chart. */
export interface LokiCaches {
    /** Chunks cache memory (memcached -m), MiB; 0 disables the cache. Chart default 8192 (~9.8 GiB request). */
    readonly chunksCacheMemoryMb: number;
    /** Query results cache memory, MiB; 0 disables the cache. */
    readonly resultsCacheMemoryMb: number;
    /** Memcached pods per cache (default 1). */
    readonly replicas?: number;
}

/** Container resources per workload. */
export interface LokiResources {
    /** Every Loki pod (the single binary, or each microservice without its own entry). */
    readonly loki: ResourceSpec;
    /** The nginx gateway in front of Loki. */
    readonly gateway: ResourceSpec;
    /** The gateway's access-log exporter sidecar (`gateway.metrics`). */
    readonly gatewayExporter: ResourceSpec;
    /** CPU request of each memcached container (`allocatedCPU`); its memory follows the cache size. */
    readonly cacheCpu: string;
    /** The memcached exporter sidecar of each cache pod (`memcachedExporter`). */
    readonly cacheExporter: ResourceSpec;
    /** Overrides per microservice in distributed / simple scalable mode. */
    readonly components?: Readonly<Partial<Record<LokiComponent, ResourceSpec>>>;
}

/** Tenant id -> (rule file name -> rule file YAML text), mounted for the ruler's local storage. */
export type LokiRuleFiles = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface LokiValuesInput {
    /** Environment name (dev, prod); becomes an `environment` pod label for cost attribution. */
    readonly environment: string;
    /** Deployment mode. */
    readonly mode: LokiDeploymentMode;
    /** Single-binary replicas in `monolithic` mode (N >= 2 is "HA monolithic" on S3). */
    readonly replicas: number;
    /** Microservice replicas; required in `distributed` mode. */
    readonly distributed?: LokiDistributedReplicas;
    /** read/write/backend replicas; required in `simpleScalable` mode. */
    readonly simpleScalable?: LokiSimpleScalableReplicas;
    /** Spread replicas across availability zones (prod): zone topologySpreadConstraints. */
    readonly zoneSpread: boolean;
    /** Create PodDisruptionBudgets (maxUnavailable 1) for multi-replica workloads. */
    readonly pdb: boolean;
    /**
     * Where chunks and index live (default s3). filesystem: on the single binary's own volume, for a
     * cluster without object storage (cluster.kubeconfig); the chart then allows exactly one
     * monolithic replica (templates/validate.yaml: "Cannot run more than 1 Monolithic replica
     * without an object storage backend", and no scalable or distributed targets).
     */
    readonly objectStorage?: "s3" | "filesystem";
    /** S3 bucket for chunks and index (objectStorage s3). The ruler has none: its rules are mounted (local rule storage). */
    readonly chunksBucket?: string;
    /** AWS region of the bucket (objectStorage s3). */
    readonly region?: string;
    /** Service account all Loki pods run as (bound to the S3 role); use endpoints.loki.serviceAccount. */
    readonly serviceAccountName: string;
    /** IRSA role ARN; annotation set only when given (EKS Pod Identity needs none). */
    readonly irsaRoleArn?: string;
    /** Tenant id the platform writes logs under (X-Scope-OrgID); its rules are mounted for it. */
    readonly tenantId: string;
    /** Log retention in days (compactor deletes older chunks). */
    readonly retentionDays: number;
    /** Limits of every tenant (limits_config). */
    readonly limits: LokiLimits;
    /**
     * Tenant id -> the limits it gets instead of `limits`: Loki's runtime overrides
     * (`overrides.<tenant>` of the runtime configuration file, re-read without a restart).
     */
    readonly tenantLimits?: Readonly<Record<string, Partial<LokiLimits>>>;
    /** Memcached cache sizes. */
    readonly caches: LokiCaches;
    /** StorageClass of the PVCs (WAL, compactor workdir); undefined uses the cluster default. */
    readonly storageClass?: string;
    /** PVC size in GiB for each stateful Loki pod. */
    readonly volumeSizeGiB: number;
    /** Alertmanager base URL the ruler sends alerts to: a plain URL, or a DNS SRV discovery URL (http://_port._tcp.host). */
    readonly alertmanagerUrl: string;
    /** Ruler rule files per tenant (see buildLokiRulerConfigMapData in rules.ts). */
    readonly rules: LokiRuleFiles;
    /** Container resources. */
    readonly resources: LokiResources;
    /** nginx gateway replicas (default 1; 2+ in prod keeps pushes flowing during a node drain). */
    readonly gatewayReplicas?: number;
    /** First day of the tsdb/v13 schema period (YYYY-MM-DD); never change it once data exists. */
    readonly schemaFrom?: string;
}

/** Chart values keys of the workloads a mode may run. */
export type LokiComponent =
    | "singleBinary"
    | "read"
    | "write"
    | "backend"
    | "ingester"
    | "distributor"
    | "querier"
    | "queryFrontend"
    | "queryScheduler"
    | "compactor"
    | "indexGateway"
    | "ruler";

/** The chart's `app.kubernetes.io/component` label (its "target") per values key. */
const COMPONENT_TARGET: Readonly<Record<LokiComponent, string>> = {
    singleBinary: "single-binary",
    read: "read",
    write: "write",
    backend: "backend",
    ingester: "ingester",
    distributor: "distributor",
    querier: "querier",
    queryFrontend: "query-frontend",
    queryScheduler: "query-scheduler",
    compactor: "compactor",
    indexGateway: "index-gateway",
    ruler: "ruler",
};

const SCALABLE: readonly LokiComponent[] = ["read", "write", "backend"];
const DISTRIBUTED: readonly LokiComponent[] = [
    "ingester",
    "distributor",
    "querier",
    "queryFrontend",
    "queryScheduler",
    "compactor",
    "indexGateway",
    "ruler",
];
/**
 * Components the chart runs as StatefulSets with a PVC in each mode. The compactor is a singleton
 * without PDB or spread keys in the chart (it has no pdb template), so it gets neither.
 */
const STATEFUL: readonly LokiComponent[] = ["singleBinary", "write", "backend", "ingester", "compactor", "indexGateway", "ruler"];

/** Where the ruler reads rule files: `<dir>/<tenant>/<file>.yaml` (Loki local rule storage layout). */
export const LOKI_RULES_DIR = "/etc/loki/rules";
/** Default start of the schema period; a date before the first install is all Loki needs. */
export const DEFAULT_SCHEMA_FROM = "2025-01-01";

const CHART_MODE: Readonly<Record<LokiDeploymentMode, string>> = {
    monolithic: "Monolithic",
    distributed: "Distributed",
    simpleScalable: "SimpleScalable",
};

/** The workload that evaluates rules per mode, so the rule ConfigMaps are mounted only there. */
const RULER_COMPONENT: Readonly<Record<LokiDeploymentMode, LokiComponent>> = {
    monolithic: "singleBinary",
    distributed: "ruler",
    simpleScalable: "backend",
};

/**
 * Escape text that the chart renders with Helm's `tpl` (extraObjects, Alloy's configMap.content):
 * a literal `{{` would otherwise be executed as a Go template action (rule annotations use
 * `{{ $labels.x }}`). `{{ "{{" }}` renders as `{{`; a lone `}}` is literal text to Go templates.
 */
export function escapeHelmTpl(text: string): string {
    return text.replace(/\{\{/g, '{{ "{{" }}');
}

const RULE_FILE_RE = /^[A-Za-z0-9_.-]+\.ya?ml$/;

/** A team's Loki tenant id: the team's name (alerting.teams[].name). */
export function teamLokiTenant(team: string): string {
    return team;
}

/** Loki's limits_config keys for the limits given (the platform's whole set, or a tenant's overrides). */
export function lokiLimitsConfig(limits: Partial<LokiLimits>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const set = (key: string, v: unknown): void => {
        if (v !== undefined) out[key] = v;
    };
    set("ingestion_rate_mb", limits.ingestionRateMb);
    set("ingestion_burst_size_mb", limits.ingestionBurstMb);
    set("max_global_streams_per_user", limits.maxGlobalStreamsPerUser);
    set("max_label_names_per_series", limits.maxLabelNamesPerSeries);
    set("max_query_length", limits.maxQueryLength);
    set("max_query_parallelism", limits.maxQueryParallelism);
    set("max_entries_limit_per_query", limits.maxEntriesLimitPerQuery);
    if (limits.perStreamRateLimitMb !== undefined) out.per_stream_rate_limit = `${limits.perStreamRateLimitMb}MB`;
    if (limits.perStreamRateLimitBurstMb !== undefined) out.per_stream_rate_limit_burst = `${limits.perStreamRateLimitBurstMb}MB`;
    return out;
}

/** Loki's runtime configuration: the per-tenant overrides of limits_config. */
function runtimeOverrides(tenantLimits: Readonly<Record<string, Partial<LokiLimits>>>): Record<string, Record<string, unknown>> {
    const overrides: Record<string, Record<string, unknown>> = {};
    for (const [tenant, limits] of Object.entries(tenantLimits)) {
        if (!LOKI_TENANT_ID_PATTERN.test(tenant)) throw new Error(`tenantLimits: tenant ${JSON.stringify(tenant)} is not a valid Loki tenant id`);
        const config = lokiLimitsConfig(limits);
        if (Object.keys(config).length > 0) overrides[tenant] = config;
    }
    return overrides;
}

/** A team's namespaces and the Loki tenant their logs go to. */
export interface TeamLogTenant {
    readonly team: string;
    readonly tenant: string;
    readonly namespaces: readonly string[];
}

/**
 * Each team that owns namespaces, with its tenant (a team known only by its `team` alert label
 * writes no logs, so it has no tenant: no Alloy route, no Grafana datasource, no ruler rules).
 */
export function teamLogTenants(teams: readonly { readonly name: string; readonly namespaces: readonly string[] }[]): TeamLogTenant[] {
    return teams.filter((t) => t.namespaces.length > 0).map((t) => ({ team: t.name, tenant: teamLokiTenant(t.name), namespaces: t.namespaces }));
}

/**
 * The X-Scope-OrgID value of a query across several tenants: their ids joined by `|`, which Loki
 * reads as a multi-tenant query when `querier.multi_tenant_queries_enabled` is true (set in
 * buildLokiValues; https://grafana.com/docs/loki/latest/operations/multi-tenancy/ "Multi-tenant
 * Queries"). Only query endpoints accept it: a push or a live tail with several tenants gets 400.
 */
export function lokiQueryTenants(tenants: readonly string[]): string {
    if (tenants.length === 0) throw new Error("lokiQueryTenants: expected at least one tenant");
    for (const t of tenants) if (t === "" || t.includes("|")) throw new Error(`lokiQueryTenants: ${JSON.stringify(t)} is not one tenant id`);
    return [...new Set(tenants)].join("|");
}

/**
 * Rule files per tenant: the platform's files in its own tenant and in every team tenant (the
 * platform's log alerts group by namespace, so a team's fire in its tenant and route to the team;
 * splitting logs by tenant must not drop them), beside each team's own files.
 */
export function tenantRuleFiles(
    platformTenant: string,
    platformFiles: Readonly<Record<string, string>>,
    teamTenants: readonly string[],
    teamFiles: LokiRuleFiles = {},
): LokiRuleFiles {
    const out: Record<string, Readonly<Record<string, string>>> = {};
    for (const tenant of new Set([...teamTenants, ...Object.keys(teamFiles)])) {
        if (tenant === platformTenant) throw new Error(`rules: team tenant ${tenant} is the platform's tenant`);
        const own = teamFiles[tenant] ?? {};
        const clash = Object.keys(own).filter((f) => f in platformFiles);
        if (clash.length > 0) throw new Error(`rules[${tenant}]: ${clash.join(", ")} would replace the platform's file of that name`);
        out[tenant] = { ...(teamTenants.includes(tenant) ? platformFiles : {}), ...own };
    }
    out[platformTenant] = platformFiles;
    return out;
}

/** Kubernetes object name for a tenant's rules ConfigMap/volume (DNS-1123 label, <= 63 chars). */
export function lokiRulesConfigMapName(tenantId: string): string {
    const slug = tenantId.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
    return `${lokiEndpoints.fullname}-rules-${slug}`.slice(0, 63).replace(/-+$/, "");
}

function positiveInt(name: string, n: number, min = 0): void {
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${n}`);
}

function replicasFor(input: LokiValuesInput): Record<LokiComponent, number> {
    const r: Record<LokiComponent, number> = {
        singleBinary: 0,
        read: 0,
        write: 0,
        backend: 0,
        ingester: 0,
        distributor: 0,
        querier: 0,
        queryFrontend: 0,
        queryScheduler: 0,
        compactor: 0,
        indexGateway: 0,
        ruler: 0,
    };
    switch (input.mode) {
        case "monolithic":
            positiveInt("replicas", input.replicas, 1);
            r.singleBinary = input.replicas;
            break;
        case "simpleScalable": {
            const s = input.simpleScalable;
            if (!s) throw new Error("simpleScalable replicas are required when mode is simpleScalable");
            for (const k of SCALABLE) {
                const n = s[k as keyof LokiSimpleScalableReplicas];
                positiveInt(`simpleScalable.${k}`, n, 1);
                r[k] = n;
            }
            break;
        }
        case "distributed": {
            const d = input.distributed;
            if (!d) throw new Error("distributed replicas are required when mode is distributed");
            const withDefaults: Record<string, number> = { ...d, queryScheduler: d.queryScheduler ?? 2 };
            for (const k of DISTRIBUTED) {
                const n = withDefaults[k] ?? 0;
                positiveInt(`distributed.${k}`, n, 1);
                r[k] = n;
            }
            break;
        }
    }
    return r;
}

function selectorLabels(component: LokiComponent): Record<string, string> {
    return {
        "app.kubernetes.io/name": charts.loki.chart,
        "app.kubernetes.io/instance": lokiEndpoints.release,
        "app.kubernetes.io/component": COMPONENT_TARGET[component],
    };
}

/** Zone spread first (survive an AZ loss), host spread second (chart default for ingesters). */
function zoneSpread(component: LokiComponent): Record<string, unknown>[] {
    return [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: selectorLabels(component) },
        },
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selectorLabels(component) },
        },
    ];
}

function persistence(component: LokiComponent, input: LokiValuesInput): Record<string, unknown> {
    const size = `${input.volumeSizeGiB}Gi`;
    const storageClass = input.storageClass ?? null;
    // The ingester's chart section takes a list of claims; every other stateful one a single volume.
    if (component === "ingester") {
        return { enabled: true, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size, storageClass }] };
    }
    // The compactor's deprecated default `claims` (10Gi, no class) wins over size/storageClass in the
    // chart's workload template: empty it so the single `data` volume is built from them.
    if (component === "compactor") return { enabled: true, size, storageClass, claims: [] };
    // write/backend switch PVCs with `volumeClaimsEnabled` (write has no `enabled` key).
    if (component === "write" || component === "backend") return { volumeClaimsEnabled: true, size, storageClass };
    return { enabled: true, size, storageClass };
}

function cacheValues(memoryMb: number, replicas: number, cpu: string, name: string): Record<string, unknown> {
    positiveInt(name, memoryMb);
    if (memoryMb === 0) return { enabled: false };
    // No `resources`: the chart then requests (and limits) round(allocatedMemory * 1.2) MiB and allocatedCPU.
    return { enabled: true, allocatedMemory: memoryMb, allocatedCPU: cpu, replicas };
}

/** Build the chart values for one Loki release. Throws on inputs the chart would reject. */
export function buildLokiValues(input: LokiValuesInput): Record<string, unknown> {
    positiveInt("retentionDays", input.retentionDays, 1);
    positiveInt("volumeSizeGiB", input.volumeSizeGiB, 1);
    if (!LOKI_TENANT_ID_PATTERN.test(input.tenantId)) throw new Error(`tenantId ${JSON.stringify(input.tenantId)} is not a valid Loki tenant id`);
    const replicas = replicasFor(input);
    const store = objectStore(input);
    const cacheReplicas = input.caches.replicas ?? 1;
    positiveInt("caches.replicas", cacheReplicas, 1);
    const gatewayReplicas = input.gatewayReplicas ?? 1;
    positiveInt("gatewayReplicas", gatewayReplicas, 1);
    const schemaFrom = input.schemaFrom ?? DEFAULT_SCHEMA_FROM;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(schemaFrom)) throw new Error(`schemaFrom must be YYYY-MM-DD, got ${schemaFrom}`);

    const ingestReplicas =
        input.mode === "monolithic" ? replicas.singleBinary : input.mode === "distributed" ? replicas.ingester : replicas.write;
    // One copy per ingester up to 3: a single replica cannot replicate, 3 tolerates one loss.
    const replicationFactor = Math.min(3, ingestReplicas);

    const limits: Record<string, unknown> = {
        retention_period: `${input.retentionDays * 24}h`,
        ...lokiLimitsConfig(input.limits),
        // Alloy sends trace/user/request ids as structured metadata (needs tsdb + v13).
        allow_structured_metadata: true,
    };

    const serviceAccount: Record<string, unknown> = { create: true, name: input.serviceAccountName };
    if (input.irsaRoleArn) serviceAccount.annotations = { "eks.amazonaws.com/role-arn": input.irsaRoleArn };

    // Rules: one ConfigMap per tenant (extraObjects), mounted at <rules dir>/<tenant> on the
    // workload that runs the ruler. Chart 18.11.0's `ruler.directories` renders its ConfigMaps
    // only in Distributed mode while still mounting them in Monolithic mode, so it is not used.
    const extraObjects: Record<string, unknown>[] = [];
    const ruleVolumes: Record<string, unknown>[] = [];
    const ruleMounts: Record<string, unknown>[] = [];
    for (const [tenant, files] of Object.entries(input.rules)) {
        if (!LOKI_TENANT_ID_PATTERN.test(tenant)) throw new Error(`rules: tenant ${JSON.stringify(tenant)} is not a valid Loki tenant id`);
        const data: Record<string, string> = {};
        for (const [file, text] of Object.entries(files)) {
            if (!RULE_FILE_RE.test(file)) throw new Error(`rules[${tenant}]: file name ${JSON.stringify(file)} must match ${RULE_FILE_RE}`);
            data[file] = escapeHelmTpl(text);
        }
        const name = lokiRulesConfigMapName(tenant);
        if (ruleVolumes.some((v) => v.name === name)) throw new Error(`rules: tenants collide on ConfigMap name ${name}`);
        extraObjects.push({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, labels: { "app.kubernetes.io/name": charts.loki.chart, "app.kubernetes.io/component": "rules" } },
            data,
        });
        ruleVolumes.push({ name, configMap: { name } });
        ruleMounts.push({ name, mountPath: `${LOKI_RULES_DIR}/${tenant}`, readOnly: true });
    }

    const values: Record<string, unknown> = {
        fullnameOverride: lokiEndpoints.fullname,
        deploymentMode: CHART_MODE[input.mode],
        serviceAccount,
        loki: {
            auth_enabled: true,
            podLabels: { [ENVIRONMENT_LABEL]: input.environment },
            commonConfig: { replication_factor: replicationFactor },
            storage: store.storage,
            schemaConfig: {
                configs: [
                    {
                        from: schemaFrom,
                        store: "tsdb",
                        object_store: store.type,
                        schema: "v13",
                        index: { prefix: "loki_index_", period: "24h" },
                    },
                ],
            },
            // OTLP logs (the OTLP gateway): exactly the shared labels become index labels; Loki's default
            // k8s_*/service_* ones would duplicate them. Other resource attributes: structured metadata.
            limits_config: { ...limits, otlp_config: { resource_attributes: { ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...OTLP_LOG_INDEX_LABELS] }] } } },
            // The chart writes this to the `<fullname>-runtime` ConfigMap, mounted in every Loki pod as
            // the file its runtime_config.file names: limits_config is each tenant's default, these override it.
            runtimeConfig: { overrides: runtimeOverrides(input.tenantLimits ?? {}) },
            // The platform's Grafana datasource reads every tenant at once (lokiQueryTenants): Loki 3.x
            // answers a query whose X-Scope-OrgID is `a|b` only with this on. The ruler still
            // evaluates each tenant's rules alone; team datasources send one tenant and see only it.
            querier: { multi_tenant_queries_enabled: true },
            compactor: {
                retention_enabled: true,
                // Loki refuses to start with retention on and no store for delete requests: the
                // chunks' store (filesystem too: the compactor marks and deletes expired chunks there).
                delete_request_store: store.type,
            },
            rulerConfig: {
                alertmanager_url: input.alertmanagerUrl,
                // An SRV name (http://_port._tcp.host) resolves to every Alertmanager replica.
                enable_alertmanager_discovery: /^https?:\/\/_[^.]+\._tcp\./.test(input.alertmanagerUrl),
                enable_api: true,
                enable_alertmanager_v2: true,
                // Replicas share the rule groups through the ring instead of each sending duplicates.
                enable_sharding: true,
                storage: { type: "local", local: { directory: LOKI_RULES_DIR } },
                // Writable scratch space: the root filesystem is read-only and /rules belongs to the sidecar.
                rule_path: "/var/loki/rules-temp",
            },
        },
        gateway: {
            enabled: true,
            replicas: gatewayReplicas,
            resources: input.resources.gateway,
            metrics: { resources: input.resources.gatewayExporter },
            podDisruptionBudget: input.pdb ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
            ...(input.zoneSpread ? { topologySpreadConstraints: gatewaySpread() } : {}),
        },
        monitoring: {
            serviceMonitor: { enabled: true },
            dashboards: { enabled: false },
            rules: { enabled: false },
        },
        // Rules come from our ConfigMaps, not from the label-watching sidecar (saves a container and RBAC).
        sidecar: { rules: { enabled: false } },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        minio: { enabled: false },
        chunksCache: cacheValues(input.caches.chunksCacheMemoryMb, cacheReplicas, input.resources.cacheCpu, "caches.chunksCacheMemoryMb"),
        resultsCache: cacheValues(input.caches.resultsCacheMemoryMb, cacheReplicas, input.resources.cacheCpu, "caches.resultsCacheMemoryMb"),
        memcachedExporter: { resources: input.resources.cacheExporter },
        // The deprecated top-level PDB toggle is merged into the single binary one; keep them equal.
        podDisruptionBudget: { enabled: input.pdb },
        extraObjects,
    };

    const rulerComponent = RULER_COMPONENT[input.mode];
    for (const component of Object.keys(COMPONENT_TARGET) as LokiComponent[]) {
        const n = replicas[component];
        const section: Record<string, unknown> = { replicas: n };
        if (n > 0) {
            section.resources = input.resources.components?.[component] ?? input.resources.loki;
            if (component !== "compactor") {
                section.podDisruptionBudget = input.pdb ? { enabled: true, maxUnavailable: 1 } : { enabled: false };
                if (input.zoneSpread) section.topologySpreadConstraints = zoneSpread(component);
            }
            if (STATEFUL.includes(component)) section.persistence = persistence(component, input);
            if (component === rulerComponent && ruleVolumes.length > 0) {
                section.extraVolumes = ruleVolumes;
                section.extraVolumeMounts = ruleMounts;
            }
        }
        values[component] = section;
    }
    // Zone-aware ingesters need the rollout-operator; plain zone spread is used instead.
    (values.ingester as Record<string, unknown>).zoneAwareReplication = { enabled: false };
    return values;
}

/**
 * The chart's `loki.storage` and the store's name in schema_config and the compactor. filesystem:
 * the chart's default `storage.filesystem` (chunks_directory /var/loki/chunks, rules_directory
 * /var/loki/rules) under path_prefix /var/loki, the single binary's PVC (`storage` volume), which
 * the chart writes as `common.storage.filesystem` (_helpers.tpl loki.commonStorageConfig).
 */
function objectStore(input: LokiValuesInput): { type: "s3" | "filesystem"; storage: Record<string, unknown> } {
    if (input.objectStorage === "filesystem") {
        // The chart's validate.yaml fails on these with filesystem; say which input is wrong instead.
        if (input.mode !== "monolithic" || input.replicas !== 1) {
            throw new Error(`objectStorage filesystem needs mode monolithic with 1 replica (one pod owns the volume), got mode ${input.mode} with ${input.replicas}`);
        }
        return { type: "filesystem", storage: { type: "filesystem" } };
    }
    if (!input.chunksBucket || !input.region) throw new Error("objectStorage s3 needs chunksBucket and region");
    return {
        type: "s3",
        storage: {
            type: "s3",
            // Only chunks: the chart wants `bucketNames.ruler` only when the ruler's storage is not local.
            bucketNames: { chunks: input.chunksBucket },
            // No keys: the AWS SDK chain picks up Pod Identity / IRSA credentials.
            s3: { region: input.region },
        },
    };
}

function gatewaySpread(): Record<string, unknown>[] {
    return [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: {
                matchLabels: {
                    "app.kubernetes.io/name": charts.loki.chart,
                    "app.kubernetes.io/instance": lokiEndpoints.release,
                    "app.kubernetes.io/component": "gateway",
                },
            },
        },
    ];
}
