/**
 * The OTLP gateway's metrics path (components/k8s/collector/otlp.ts) as a model, for tests on a
 * machine without an `alloy` binary (none on npm or in Debian). It reads the generated configuration
 * (parsed with ./alloy-syntax) and follows the metrics signal from the receiver component by
 * component; a component or argument it does not model stops it, so a changed pipeline cannot pass
 * unnoticed. Only two steps are modelled from upstream behaviour rather than read from the config:
 *
 * - otelcol.processor.k8sattributes: `pod_association` blocks tried in order, all sources of one
 *   block must resolve (resource_attribute: that attribute; connection: the client address, which
 *   the OTLP/HTTP server always records: opentelemetry-collector v0.153.0
 *   config/confighttp/clientinfohandler.go); the pod found gives the `extract.metadata` attributes
 *   and `extract.label` tags, an attribute the sender already set is kept, `k8s.pod.ip` is added
 *   when missing (opentelemetry-collector-contrib processor/k8sattributesprocessor).
 *   `k8s.container.name` is never added: upstream needs the sender's container.id for it (or, in
 *   some versions, a single-container pod), which the model does not assume (README: without it
 *   the `container` label is absent).
 * - otelcol.exporter.prometheus with its defaults (Alloy v1.18.1 internal/component/otelcol/exporter/
 *   prometheus/prometheus.go DefaultArguments and internal/convert/convert.go, names by contrib
 *   pkg/translator/prometheus v0.153.0 normalize_name.go / normalize_label.go): see toPrometheus.
 *
 * Everything else (which components, in which order, the OTTL statements, how many remote-write
 * endpoints) comes from the configuration itself.
 */
import assert from "node:assert/strict";
import { type Block, type Value, find, parseAlloy } from "./alloy-syntax";
import { type OtlpExport, type OtlpMetric, type OtlpResourceMetrics, attributeMap } from "./otlp-receiver";

export type Attrs = Record<string, string>;

// ---- OTTL, the statement forms the builder writes, evaluated ------------------------------------
const PATH = /^(resource|datapoint)\.attributes\["([^"]+)"\]$/;

/** Runs `set(path, path|"literal") [where path != nil]` and `delete_key(resource.attributes, "k")`; any other form fails. */
export function evalOttl(statements: readonly string[], resource: Attrs, datapoint: Attrs = {}): { resource: Attrs; datapoint: Attrs } {
    const state = { resource: { ...resource }, datapoint: { ...datapoint } };
    const get = (p: string): string | undefined => {
        if (p.startsWith('"')) return JSON.parse(p) as string;
        const m = PATH.exec(p);
        assert.ok(m, `path ${p}`);
        return state[m[1] as "resource" | "datapoint"][m[2] as string];
    };
    for (const s of statements) {
        const set = /^set\((\S+), (\S+)\)(?: where (\S+) != nil)?$/.exec(s);
        const del = /^delete_key\(resource\.attributes, "([^"]+)"\)$/.exec(s);
        if (set) {
            if (set[3] !== undefined && get(set[3]) === undefined) continue;
            const m = PATH.exec(set[1] as string);
            assert.ok(m);
            const v = get(set[2] as string);
            if (v !== undefined) state[m[1] as "resource" | "datapoint"][m[2] as string] = v;
        } else if (del) delete state.resource[del[1] as string];
        else assert.fail(`statement form not understood: ${s}`);
    }
    return state;
}

// ---- otelcol.exporter.prometheus, default arguments ----------------------------------------------
/** Units the model maps (contrib pkg/translator/prometheus unitMap, the ones used here); another single word is kept as it is (unitMapGetOrDefault). */
const UNIT_WORDS: Readonly<Record<string, string>> = { "": "", "1": "", s: "seconds", ms: "milliseconds", us: "microseconds", By: "bytes", KBy: "kilobytes", MiBy: "mebibytes" };

/**
 * A metric's Prometheus name with add_metric_suffixes (the default): split into the runs of letters
 * and digits; the unit's word appended unless it is already one of them (units in braces are
 * annotations, never appended); a monotonic sum's `total` moved to the end; a gauge of unit `1`
 * gets `ratio`; joined with `_`, a leading digit prefixed with `_`.
 */
export function prometheusName(name: string, unit: string, kind: "counter" | "gauge" | "histogram"): string {
    // Names outside ASCII letters, digits, `_`, `.`, `-` and spaces (colons, other scripts) are treated differently across versions: not modelled.
    assert.ok(/^[A-Za-z0-9_. -]+$/.test(name), `metric name ${JSON.stringify(name)} is not modelled`);
    const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
    if (!unit.startsWith("{")) {
        const word = UNIT_WORDS[unit] ?? (/^[A-Za-z]+$/.test(unit) ? unit : undefined);
        assert.ok(word !== undefined, `unit ${JSON.stringify(unit)} is not modelled (units with "/" and symbols are not)`);
        if (word !== "" && !words.includes(word)) words.push(word);
    }
    const out = kind === "counter" ? [...words.filter((w) => w !== "total"), "total"] : words;
    if (kind === "gauge" && unit === "1" && !out.includes("ratio")) out.push("ratio");
    const joined = out.join("_");
    return /^\d/.test(joined) ? `_${joined}` : joined;
}

/** A label name: every character but letters and digits becomes `_`; a leading digit or single `_` gets `key_`. */
export function prometheusLabel(name: string): string {
    assert.ok(/^[\x21-\x7e]+$/.test(name), `attribute name ${JSON.stringify(name)} is not modelled`);
    const s = name.replace(/[^A-Za-z0-9]/g, "_");
    if (/^\d/.test(s)) return `key_${s}`;
    if (/^_[^_]/.test(s)) return `key${s}`;
    return s;
}

/** One sample: labels (with __name__) and value. */
export interface Sample {
    readonly labels: Attrs;
    readonly value: number;
}

const IDENTIFYING = ["service.name", "service.namespace", "service.instance.id"];

/** Go's strconv.FormatFloat(v, 'f', -1, 64) for the bounds SDKs use (no exponent form). */
function formatBound(v: number): string {
    const s = String(v);
    assert.ok(!/e/i.test(s), `bucket bound ${s} needs Go's exponent-free formatting, not modelled`);
    return s;
}

/**
 * The samples otelcol.exporter.prometheus (defaults) writes for one resource's metrics: `job` from
 * service.namespace/service.name (or service.name), `instance` from service.instance.id, absent
 * when empty; `otel_scope_name`/`otel_scope_version` (empty ones absent); each data point attribute
 * as a label (name normalised); resource attributes only on `target_info` (value 1, the identifying
 * ones left out). Cumulative monotonic sums are counters, cumulative non-monotonic sums and gauges
 * are gauges, cumulative histograms `_bucket` (each bound's `le`, and +Inf = count, cumulative
 * counts), `_sum`, `_count`. Delta sums and histograms are dropped.
 */
export function toPrometheus(rm: OtlpResourceMetrics, transform: (resource: Attrs, datapoint: Attrs) => Attrs): Sample[] {
    const resource = attributeMap(rm.resource?.attributes);
    const base: Attrs = {};
    const job = resource["service.namespace"] ? `${resource["service.namespace"]}/${resource["service.name"] ?? ""}` : resource["service.name"];
    if (job) base.job = job;
    if (resource["service.instance.id"]) base.instance = resource["service.instance.id"];
    const out: Sample[] = [];
    const targetInfo: Attrs = { __name__: "target_info", ...base };
    for (const [k, v] of Object.entries(resource)) if (!IDENTIFYING.includes(k) && v !== "") targetInfo[prometheusLabel(k)] = v;
    out.push({ labels: targetInfo, value: 1 });
    for (const sm of rm.scopeMetrics) {
        const scope: Attrs = { ...base };
        if (sm.scope?.name) scope.otel_scope_name = sm.scope.name;
        if (sm.scope?.version) scope.otel_scope_version = sm.scope.version;
        for (const m of sm.metrics) out.push(...metricSamples(m, scope, resource, transform));
    }
    return out;
}

function metricSamples(m: OtlpMetric, scope: Attrs, resource: Attrs, transform: (resource: Attrs, datapoint: Attrs) => Attrs): Sample[] {
    const labelsOf = (name: string, attributes: Parameters<typeof attributeMap>[0], extra: Attrs = {}): Attrs => {
        const point = transform(resource, attributeMap(attributes));
        const labels: Attrs = { __name__: name, ...scope };
        for (const [k, v] of Object.entries(point)) if (v !== "") labels[prometheusLabel(k)] = v;
        return { ...labels, ...extra };
    };
    const unit = m.unit ?? "";
    if (m.sum) {
        if (m.sum.aggregationTemporality !== 2) return [];
        const name = prometheusName(m.name, unit, m.sum.isMonotonic ? "counter" : "gauge");
        return m.sum.dataPoints.map((p) => ({ labels: labelsOf(name, p.attributes), value: Number(p.asDouble ?? p.asInt) }));
    }
    if (m.gauge) {
        const name = prometheusName(m.name, unit, "gauge");
        return m.gauge.dataPoints.map((p) => ({ labels: labelsOf(name, p.attributes), value: Number(p.asDouble ?? p.asInt) }));
    }
    if (m.histogram) {
        if (m.histogram.aggregationTemporality !== 2) return [];
        const name = prometheusName(m.name, unit, "histogram");
        return m.histogram.dataPoints.flatMap((p) => {
            let cumulative = 0;
            const buckets = p.explicitBounds.map((bound, i) => {
                cumulative += Number(p.bucketCounts[i] ?? 0);
                return { labels: labelsOf(`${name}_bucket`, p.attributes, { le: formatBound(bound) }), value: cumulative };
            });
            return [
                ...buckets,
                { labels: labelsOf(`${name}_bucket`, p.attributes, { le: "+Inf" }), value: Number(p.count) },
                ...(p.sum === undefined ? [] : [{ labels: labelsOf(`${name}_sum`, p.attributes), value: p.sum }]),
                { labels: labelsOf(`${name}_count`, p.attributes), value: Number(p.count) },
            ];
        });
    }
    return assert.fail(`metric ${m.name}: only sums, gauges and explicit-bucket histograms are modelled`);
}

// ---- the pipeline, followed from the configuration -----------------------------------------------
/** What k8sattributes would find for a pod: by its IP. */
export interface ModelPod {
    readonly ip: string;
    readonly namespace: string;
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
}

const refsOf = (v: Value | undefined): string[] =>
    Array.isArray(v) ? v.flatMap((x) => (typeof x === "object" && x !== null && "ref" in x ? [String(x.ref).replace(/\.(input|receiver)$/, "")] : [])) : [];

export class OtlpGatewayModel {
    private readonly blocks: Map<string, Block>;
    /** Remote-write endpoint URLs (one per Prometheus replica). */
    readonly remoteWriteUrls: string[] = [];

    constructor(
        configText: string,
        private readonly pods: readonly ModelPod[],
    ) {
        const root = parseAlloy(configText);
        this.blocks = new Map(root.blocks.map((b) => [`${b.name}.${b.label}`, b]));
    }

    private block(id: string): Block {
        const b = this.blocks.get(id);
        assert.ok(b, `${id} is referenced but not declared`);
        return b;
    }

    /** k8sattributes on one resource (see the file's comment). */
    private k8sattributes(b: Block, resource: Attrs, remoteAddress: string): Attrs {
        const extract = find(b, "extract");
        const metadata = (extract.attrs.metadata as string[] | undefined) ?? [];
        for (const assoc of b.blocks.filter((x) => x.name === "pod_association")) {
            const ips = assoc.blocks
                .filter((s) => s.name === "source")
                .map((s) => (s.attrs.from === "connection" ? remoteAddress : s.attrs.from === "resource_attribute" ? resource[String(s.attrs.name)] : assert.fail(`source ${String(s.attrs.from)} not modelled`)));
            if (ips.length === 0 || ips.some((ip) => ip === undefined || ip !== ips[0])) continue;
            const pod = this.pods.find((p) => p.ip === ips[0]);
            if (!pod) continue;
            const found: Attrs = { "k8s.pod.ip": pod.ip };
            for (const key of metadata) {
                if (key === "k8s.namespace.name") found[key] = pod.namespace;
                else if (key === "k8s.pod.name") found[key] = pod.name;
                else if (key !== "k8s.container.name") assert.fail(`extract.metadata ${key} not modelled`);
            }
            for (const l of extract.blocks.filter((x) => x.name === "label")) {
                assert.equal(l.attrs.from, "pod", "pod labels only");
                const v = pod.labels[String(l.attrs.key)];
                if (v !== undefined) found[String(l.attrs.tag_name)] = v;
            }
            return { ...found, ...resource };
        }
        return resource;
    }

    /**
     * The samples one export becomes in Prometheus: the metrics signal followed from the receiver,
     * each component applied, until otelcol.exporter.prometheus, whose samples go to every
     * prometheus.remote_write endpoint it forwards to (recorded in remoteWriteUrls).
     */
    metricsOf(e: OtlpExport): Sample[] {
        const receivers = [...this.blocks.values()].filter((b) => b.name === "otelcol.receiver.otlp");
        assert.equal(receivers.length, 1, "one OTLP receiver");
        const out: Sample[] = [];
        const visit = (id: string, rms: OtlpResourceMetrics[], transform: (r: Attrs, d: Attrs) => Attrs) => {
            const b = this.block(id);
            const next = (ids: string[], r: OtlpResourceMetrics[], t = transform) => ids.forEach((n) => visit(n, r, t));
            const outputs = (): string[] => refsOf(find(b, "output").attrs.metrics);
            switch (b.name) {
                case "otelcol.receiver.otlp":
                case "otelcol.processor.memory_limiter":
                case "otelcol.processor.batch":
                    return next(outputs(), rms);
                case "otelcol.processor.k8sattributes":
                    return next(
                        outputs(),
                        rms.map((rm) => ({ ...rm, resource: { attributes: Object.entries(this.k8sattributes(b, attributeMap(rm.resource?.attributes), e.remoteAddress)).map(([key, v]) => ({ key, value: { stringValue: v } })) } })),
                    );
                case "otelcol.processor.transform": {
                    assert.equal(b.attrs.error_mode, "ignore");
                    const statements = (find(b, "statements").attrs.metric as string[] | undefined) ?? [];
                    for (const st of statements) assert.match(st, /^set\(datapoint\.attributes\[/, "metric statements that change the resource are not modelled");
                    // Data point statements run when the exporter reads the point (same result: they read only the resource and the point).
                    return next(outputs(), rms, (r, d) => evalOttl(statements, r, transform(r, d)).datapoint);
                }
                case "otelcol.exporter.prometheus": {
                    assert.deepEqual(Object.keys(b.attrs), ["forward_to"], "default arguments only (the model is of the defaults)");
                    const targets = refsOf(b.attrs.forward_to);
                    const samples = rms.flatMap((rm) => toPrometheus(rm, transform));
                    for (const t of targets) {
                        const rw = this.block(t);
                        assert.equal(rw.name, "prometheus.remote_write");
                        for (const ep of rw.blocks.filter((x) => x.name === "endpoint")) if (!this.remoteWriteUrls.includes(String(ep.attrs.url))) this.remoteWriteUrls.push(String(ep.attrs.url));
                    }
                    if (targets.length > 0) out.push(...samples);
                    return;
                }
                default:
                    return assert.fail(`${b.name} on the metrics path is not modelled`);
            }
        };
        visit(`${receivers[0]?.name}.${receivers[0]?.label}`, [...e.resourceMetrics], (_r, d) => d);
        return out;
    }
}
