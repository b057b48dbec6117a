/**
 * Pure builders for the OTLP gateway: a second release of the Alloy chart (1.11.1, Alloy v1.18.1)
 * running as a Deployment that receives OpenTelemetry from applications (gRPC 4317, HTTP 4318).
 *
 *   otelcol.receiver.otlp -> memory_limiter -> k8sattributes (pod by connection IP)
 *     metrics -> transform (shared labels on every data point) -> batch -> exporter.prometheus
 *                -> prometheus.remote_write (one endpoint, one queue, per Prometheus replica)
 *     logs    -> transform (shared labels as resource attributes) -> batch -> exporter.otlphttp
 *                -> Loki gateway /otlp, X-Scope-OrgID = the platform tenant; with tenant routes
 *                (teams), batch -> one processor.filter per tenant -> that tenant's exporter.otlphttp;
 *                with logs.replicateTo, each route also feeds an exporter.otlphttp to the second
 *                Loki's /otlp (same tenant as the node pipeline writes there, its credential file)
 *     traces  -> exporter.otlphttp to `tracesEndpoint` when configured, else
 *                connector.spanmetrics: counted per service and status (the counting pod's name on
 *                every series, see SPANMETRICS_POD_LABEL), then dropped
 *
 * Metrics go by remote write, not Prometheus' own OTLP receiver: that receiver can promote a
 * resource attribute only under its own name (k8s.namespace.name -> k8s_namespace_name), never as
 * `namespace`, and takes no delta temporality; otelcol.exporter.prometheus converts, and the
 * transform processor puts the shared names on the data points themselves. Every component and
 * argument is GA in Alloy v1.18.1 (docs/sources/reference/components/otelcol/*.md at v1.18.1).
 */
import { prometheusReplicaWriteUrl, otlpGateway, urls } from "../../endpoints";
import { APP_SOURCE_POD_LABELS, CLUSTER_LABEL, type OTLP_LOG_INDEX_LABELS } from "../../labels";
import { escapeHelmTpl, type ResourceSpec } from "../logs/values";
import { type AlloyTenantRoute, alloyString, checkTenantRoutes } from "./config";
import { LOG_REPLICA_CREDENTIAL_FILE, type AlloyLokiReplica, replicaOtlpUrl, withLogReplicaCredential } from "./replica";

/** Environment variable holding the gateway pod's own name (downward API, buildOtlpGatewayValues). */
export const GATEWAY_POD_NAME_ENV = "POD_NAME";
/**
 * Label naming the gateway pod that counted a span metric. Each replica keeps its own cumulative
 * counters (spans are spread over the pods), so without it two pods would write different totals to
 * one series. Not `pod`: that is the sending application's pod.
 */
export const SPANMETRICS_POD_LABEL = "otlp_gateway_pod";
/** A span-metrics series not updated for this long is dropped from the connector's cache (no stale re-sends). */
export const SPANMETRICS_EXPIRATION = "5m";

/** Resource attribute (OpenTelemetry semantic conventions) behind each shared label. */
export const OTLP_LABEL_SOURCES = {
    namespace: "k8s.namespace.name",
    pod: "k8s.pod.name",
    container: "k8s.container.name",
    service: "service.name",
} as const;

/** Labels the gateway puts on every metric data point (the names the scraped series carry). */
export const OTLP_METRIC_LABELS = ["namespace", "pod", "container", "service"] as const;
/** Temporary resource attribute holding pod label `label`, copied by k8sattributes. */
function podLabelAttribute(label: string): string {
    return `k8s.pod.label.${label}`;
}

export interface OtlpGatewayConfigInput {
    /** Value of the `cluster` label on every log stream. */
    readonly clusterName: string;
    /** Loki tenant of every log record no route claims (the platform's). */
    readonly tenantId: string;
    /** Namespaces whose log records go to a tenant of their own (one route per team, as the node pipeline's). */
    readonly tenantRoutes?: readonly AlloyTenantRoute[];
    /** Prometheus replicas: every one gets every sample (each answers only for itself). */
    readonly prometheusReplicas: number;
    /** OTLP/HTTP base URL traces are forwarded to (`/v1/traces` appended); absent: counted and dropped. */
    readonly tracesEndpoint?: string;
    /** logs.replicateTo: every log record also goes to this second Loki (its OTLP route), as the node pipeline's lines do. */
    readonly replica?: AlloyLokiReplica;
}

const set = (target: string, source: string): string => `set(${target}, ${source}) where ${source} != nil`;
const res = (attr: string): string => `resource.attributes[${JSON.stringify(attr)}]`;
const dp = (attr: string): string => `datapoint.attributes[${JSON.stringify(attr)}]`;

/** OTTL statements giving resources the `app` attribute from the first pod label present (node pipeline's rule). */
function appStatements(): string[] {
    const fromLabels = [...APP_SOURCE_POD_LABELS].reverse().map((l) => set(res("app"), res(podLabelAttribute(l))));
    return [...fromLabels, ...APP_SOURCE_POD_LABELS.map((l) => `delete_key(resource.attributes, ${JSON.stringify(podLabelAttribute(l))})`)];
}

/** OTTL statements of the transform processor, per signal. */
export function otlpTransformStatements(clusterName: string): { metric: string[]; log: string[] } {
    const sources = OTLP_LABEL_SOURCES;
    // Every label Loki indexes (OTLP_LOG_INDEX_LABELS) is set here: the type lets none be missed.
    const log: Record<(typeof OTLP_LOG_INDEX_LABELS)[number], string[]> = {
        cluster: [`set(${res(CLUSTER_LABEL)}, ${JSON.stringify(clusterName)})`],
        namespace: [set(res("namespace"), res(sources.namespace))],
        pod: [set(res("pod"), res(sources.pod))],
        container: [set(res("container"), res(sources.container))],
        app: appStatements(),
    };
    return { metric: OTLP_METRIC_LABELS.map((l) => set(dp(l), res(sources[l]))), log: Object.values(log).flat() };
}

const list = (items: readonly string[], indent: string): string => `[\n${items.map((i) => `${indent}  ${alloyString(i)},`).join("\n")}\n${indent}]`;

/** Label of a tenant's filter and exporter: Alloy references (`a.b.<label>.input`) take identifiers only. */
const tenantLabel = (tenant: string): string => `tenant_${tenant.replace(/[^A-Za-z0-9_]/g, "_")}`;
/** The exporter of the platform tenant (every record no route claims). */
const PLATFORM_EXPORTER = "loki";

interface LogRoute {
    readonly label: string;
    readonly tenant: string;
    /** Tenant in the second region: the team's own; the platform route's is replicateTo.tenantId (node pipeline's rule). */
    readonly replicaTenant: string;
    /** Drop conditions of its filter (OTTL, resource context); none: no filter, the batch feeds the exporter. */
    readonly drop: readonly string[];
}

/**
 * One route per tenant. A team's filter drops every resource whose k8s.namespace.name is none of the
 * team's (absent too: in OTTL nil equals no string); the platform's drops the resources of every
 * team's namespaces, so each record passes exactly one filter. The attribute is k8sattributes'
 * (the transform's `namespace` is copied from it).
 *
 * Read at Alloy v1.18.1: otelcol.processor.filter is registered StabilityGenerallyAvailable
 * (internal/component/otelcol/processor/filter/filter.go); its `log_conditions` block takes
 * `context` ("resource" or "log") and `conditions`, a condition that holds drops the data, a
 * resource-context one the resource's records (docs/sources/reference/components/otelcol/
 * otelcol.processor.filter.md; upstream filterprocessor v0.153.0, which parses them with the given
 * context). OTTL: `and` binds tighter than `or`; nil compared with a string is "not equal"
 * (pkg/ottl/LANGUAGE.md, Boolean Expressions and Comparison Rules).
 */
function logRoutes(defaultTenant: string, routes: readonly AlloyTenantRoute[], replicaDefaultTenant: string): LogRoute[] {
    checkTenantRoutes(defaultTenant, routes);
    const labels = new Map<string, string>();
    const ns = res(OTLP_LABEL_SOURCES.namespace);
    const teams = routes.map((r): LogRoute => {
        const label = tenantLabel(r.tenant);
        const clash = labels.get(label);
        if (clash !== undefined) throw new Error(`tenantRoutes: tenants ${clash} and ${r.tenant} would share the component label ${label}`);
        labels.set(label, r.tenant);
        return { label, tenant: r.tenant, replicaTenant: r.tenant, drop: [r.namespaces.map((n) => `${ns} != ${JSON.stringify(n)}`).join(" and ")] };
    });
    const claimed = routes.map((r) => r.namespaces.map((n) => `${ns} == ${JSON.stringify(n)}`).join(" or "));
    return [{ label: PLATFORM_EXPORTER, tenant: defaultTenant, replicaTenant: replicaDefaultTenant, drop: claimed }, ...teams];
}

const LOGS_PER_TEAM = `// Logs per team (Loki tenants): each team's namespaces to the team's tenant; everything else, records
// without k8s.namespace.name included, to the platform's. Each tenant's filter drops what is not its own.
`;

/** Label of a route's exporter to the second region. */
const replicaLabel = (route: LogRoute): string => `replica_${route.label}`;
/** Label of the otelcol.auth component carrying the replica's credential. */
const REPLICA_AUTH = "replica";

/** The exporters a route's records go to: the local Loki's, and the replica's when configured. */
function routeExporters(route: LogRoute, replica: AlloyLokiReplica | undefined): string[] {
    return [`otelcol.exporter.otlphttp.${route.label}.input`, ...(replica ? [`otelcol.exporter.otlphttp.${replicaLabel(route)}.input`] : [])];
}

/**
 * logs.replicateTo for OTLP records: the credential from the mounted Secret file (never inline).
 * Read at Alloy v1.18.1: otelcol.auth.basic, otelcol.auth.bearer and local.file are registered
 * StabilityGenerallyAvailable (internal/component/otelcol/auth/basic/basic.go, auth/bearer/bearer.go,
 * local/file/file.go). otelcol.auth.basic's client_auth block takes username and password_file, which
 * the upstream basicauth extension watches and reloads; otelcol.auth.bearer takes `token` (a secret),
 * its docs pointing at local.file for a token kept in a file (docs/sources/reference/components/otelcol/
 * otelcol.auth.{basic,bearer}.md). otlphttp's client `auth` takes the handler.
 */
function replicaAuthComponents(replica: AlloyLokiReplica): string {
    if (replica.auth.kind === "basic") {
        return `otelcol.auth.basic ${alloyString(REPLICA_AUTH)} {
  client_auth {
    username      = ${alloyString(replica.auth.username)}
    password_file = ${alloyString(LOG_REPLICA_CREDENTIAL_FILE)}
  }
}
`;
    }
    return `local.file "replica_credential" {
  filename  = ${alloyString(LOG_REPLICA_CREDENTIAL_FILE)}
  is_secret = true
}

otelcol.auth.bearer ${alloyString(REPLICA_AUTH)} {
  token = local.file.replica_credential.content
}
`;
}

const LOGS_REPLICA = `// logs.replicateTo: each route's records also go to the second Loki's OTLP route, the team's tenant
// (or replicateTo.tenantId) there, as the node Alloy writes its lines (components/k8s/collector/replica.ts).
// The batch processor before them is asynchronous: an unreachable region fails only its own exporter.
`;

/** A route's exporter to the second region. */
function replicaExporter(route: LogRoute, replica: AlloyLokiReplica): string {
    return `otelcol.exporter.otlphttp ${alloyString(replicaLabel(route))} {
  client {
    endpoint = ${alloyString(replicaOtlpUrl(replica.url))}
    auth     = otelcol.auth.${replica.auth.kind}.${REPLICA_AUTH}.handler
    headers  = {
      "X-Scope-OrgID" = ${alloyString(route.replicaTenant)},
    }
  }
}
`;
}

/** A route's filter (when it has conditions) and its exporter: Loki's OTLP route with the tenant's header. */
function logRouteComponents(route: LogRoute, replica: AlloyLokiReplica | undefined): string {
    const filter =
        route.drop.length === 0
            ? ""
            : `otelcol.processor.filter ${alloyString(route.label)} {
  error_mode = "ignore"
  log_conditions {
    context    = "resource"
    conditions = ${list(route.drop, "    ")}
  }
  output {
    logs = [${routeExporters(route, replica).join(", ")}]
  }
}

`;
    return `${filter}otelcol.exporter.otlphttp ${alloyString(route.label)} {
  client {
    endpoint = ${alloyString(urls.lokiOtlp)}
    headers  = {
      "X-Scope-OrgID" = ${alloyString(route.tenant)},
    }
  }
}
`;
}

/**
 * The OTTL statement naming the counting pod, as an Alloy expression: the pod name is read at run time
 * (sys.env, Alloy stdlib) and spliced into the statement's string literal (pod names are DNS labels:
 * nothing to escape).
 */
function podNameStatement(): string {
    return `${alloyString(`set(${dp(SPANMETRICS_POD_LABEL)}, "`)} + sys.env(${alloyString(GATEWAY_POD_NAME_ENV)}) + ${alloyString('")')}`;
}

/** Build the gateway's Alloy configuration text. */
export function buildOtlpGatewayConfig(input: OtlpGatewayConfigInput): string {
    if (input.clusterName.length === 0) throw new Error("clusterName must not be empty");
    if (input.tenantId.length === 0) throw new Error("tenantId must not be empty");
    if (!Number.isInteger(input.prometheusReplicas) || input.prometheusReplicas < 1) throw new Error(`prometheusReplicas must be an integer >= 1, got ${input.prometheusReplicas}`);
    if (input.tracesEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(input.tracesEndpoint)) throw new Error(`tracesEndpoint must be an http(s) URL, got ${JSON.stringify(input.tracesEndpoint)}`);
    const statements = otlpTransformStatements(input.clusterName);
    const replica = input.replica;
    if (replica !== undefined && replica.tenantId.length === 0) throw new Error("replica.tenantId must not be empty");
    const routes = logRoutes(input.tenantId, input.tenantRoutes ?? [], input.replica?.tenantId ?? input.tenantId);
    const logTargets = routes.flatMap((r) => (r.drop.length === 0 ? routeExporters(r, input.replica) : [`otelcol.processor.filter.${r.label}.input`]));
    const tracesTarget = input.tracesEndpoint ? "otelcol.processor.batch.apps.input" : "otelcol.connector.spanmetrics.traces.input";
    const endpoints = Array.from({ length: input.prometheusReplicas }, (_, i) => `  endpoint {\n    name = ${alloyString(`prometheus-${i}`)}\n    url  = ${alloyString(prometheusReplicaWriteUrl(i))}\n  }`);
    const traces = input.tracesEndpoint
        ? `otelcol.exporter.otlphttp "traces" {
  client {
    endpoint = ${alloyString(input.tracesEndpoint)}
  }
}
`
        : `// No traces backend: spans are counted per service and status (traces_span_metrics_calls_total), then dropped.
// Series unseen for metrics_expiration leave the cache (the default, 0, re-sends them forever).
otelcol.connector.spanmetrics "traces" {
  exclude_dimensions = ["span.name", "span.kind"]
  metrics_expiration = ${alloyString(SPANMETRICS_EXPIRATION)}
  histogram {
    disable = true
  }
  output {
    metrics = [otelcol.processor.transform.spanmetrics.input]
  }
}

// Each gateway pod counts the spans it receives: its name on the series keeps every pod's counters apart.
otelcol.processor.transform "spanmetrics" {
  error_mode = "ignore"
  statements {
    metric = [
      ${podNameStatement()},
    ]
  }
  output {
    metrics = [otelcol.processor.transform.labels.input]
  }
}
`;
    return `// Generated by components/k8s/collector/otlp.ts; edit the builder, not this file.
// OTLP from applications -> Prometheus (remote write) and Loki (OTLP), with the shared labels.

otelcol.receiver.otlp "apps" {
  grpc {
    endpoint = ${alloyString(`0.0.0.0:${otlpGateway.grpcPort}`)}
  }
  http {
    endpoint = ${alloyString(`0.0.0.0:${otlpGateway.httpPort}`)}
  }
  output {
    metrics = [otelcol.processor.memory_limiter.apps.input]
    logs    = [otelcol.processor.memory_limiter.apps.input]
    traces  = [otelcol.processor.memory_limiter.apps.input]
  }
}

// Refuses data (the sender retries) before the container's memory limit is reached.
otelcol.processor.memory_limiter "apps" {
  check_interval         = "1s"
  limit_percentage       = 80
  spike_limit_percentage = 20
  output {
    metrics = [otelcol.processor.k8sattributes.apps.input]
    logs    = [otelcol.processor.k8sattributes.apps.input]
    traces  = [otelcol.processor.k8sattributes.apps.input]
  }
}

// The sending pod: by the k8s.pod.ip its SDK reports, else by the connection's source address (apps
// export straight to this Service). Attributes the sender already set are kept.
otelcol.processor.k8sattributes "apps" {
  extract {
    metadata = ["k8s.namespace.name", "k8s.pod.name", "k8s.container.name"]
${APP_SOURCE_POD_LABELS.map((l) => `    label {\n      from     = "pod"\n      key      = ${alloyString(l)}\n      tag_name = ${alloyString(podLabelAttribute(l))}\n    }`).join("\n")}
  }
  pod_association {
    source {
      from = "resource_attribute"
      name = "k8s.pod.ip"
    }
  }
  pod_association {
    source {
      from = "connection"
    }
  }
  output {
    metrics = [otelcol.processor.transform.labels.input]
    logs    = [otelcol.processor.transform.labels.input]
    traces  = [${tracesTarget}]
  }
}

${traces}
// The shared label names: on metric data points (they become series labels) and on log resources
// (Loki indexes exactly these, limits_config.otlp_config).
otelcol.processor.transform "labels" {
  error_mode = "ignore"
  statements {
    metric = ${list(statements.metric, "    ")}
    log = ${list(statements.log, "    ")}
  }
  output {
    metrics = [otelcol.processor.batch.apps.input]
    logs    = [otelcol.processor.batch.apps.input]
  }
}

otelcol.processor.batch "apps" {
  output {
    metrics = [otelcol.exporter.prometheus.apps.input]
    logs    = [${logTargets.join(", ")}]${input.tracesEndpoint ? "\n    traces  = [otelcol.exporter.otlphttp.traces.input]" : ""}
  }
}

otelcol.exporter.prometheus "apps" {
  forward_to = [prometheus.remote_write.prometheus.receiver]
}

// One endpoint (its own queue) per replica: a replica that is down does not hold back the other.
prometheus.remote_write "prometheus" {
${endpoints.join("\n")}
}

${routes.length > 1 ? LOGS_PER_TEAM : ""}${routes.map((r) => logRouteComponents(r, input.replica)).join("\n")}${
        replica ? `\n${LOGS_REPLICA}${replicaAuthComponents(replica)}\n${routes.map((r) => replicaExporter(r, replica)).join("\n")}` : ""
    }`;
}

/** Kubernetes API reads the k8sattributes processor needs (and nothing else: no Secrets, no nodes). */
export const OTLP_GATEWAY_RBAC = {
    rules: [{ apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "list", "watch"] }],
    clusterRules: [{ apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] }],
} as const;

/** UID/GID the Alloy image creates for its `alloy` user (Dockerfile ARG UID=473 at v1.18.1). */
const ALLOY_UID = 473;

export interface OtlpGatewayValuesInput {
    /** Alloy configuration text (from buildOtlpGatewayConfig). */
    readonly configText: string;
    /** Pods; 2 or more get a PDB (one may go at a time) and a zone spread. */
    readonly replicas: number;
    readonly resources: ResourceSpec;
    readonly configReloaderResources: ResourceSpec;
    /** logs.replicateTo: mount the replica credential Secret (in the gateway's namespace) where the config reads it. */
    readonly replicaCredential?: boolean;
}

/** Build the chart values for the OTLP gateway release. Keys checked against the chart's values.yaml and templates. */
export function buildOtlpGatewayValues(input: OtlpGatewayValuesInput): Record<string, unknown> {
    if (!Number.isInteger(input.replicas) || input.replicas < 1) throw new Error(`replicas must be an integer >= 1, got ${input.replicas}`);
    const ha = input.replicas >= 2;
    const selector = { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": otlpGateway.release };
    const port = (name: string, p: number) => ({ name, port: p, targetPort: p, protocol: "TCP" });
    const values = {
        fullnameOverride: otlpGateway.fullname,
        // Pod Security restricted (the monitoring namespace enforces it).
        global: { podSecurityContext: { runAsNonRoot: true, runAsUser: ALLOY_UID, runAsGroup: ALLOY_UID, fsGroup: ALLOY_UID, seccompProfile: { type: "RuntimeDefault" } } },
        controller: {
            type: "deployment",
            replicas: input.replicas,
            podDisruptionBudget: ha ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
            topologySpreadConstraints: ha
                ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } }]
                : [],
        },
        alloy: {
            configMap: { create: true, content: escapeHelmTpl(input.configText) },
            extraPorts: [port("otlp-grpc", otlpGateway.grpcPort), port("otlp-http", otlpGateway.httpPort)],
            // The pod's own name for the span metrics (the chart's HOSTNAME is the node's: two pods may share one).
            // Chart 1.11.1 templates/containers/_agent.yaml appends alloy.extraEnv after HOSTNAME and K8S_NODE_NAME.
            extraEnv: [{ name: GATEWAY_POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            mounts: { varlog: false, dockercontainers: false },
            enableReporting: false,
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            resources: input.resources,
        },
        configReloader: { resources: input.configReloaderResources },
        serviceAccount: { create: true, name: otlpGateway.serviceAccount },
        rbac: { create: true, ...OTLP_GATEWAY_RBAC },
        serviceMonitor: { enabled: true },
    };
    return input.replicaCredential ? withLogReplicaCredential(values) : values;
}
