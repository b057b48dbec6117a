/**
 * Pure builder for the Alloy configuration (Alloy syntax) that ships pod logs to Loki.
 * discovery.kubernetes (this node's pods) -> discovery.relabel (correlation labels) ->
 * loki.source.kubernetes (tail via the API) -> loki.process (cluster, tenant, level, structured
 * metadata) -> loki.write (gateway, default tenant). Only GA components and arguments are used, because
 * the chart runs Alloy at stability level "generally-available" (wal / queue_config are experimental).
 */
import { LOKI_TENANT_ID_PATTERN } from "../../../config/validators";
import { urls } from "../../endpoints";
import { type AlloyLokiReplica, nonBlockingQueue, replicaWriteBlock } from "./replica";
import {
    APP_SOURCE_POD_LABELS,
    CLUSTER_LABEL,
    type CorrelationLabel,
    LOG_JOB_LABEL,
    LOG_LEVEL_LABEL,
    type LogStreamLabel,
} from "../../labels";

/** JSON log fields that identify a request or a user: useful for search, fatal as stream labels. */
export const HIGH_CARDINALITY_LOG_FIELDS = ["trace_id", "span_id", "request_id", "user_id"] as const;
/** Levels kept as the `level` label (after lowercasing); anything else leaves the label unset. */
export const KNOWN_LOG_LEVELS = ["trace", "debug", "info", "warn", "warning", "error", "fatal", "critical", "panic"] as const;

/** Retry/backoff of the push client (loki.write endpoint). */
export interface AlloyWriteRetry {
    /** First backoff after a failed push (Alloy duration). Default "500ms". */
    readonly minBackoff?: string;
    /** Backoff ceiling. Default "5m". */
    readonly maxBackoff?: string;
    /** Retries before a batch is dropped. Default 20 (~ 1 h of Loki outage with the defaults). */
    readonly maxRetries?: number;
    /** Longest wait before sending a partial batch. Default "1s". */
    readonly batchWait?: string;
    /** Batch size that triggers a send. Default "1MiB". */
    readonly batchSize?: string;
}

/** Streams of some namespaces written to a tenant of their own (a team's). */
export interface AlloyTenantRoute {
    /** Loki tenant id (X-Scope-OrgID) of these namespaces' streams. */
    readonly tenant: string;
    /** Kubernetes namespaces whose streams go to `tenant`. */
    readonly namespaces: readonly string[];
}

export interface AlloyConfigInput {
    /** Value of the `cluster` label on every stream (same value as Prometheus' external label). */
    readonly clusterName: string;
    /** Loki tenant (X-Scope-OrgID) of every stream no route claims: the platform's. */
    readonly tenantId: string;
    /** Namespaces whose streams go to another tenant (one route per team); each namespace at most once. */
    readonly tenantRoutes?: readonly AlloyTenantRoute[];
    /** Push URL; default endpoints.urls.lokiPush (the Loki gateway). */
    readonly pushUrl?: string;
    /** JSON fields kept as structured metadata (never labels). Default HIGH_CARDINALITY_LOG_FIELDS. */
    readonly structuredMetadataFields?: readonly string[];
    /** Push retry/backoff tuning. */
    readonly retry?: AlloyWriteRetry;
    /** A second Loki every stream is also written to, with a queue of its own (replica.ts). */
    readonly replica?: AlloyLokiReplica;
}

/** Labels every stream ends up with, in this order: the correlation labels, then job and level. */
export const ALLOY_STREAM_LABELS: readonly LogStreamLabel[] = [
    "cluster",
    "namespace",
    "pod",
    "container",
    "app",
    LOG_JOB_LABEL,
    LOG_LEVEL_LABEL,
];

/**
 * Quote a string as an Alloy string literal. Escapes backslash, double quote, newline, CR, tab
 * and every other control character (as \uXXXX), so any value is safe to interpolate. The output
 * is also a valid JSON string, which makes it easy to check.
 */
export function alloyString(value: string): string {
    let out = '"';
    for (const ch of value) {
        const c = ch.codePointAt(0) ?? 0;
        if (ch === "\\") out += "\\\\";
        else if (ch === '"') out += '\\"';
        else if (ch === "\n") out += "\\n";
        else if (ch === "\r") out += "\\r";
        else if (ch === "\t") out += "\\t";
        else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, "0")}`;
        else out += ch;
    }
    return out + '"';
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DURATION_RE = /^(\d+(ns|us|µs|ms|s|m|h))+$/;
const SIZE_RE = /^\d+(B|KiB|MiB|GiB|KB|MB|GB)?$/;

function ident(name: string, what: string): string {
    if (!IDENT_RE.test(name)) throw new Error(`${what} ${JSON.stringify(name)} must be an identifier ([A-Za-z_][A-Za-z0-9_]*)`);
    return name;
}

function checked(re: RegExp, name: string, v: string): string {
    if (!re.test(v)) throw new Error(`${name}: invalid value ${JSON.stringify(v)}`);
    return v;
}

/** Prometheus service discovery meta label for a pod label (non-alphanumerics become `_`). */
export function podLabelMeta(podLabel: string): string {
    return `__meta_kubernetes_pod_label_${podLabel.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** A `replace` relabel rule, written out. */
interface ReplaceRule {
    readonly sourceLabels: readonly string[];
    readonly targetLabel: string;
    readonly separator?: string;
    readonly regex?: string;
}

/** Discovery meta labels that become the correlation labels. */
const META_FOR: Readonly<Record<Exclude<CorrelationLabel, "cluster" | "app">, string>> = {
    namespace: "__meta_kubernetes_namespace",
    pod: "__meta_kubernetes_pod_name",
    container: "__meta_kubernetes_pod_container_name",
};

function relabelRules(): ReplaceRule[] {
    const rules: ReplaceRule[] = (Object.keys(META_FOR) as (keyof typeof META_FOR)[]).map((label) => ({
        sourceLabels: [META_FOR[label]],
        targetLabel: label,
    }));
    // app: first pod label present wins, so write the least preferred first and let each more
    // preferred one overwrite it only when non-empty (regex "(.+)" leaves the target alone otherwise).
    for (const podLabel of [...APP_SOURCE_POD_LABELS].reverse()) {
        rules.push({ sourceLabels: [podLabelMeta(podLabel)], targetLabel: "app", regex: "(.+)" });
    }
    rules.push({
        sourceLabels: [META_FOR.namespace, META_FOR.container],
        separator: "/",
        targetLabel: LOG_JOB_LABEL,
    });
    return rules;
}

function renderRule(r: ReplaceRule): string {
    const lines = [`    source_labels = [${r.sourceLabels.map(alloyString).join(", ")}]`];
    if (r.separator !== undefined) lines.push(`    separator     = ${alloyString(r.separator)}`);
    if (r.regex !== undefined) lines.push(`    regex         = ${alloyString(r.regex)}`);
    lines.push(`    target_label  = ${alloyString(r.targetLabel)}`);
    return `  rule {\n${lines.join("\n")}\n  }`;
}

function map(entries: readonly (readonly [string, string])[], indent: string): string {
    return `{\n${entries.map(([k, v]) => `${indent}  ${k} = ${alloyString(v)},`).join("\n")}\n${indent}}`;
}

const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAMESPACE_LABEL: LogStreamLabel = "namespace";

/**
 * Tenant routes as every builder that splits logs by tenant needs them (this node pipeline and the
 * OTLP gateway, otlp.ts): valid tenant ids other than the default, each routed once, each owning
 * namespaces (DNS labels, so safe inside a selector or an OTTL string) that no other route owns.
 */
export function checkTenantRoutes(defaultTenant: string, routes: readonly AlloyTenantRoute[]): void {
    const owner = new Map<string, string>();
    const tenants = new Set<string>();
    for (const r of routes) {
        if (!LOKI_TENANT_ID_PATTERN.test(r.tenant)) throw new Error(`tenantRoutes: ${JSON.stringify(r.tenant)} is not a valid Loki tenant id`);
        if (r.tenant === defaultTenant) throw new Error(`tenantRoutes: ${r.tenant} is the default tenant already`);
        if (tenants.has(r.tenant)) throw new Error(`tenantRoutes: tenant ${r.tenant} is routed twice`);
        tenants.add(r.tenant);
        if (r.namespaces.length === 0) throw new Error(`tenantRoutes: tenant ${r.tenant} has no namespaces`);
        for (const ns of r.namespaces) {
            if (!NAMESPACE_RE.test(ns)) throw new Error(`tenantRoutes[${r.tenant}]: ${JSON.stringify(ns)} is not a namespace name`);
            const other = owner.get(ns);
            if (other !== undefined) throw new Error(`tenantRoutes: namespace ${ns} goes to both ${other} and ${r.tenant}`);
            owner.set(ns, r.tenant);
        }
    }
}

/**
 * One `stage.match` per route: a LogQL selector on the stream's namespace and a `stage.tenant`
 * with the route's tenant. stage.tenant sets the entry's `__tenant_id__` label, which loki.write
 * sends as X-Scope-OrgID instead of its own tenant_id and leaves out of the stream's labels
 * (Alloy v1.18.1, loki.write's client: getTenantID, and internal `__` labels skipped in batches).
 */
function tenantStages(defaultTenant: string, routes: readonly AlloyTenantRoute[]): string {
    checkTenantRoutes(defaultTenant, routes);
    const blocks = routes.map((r) => {
        // Namespace names are DNS labels: nothing in them is special to RE2, so the alternation is literal.
        const selector = `{${NAMESPACE_LABEL}=~"${r.namespaces.join("|")}"}`;
        return `  stage.match {
    selector = ${alloyString(selector)}

    stage.tenant {
      value = ${alloyString(r.tenant)}
    }
  }`;
    });
    if (blocks.length === 0) return "";
    return `
  // Each team's namespaces to the team's tenant; everything else stays in loki.write's tenant_id.
${blocks.join("\n\n")}
`;
}

/** Build the Alloy configuration text. */
export function buildAlloyConfig(input: AlloyConfigInput): string {
    if (input.clusterName.length === 0) throw new Error("clusterName must not be empty");
    if (input.tenantId.length === 0) throw new Error("tenantId must not be empty");
    const fields = (input.structuredMetadataFields ?? HIGH_CARDINALITY_LOG_FIELDS).map((f) => ident(f, "structured metadata field"));
    for (const f of fields) {
        if ((ALLOY_STREAM_LABELS as readonly string[]).includes(f) || f === "level_raw")
            throw new Error(`structured metadata field ${f} clashes with a stream label`);
    }
    const retry = input.retry ?? {};
    const minBackoff = checked(DURATION_RE, "retry.minBackoff", retry.minBackoff ?? "500ms");
    const maxBackoff = checked(DURATION_RE, "retry.maxBackoff", retry.maxBackoff ?? "5m");
    const maxRetries = retry.maxRetries ?? 20;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new Error(`retry.maxRetries must be an integer >= 0, got ${maxRetries}`);
    const batchWait = checked(DURATION_RE, "retry.batchWait", retry.batchWait ?? "1s");
    const batchSize = checked(SIZE_RE, "retry.batchSize", retry.batchSize ?? "1MiB");

    const jsonExpressions: [string, string][] = [
        // JMESPath: the first of the usual level keys that is present.
        ["level_raw", "level || severity || lvl"],
        ...fields.map((f): [string, string] => [f, f]),
    ];
    const levelRegex = `^(?P<${LOG_LEVEL_LABEL}>${KNOWN_LOG_LEVELS.join("|")})$`;

    return `// Generated by components/k8s/collector/config.ts; edit the builder, not this file.
// Pod logs of this node -> Loki (${CLUSTER_LABEL}, namespace, pod, container, app, job, level), each team's namespaces to its own tenant.

discovery.kubernetes "pods" {
  role = "pod"
  // Only this node's pods: the chart sets HOSTNAME to spec.nodeName in every Alloy pod.
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
${relabelRules().map(renderRule).join("\n")}
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.process.pods.receiver]
}

loki.process "pods" {
  forward_to = [loki.write.default.receiver${input.replica ? ", loki.write.replica.receiver" : ""}]

  stage.static_labels {
    values = ${map([[CLUSTER_LABEL, input.clusterName]], "    ")}
  }
${tenantStages(input.tenantId, input.tenantRoutes ?? [])}
  // JSON logs: take the level and the high-cardinality ids; other lines pass through untouched.
  stage.json {
    expressions = ${map(jsonExpressions, "    ")}
  }

  stage.template {
    source   = "level_raw"
    template = "{{ ToLower .Value }}"
  }

  // Only a known level becomes the label, so a garbage value cannot create new streams.
  stage.regex {
    source     = "level_raw"
    expression = ${alloyString(levelRegex)}
  }

  stage.labels {
    values = ${map([[LOG_LEVEL_LABEL, ""]], "    ")}
  }

  // Searchable per line without becoming part of the stream identity.
  stage.structured_metadata {
    values = ${map(fields.map((f): [string, string] => [f, ""]), "    ")}
  }
}

loki.write "default" {
  endpoint {
    url                 = ${alloyString(input.pushUrl ?? urls.lokiPush)}
    tenant_id           = ${alloyString(input.tenantId)}
    batch_wait          = ${alloyString(batchWait)}
    batch_size          = ${alloyString(batchSize)}
    min_backoff_period  = ${alloyString(minBackoff)}
    max_backoff_period  = ${alloyString(maxBackoff)}
    max_backoff_retries = ${maxRetries}
    retry_on_http_429   = true${input.replica ? nonBlockingQueue(input.replica) : ""}
  }
}
${input.replica ? replicaWriteBlock(input.replica, { batchWait, batchSize, minBackoff, maxBackoff, maxRetries }) : ""}`;
}
