/**
 * The OTLP gateway (a second Alloy release, a Deployment): its generated configuration parsed and
 * its pipeline followed, the shared labels it gives application metrics and logs (OTTL statements
 * evaluated), the ends it writes to checked against what the real charts render (the Prometheus
 * pods' DNS names, the Loki gateway's /otlp route and Loki's otlp_config), and the release itself
 * from real `helm template` on every stack: replicas, PDB and zone spread, ports, RBAC, Pod Security.
 *
 * No `alloy` binary here: component and argument names were read from the Alloy docs at v1.18.1
 * (the chart's appVersion; docs/sources/reference/components/otelcol/*.md), every one marked
 * "stage: general-availability"; the list below is that reading, not the builder's output.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { kps, loki, otlpGateway, urls } from "../components/endpoints";
import { charts } from "../components/charts";
import { buildOtlpGatewayConfig, buildOtlpGatewayValues, otlpTransformStatements } from "../components/k8s/collector/otlp";
import { LOG_REPLICA_CREDENTIAL_FILE } from "../components/k8s/collector/replica";
import type { K8sObject } from "../tools/helm";
import { chartData, requireChartData } from "./support/chart-data";
import { type Block, type Value, find, obj, parseAlloy } from "./support/alloy-syntax";
import { evalOttl } from "./support/otlp-gateway-model";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";
import * as path from "node:path";
import { parseSettings } from "../config";
import { readStackConfig } from "../tools/stack-config";
import { PROJECT, ROOT, runStack } from "./support/graph";
import { platformPods } from "../components/requests";
import { revealSecrets } from "../tools/mock-run";

/** GA in Alloy v1.18.1 (its docs' front matter), read by hand. */
const GA_COMPONENTS = new Set([
    "otelcol.receiver.otlp",
    "otelcol.processor.memory_limiter",
    "otelcol.processor.k8sattributes",
    "otelcol.processor.transform",
    "otelcol.processor.batch",
    "otelcol.processor.filter",
    "otelcol.connector.spanmetrics",
    "otelcol.exporter.prometheus",
    "otelcol.exporter.otlphttp",
    "prometheus.remote_write",
    // logs.replicateTo's credential: registered StabilityGenerallyAvailable at v1.18.1
    // (internal/component/otelcol/auth/basic/basic.go, auth/bearer/bearer.go, local/file/file.go).
    "otelcol.auth.basic",
    "otelcol.auth.bearer",
    "local.file",
]);

const input = { clusterName: "plg-dev", tenantId: "platform", prometheusReplicas: 2 };

/** Every `a.b.c.input` / `.receiver` reference in a value. */
function refs(v: Value | undefined): string[] {
    if (v === undefined) return [];
    if (Array.isArray(v)) return v.flatMap(refs);
    if (typeof v === "object" && "ref" in v) return [v.ref as string];
    if (typeof v === "object" && !("call" in v) && !("concat" in v)) return Object.values(v).flatMap((x) => refs(x as Value));
    return [];
}

/** Downstream edges per signal: component -> components it sends `signal` to (output blocks and forward_to). */
function edges(root: Block): Map<string, { signal: string; to: string }[]> {
    const out = new Map<string, { signal: string; to: string }[]>();
    for (const b of root.blocks) {
        const id = `${b.name}.${b.label}`;
        const list: { signal: string; to: string }[] = [];
        for (const o of b.blocks.filter((x) => x.name === "output")) {
            for (const [signal, v] of Object.entries(o.attrs)) for (const r of refs(v)) list.push({ signal, to: r.replace(/\.(input|receiver)$/, "") });
        }
        for (const r of refs(b.attrs.forward_to)) list.push({ signal: "metrics", to: r.replace(/\.(input|receiver)$/, "") });
        out.set(id, list);
    }
    return out;
}

/** The components a signal entering at `from` passes through, in order of discovery. */
function pipeline(root: Block, from: string, signal: string): string[] {
    const e = edges(root);
    const seen: string[] = [];
    const visit = (id: string, sig: string) => {
        if (seen.includes(id)) assert.fail(`cycle through ${id}`);
        seen.push(id);
        // A connector turns spans into metrics.
        const next = (e.get(id) ?? []).filter((x) => x.signal === sig || (id.startsWith("otelcol.connector.") && x.signal === "metrics"));
        for (const n of next) visit(n.to, id.startsWith("otelcol.connector.") ? "metrics" : sig);
    };
    visit(from, signal);
    return seen;
}

type Attrs = Record<string, string>;

// ---- OTTL conditions of otelcol.processor.filter, the forms the builder writes, evaluated ----------
const COMPARISON = /^resource\.attributes\["([^"]+)"\] (==|!=) ("(?:[^"\\]|\\.)*")$/;
/**
 * One condition: comparisons of a resource attribute with a string literal joined by `and` / `or`
 * (`and` binds tighter: OTTL LANGUAGE.md, Boolean Expressions). An absent attribute is nil, which
 * is "not equal" to any string (LANGUAGE.md, Comparison Rules): `==` false, `!=` true.
 */
function evalCondition(condition: string, resource: Attrs): boolean {
    return condition.split(" or ").some((conj) =>
        conj.split(" and ").every((cmp) => {
            const m = COMPARISON.exec(cmp);
            assert.ok(m, `condition form not understood: ${cmp}`);
            const equal = resource[m[1] as string] === (JSON.parse(m[3] as string) as string);
            return m[2] === "==" ? equal : !equal;
        }),
    );
}

/**
 * The tenants a log record with this resource is exported under: the logs signal followed from the
 * receiver through every branch; the transform's statements applied, each filter dropping the record
 * when one of its conditions holds (its log_conditions, resource context), each otlphttp exporter
 * reached recorded with its X-Scope-OrgID. One entry per copy delivered.
 */
function logTenants(root: Block, resource: Attrs): string[] {
    return logDeliveries(root, resource).map((d) => d.tenant);
}

/** As logTenants, with the URL each copy goes to. */
function logDeliveries(root: Block, resource: Attrs): { endpoint: string; tenant: string }[] {
    const e = edges(root);
    const byId = new Map(root.blocks.map((b) => [`${b.name}.${b.label}`, b]));
    const out: { endpoint: string; tenant: string }[] = [];
    const visit = (id: string, r: Attrs) => {
        const b = byId.get(id);
        assert.ok(b, `${id} is not declared`);
        if (b.name === "otelcol.exporter.otlphttp") {
            const client = find(b, "client");
            out.push({ endpoint: String(client.attrs.endpoint), tenant: String(obj(client.attrs.headers)["X-Scope-OrgID"]) });
            return;
        }
        let next = r;
        if (b.name === "otelcol.processor.transform") next = evalOttl(find(b, "statements").attrs.log as unknown as string[], r).resource;
        if (b.name === "otelcol.processor.filter") {
            assert.deepEqual(Object.keys(b.attrs), ["error_mode"], `${id}: only log_conditions drop`);
            for (const c of b.blocks.filter((x) => x.name === "log_conditions")) {
                assert.equal(c.attrs.context, "resource", `${id}: conditions on the resource`);
                if ((c.attrs.conditions as string[]).some((cond) => evalCondition(cond, r))) return;
            }
        }
        for (const n of (e.get(id) ?? []).filter((x) => x.signal === "logs")) visit(n.to, next);
    };
    visit("otelcol.receiver.otlp.apps", resource);
    return out;
}

/** A resource as an app's SDK and k8sattributes leave it. */
const appResource = (podLabels: Attrs): Attrs => ({
    "service.name": "checkout",
    "k8s.namespace.name": "shop",
    "k8s.pod.name": "checkout-7d9f8-abcde",
    "k8s.container.name": "server",
    "telemetry.sdk.language": "nodejs",
    ...Object.fromEntries(Object.entries(podLabels).map(([k, v]) => [`k8s.pod.label.${k}`, v])),
});

/** Two teams, one owning two namespaces: tenant ids are team names. */
const teamRoutes = [
    { tenant: "payments", namespaces: ["payments", "payments-jobs"] },
    { tenant: "search", namespaces: ["search"] },
];

describe("OTLP gateway configuration", () => {
    const root = parseAlloy(buildOtlpGatewayConfig(input));
    const routed = parseAlloy(buildOtlpGatewayConfig({ ...input, tenantRoutes: teamRoutes }));

    it("uses only components that are GA in Alloy v1.18.1, each referenced one declared", () => {
        for (const config of [root, routed]) {
            const declared = new Set(config.blocks.map((b) => `${b.name}.${b.label}`));
            for (const b of config.blocks) assert.ok(GA_COMPONENTS.has(b.name), `${b.name} is not on the GA list`);
            for (const [from, list] of edges(config)) for (const { to } of list) assert.ok(declared.has(to), `${from} -> ${to} is not declared`);
        }
    });

    it("listens on the OTLP ports on every interface", () => {
        const r = find(root, "otelcol.receiver.otlp", "apps");
        assert.equal(find(r, "grpc").attrs.endpoint, "0.0.0.0:4317");
        assert.equal(find(r, "http").attrs.endpoint, "0.0.0.0:4318");
    });

    it("metrics: memory limit, pod metadata, shared labels, batch, then remote write to every Prometheus replica", () => {
        assert.deepEqual(pipeline(root, "otelcol.receiver.otlp.apps", "metrics"), [
            "otelcol.receiver.otlp.apps",
            "otelcol.processor.memory_limiter.apps",
            "otelcol.processor.k8sattributes.apps",
            "otelcol.processor.transform.labels",
            "otelcol.processor.batch.apps",
            "otelcol.exporter.prometheus.apps",
            "prometheus.remote_write.prometheus",
        ]);
        const endpoints = find(root, "prometheus.remote_write", "prometheus").blocks.filter((b) => b.name === "endpoint");
        assert.equal(endpoints.length, 2, "one endpoint (one queue) per replica");
        assert.deepEqual(endpoints.map((e) => e.attrs.url), [0, 1].map((i) => `http://prometheus-kps-prometheus-${i}.prometheus-operated.monitoring.svc.cluster.local:9090/api/v1/write`));
        assert.equal(new Set(endpoints.map((e) => e.attrs.name)).size, 2, "distinct endpoint names (their metrics' label)");
    });

    it("logs: to Loki's OTLP route through the gateway, with the platform tenant", () => {
        assert.deepEqual(pipeline(root, "otelcol.receiver.otlp.apps", "logs").slice(-2), ["otelcol.processor.batch.apps", "otelcol.exporter.otlphttp.loki"]);
        const client = find(find(root, "otelcol.exporter.otlphttp", "loki"), "client");
        assert.equal(client.attrs.endpoint, "http://loki-gateway.logging.svc.cluster.local:80/otlp");
        assert.deepEqual(obj(client.attrs.headers), { "X-Scope-OrgID": "platform" });
    });

    it("logs per team: each team namespace's records reach only the team's tenant, all others only the platform's", () => {
        const withNamespace = (ns: string | undefined): Attrs => {
            const { "k8s.namespace.name": _, ...rest } = appResource({ "app.kubernetes.io/name": "checkout" });
            return ns === undefined ? rest : { ...rest, "k8s.namespace.name": ns };
        };
        const cases: [string | undefined, string][] = [
            ["payments", "payments"],
            ["payments-jobs", "payments"],
            ["search", "search"],
            ["monitoring", "platform"],
            ["kube-system", "platform"],
            ["shop", "platform"],
            ["payments-old", "platform"],
            ["searc", "platform"],
            [undefined, "platform"],
        ];
        // Exactly one copy each: none duplicated into two tenants, none lost.
        for (const [ns, tenant] of cases) assert.deepEqual(logTenants(routed, withNamespace(ns)), [tenant], `namespace ${ns}`);
        // Every tenant's exporter writes to the same Loki OTLP route, with its own header.
        const exporters = routed.blocks.filter((b) => b.name === "otelcol.exporter.otlphttp" && b.label !== "traces");
        assert.deepEqual(exporters.map((b) => obj(find(b, "client").attrs.headers)["X-Scope-OrgID"]).sort(), ["payments", "platform", "search"]);
        for (const b of exporters) assert.equal(find(b, "client").attrs.endpoint, urls.lokiOtlp);
        // Metrics and traces do not pass the filters.
        for (const signal of ["metrics", "traces"]) assert.ok(!pipeline(routed, "otelcol.receiver.otlp.apps", signal).some((c) => c.startsWith("otelcol.processor.filter.")), signal);
        // Without teams: one exporter, the platform's, every record there.
        assert.deepEqual(logTenants(root, withNamespace("payments")), ["platform"]);
        assert.ok(!root.blocks.some((b) => b.name === "otelcol.processor.filter"));
    });

    it("logs per team: refuses routes that would send a namespace twice or a team to the platform's tenant", () => {
        const build = (tenantRoutes: { tenant: string; namespaces: string[] }[]) => () => buildOtlpGatewayConfig({ ...input, tenantRoutes });
        assert.throws(build([...teamRoutes, { tenant: "billing", namespaces: ["search"] }]), /namespace search goes to both search and billing/);
        assert.throws(build([{ tenant: "platform", namespaces: ["x"] }]), /platform is the default tenant already/);
        assert.throws(build([...teamRoutes, { tenant: "search", namespaces: ["other"] }]), /tenant search is routed twice/);
        assert.throws(build([{ tenant: "a-b", namespaces: ["x"] }, { tenant: "a.b", namespaces: ["y"] }]), /tenants a-b and a\.b would share the component label tenant_a_b/);
        assert.throws(build([{ tenant: "payments", namespaces: ['pay" or true'] }]), /is not a namespace name/);
        assert.throws(build([{ tenant: "payments", namespaces: [] }]), /has no namespaces/);
    });

    it("traces without an endpoint: counted per service (spanmetrics, no histogram) and dropped", () => {
        const p = pipeline(root, "otelcol.receiver.otlp.apps", "traces");
        assert.ok(p.includes("otelcol.connector.spanmetrics.traces"));
        assert.equal(p.at(-1), "prometheus.remote_write.prometheus", "the span counts end up in Prometheus");
        const sm = find(root, "otelcol.connector.spanmetrics", "traces");
        assert.equal(find(sm, "histogram").attrs.disable, true);
        assert.deepEqual(sm.attrs.exclude_dimensions, ["span.name", "span.kind"]);
        assert.ok(!root.blocks.some((b) => b.name === "otelcol.exporter.otlphttp" && b.label === "traces"));
    });

    it("traces with otlp.tracesEndpoint: forwarded there, not counted", () => {
        const withTraces = parseAlloy(buildOtlpGatewayConfig({ ...input, tracesEndpoint: "http://tempo.tracing.svc:4318" }));
        assert.deepEqual(pipeline(withTraces, "otelcol.receiver.otlp.apps", "traces").slice(-2), ["otelcol.processor.batch.apps", "otelcol.exporter.otlphttp.traces"]);
        assert.equal(find(find(withTraces, "otelcol.exporter.otlphttp", "traces"), "client").attrs.endpoint, "http://tempo.tracing.svc:4318");
        assert.ok(!withTraces.blocks.some((b) => b.name === "otelcol.connector.spanmetrics"));
        assert.throws(() => buildOtlpGatewayConfig({ ...input, tracesEndpoint: "tempo:4317" }), /tracesEndpoint/);
    });

    it("traces without an endpoint: span counters expire when unseen, and carry the counting gateway pod's name", () => {
        const sm = find(root, "otelcol.connector.spanmetrics", "traces");
        // Default 0 keeps every series forever (Alloy v1.18.1 spanmetrics.go DefaultArguments).
        const expiration = String(sm.attrs.metrics_expiration);
        const m = /^(\d+)m$/.exec(expiration);
        assert.ok(m && Number(m[1]) > 0 && Number(m[1]) <= 60, `metrics_expiration ${expiration}`);
        const p = pipeline(root, "otelcol.connector.spanmetrics.traces", "metrics");
        assert.deepEqual(p.slice(0, 3), ["otelcol.connector.spanmetrics.traces", "otelcol.processor.transform.spanmetrics", "otelcol.processor.transform.labels"]);
        // The statement is built at run time from the pod's environment: evaluate the concatenation, then the OTTL.
        const [statement] = find(find(root, "otelcol.processor.transform", "spanmetrics"), "statements").attrs.metric as unknown as Value[];
        const env: Record<string, string> = { POD_NAME: "plg-otlp-alloy-5c9d7-xk2p4", HOSTNAME: "ip-10-0-1-7.ec2.internal" };
        const evaluate = (v: Value | undefined): string => {
            if (typeof v === "string") return v;
            if (v && typeof v === "object" && !Array.isArray(v)) {
                if ("concat" in v && Array.isArray(v.concat)) return v.concat.map(evaluate).join("");
                if ("call" in v && v.call === "sys.env" && Array.isArray(v.args)) return env[String(v.args[0])] ?? "";
            }
            return assert.fail(`not understood: ${JSON.stringify(v)}`);
        };
        const { datapoint } = evalOttl([evaluate(statement)], { "service.name": "checkout" });
        assert.deepEqual(datapoint, { otlp_gateway_pod: "plg-otlp-alloy-5c9d7-xk2p4" }, "the pod's name, not the node's");
        // Application metrics do not get it (a sender's series must not split when it reconnects to the other pod).
        assert.ok(!pipeline(root, "otelcol.receiver.otlp.apps", "metrics").includes("otelcol.processor.transform.spanmetrics"));
    });

    it("logs with logs.replicateTo: every record reaches the local tenant and the second region's /otlp, under the tenant the node pipeline uses there", () => {
        const replica = { url: "https://logs.eu-central-1.example.com/dr/loki/api/v1/push", tenantId: "platform-dr", auth: { kind: "basic", username: "plg-replica" } } as const;
        const config = parseAlloy(buildOtlpGatewayConfig({ ...input, tenantRoutes: teamRoutes, replica }));
        const record = (ns: string): Attrs => ({ ...appResource({}), "k8s.namespace.name": ns });
        const remote = "https://logs.eu-central-1.example.com/dr/otlp";
        const sorted = (d: { endpoint: string; tenant: string }[]) => [...d].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
        // Team records keep their team's tenant in both regions (the node Alloy's stage.tenant does the same); others go to replicateTo.tenantId there.
        assert.deepEqual(sorted(logDeliveries(config, record("payments-jobs"))), [{ endpoint: urls.lokiOtlp, tenant: "payments" }, { endpoint: remote, tenant: "payments" }]);
        assert.deepEqual(sorted(logDeliveries(config, record("shop"))), [{ endpoint: urls.lokiOtlp, tenant: "platform" }, { endpoint: remote, tenant: "platform-dr" }]);
        const { "k8s.namespace.name": _, ...noNamespace } = record("x");
        assert.deepEqual(sorted(logDeliveries(config, noNamespace)), [{ endpoint: urls.lokiOtlp, tenant: "platform" }, { endpoint: remote, tenant: "platform-dr" }]);
        // Without teams too.
        const single = parseAlloy(buildOtlpGatewayConfig({ ...input, replica }));
        assert.deepEqual(sorted(logDeliveries(single, record("shop"))), [{ endpoint: urls.lokiOtlp, tenant: "platform" }, { endpoint: remote, tenant: "platform-dr" }]);
        // Every replica exporter authenticates with the basic handler, the password read from the mounted file.
        for (const c of [config, single]) {
            const declared = new Set(c.blocks.map((b) => `${b.name}.${b.label}`));
            for (const b of c.blocks) assert.ok(GA_COMPONENTS.has(b.name), `${b.name} is not on the GA list`);
            for (const [from, list] of edges(c)) for (const { to } of list) assert.ok(declared.has(to), `${from} -> ${to} is not declared`);
            const remoteExporters = c.blocks.filter((b) => b.name === "otelcol.exporter.otlphttp" && find(b, "client").attrs.endpoint === remote);
            assert.ok(remoteExporters.length > 0);
            for (const b of remoteExporters) assert.deepEqual(find(b, "client").attrs.auth, { ref: "otelcol.auth.basic.replica.handler" });
            const auth = find(find(c, "otelcol.auth.basic", "replica"), "client_auth");
            assert.deepEqual(auth.attrs, { username: "plg-replica", password_file: LOG_REPLICA_CREDENTIAL_FILE });
        }
        // Bearer: the token read from the same file by local.file (a secret value), handed to otelcol.auth.bearer.
        const bearer = parseAlloy(buildOtlpGatewayConfig({ ...input, replica: { ...replica, auth: { kind: "bearer" } } }));
        const file = bearer.blocks.find((b) => b.name === "local.file");
        assert.ok(file);
        assert.deepEqual(file.attrs, { filename: LOG_REPLICA_CREDENTIAL_FILE, is_secret: true });
        assert.deepEqual(find(bearer, "otelcol.auth.bearer", "replica").attrs.token, { ref: `local.file.${file.label}.content` });
        assert.ok(!bearer.blocks.some((b) => b.name === "otelcol.auth.basic"));
        for (const b of bearer.blocks.filter((x) => x.name === "otelcol.exporter.otlphttp" && find(x, "client").attrs.endpoint === "https://logs.eu-central-1.example.com/dr/otlp")) {
            assert.deepEqual(find(b, "client").attrs.auth, { ref: "otelcol.auth.bearer.replica.handler" });
        }
        // Only a push URL says where the OTLP route is.
        assert.throws(() => buildOtlpGatewayConfig({ ...input, replica: { ...replica, url: "https://logs.example.com/api/prom/push" } }), /logs\.replicateTo\.url: expected an https push URL ending in \/loki\/api\/v1\/push/);
    });

    it("the pod is found by the connection's address (apps send directly), and its app labels are read", () => {
        const k = find(root, "otelcol.processor.k8sattributes", "apps");
        const sources = k.blocks.filter((b) => b.name === "pod_association").map((a) => find(a, "source").attrs.from);
        assert.ok(sources.includes("connection"));
        assert.deepEqual(find(k, "extract").blocks.map((l) => l.attrs.key), ["app.kubernetes.io/name", "app"]);
    });

    it("metrics carry namespace, pod, container and service: the labels the operator gives scraped series", () => {
        const statements = find(find(root, "otelcol.processor.transform", "labels"), "statements").attrs.metric as unknown as string[];
        assert.deepEqual(statements, otlpTransformStatements("plg-dev").metric);
        const { datapoint } = evalOttl(statements, appResource({}));
        assert.deepEqual(datapoint, { namespace: "shop", pod: "checkout-7d9f8-abcde", container: "server", service: "checkout" });
        // An SDK that does not say its container: no empty label.
        const { "k8s.container.name": _, ...noContainer } = appResource({});
        assert.ok(!("container" in evalOttl(statements, noContainer).datapoint));
    });

    it("logs carry cluster, namespace, pod, container and app (app.kubernetes.io/name first), the node streams' labels", () => {
        const statements = find(find(root, "otelcol.processor.transform", "labels"), "statements").attrs.log as unknown as string[];
        const labels = (podLabels: Attrs) => {
            const r = evalOttl(statements, appResource(podLabels)).resource;
            assert.ok(!Object.keys(r).some((k) => k.startsWith("k8s.pod.label.")), "temporary pod-label attributes removed");
            return Object.fromEntries(["cluster", "namespace", "pod", "container", "app"].map((k) => [k, r[k]]));
        };
        const base = { cluster: "plg-dev", namespace: "shop", pod: "checkout-7d9f8-abcde", container: "server" };
        assert.deepEqual(labels({ "app.kubernetes.io/name": "checkout", app: "legacy" }), { ...base, app: "checkout" });
        assert.deepEqual(labels({ app: "legacy" }), { ...base, app: "legacy" });
        assert.deepEqual(labels({}), { ...base, app: undefined });
    });

    it("escapes hostile values inside their literals", () => {
        const hostile = parseAlloy(buildOtlpGatewayConfig({ ...input, tenantId: 'a"\n}' }));
        assert.deepEqual(obj(find(find(hostile, "otelcol.exporter.otlphttp", "loki"), "client").attrs.headers), { "X-Scope-OrgID": 'a"\n}' });
    });
});

describe("OTLP gateway values (chart 1.11.1)", () => {
    const res = { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "256Mi" } };
    const values = buildOtlpGatewayValues({ configText: "// x\n", replicas: 2, resources: res, configReloaderResources: res });

    it("every key exists in the chart's values.yaml", function () {
        requireChartData(this);
        const defaults = chartData<Record<string, unknown>>(`alloy-${charts.alloy.version}.values.yaml`, YAML.parse);
        const missing: string[] = [];
        const walk = (v: Record<string, unknown>, d: Record<string, unknown>, prefix: string) => {
            for (const [k, val] of Object.entries(v)) {
                const p = `${prefix}${k}`;
                if (!(k in d)) missing.push(p);
                else if (val && typeof val === "object" && !Array.isArray(val) && !p.endsWith("resources") && !p.endsWith("podSecurityContext") && !p.endsWith("securityContext"))
                    walk(val as Record<string, unknown>, (d[k] ?? {}) as Record<string, unknown>, `${p}.`);
            }
        };
        walk(values, defaults, "");
        assert.deepEqual(missing, []);
    });

    it("one replica gets neither a PDB (it would block drains) nor a spread", () => {
        const one = buildOtlpGatewayValues({ configText: "", replicas: 1, resources: res, configReloaderResources: res }).controller as Record<string, unknown>;
        assert.deepEqual(one.podDisruptionBudget, { enabled: false });
        assert.deepEqual(one.topologySpreadConstraints, []);
    });
});

/** The objects of the gateway release on a stack. */
const gateway = (stack: RenderedStack): readonly K8sObject[] => stack.objects(otlpGateway.release);
type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});

for (const name of STACK_NAMES) {
    describe(`OTLP gateway as rendered (${name})`, function () {
        let stack: RenderedStack;
        before(async function () {
            stack = await renderedStack(this, name);
        });

        it("is on in every stack, in the monitoring namespace, sized as configured", () => {
            assert.equal(stack.settings.otlp.enabled, true);
            const release = stack.releases.find((r) => r.release === otlpGateway.release);
            assert.equal(release?.namespace, kps.namespace);
            const dep = stack.find(otlpGateway.release, "Deployment", otlpGateway.fullname);
            const spec = rec(dep.spec);
            assert.equal(spec.replicas, stack.settings.environment === "prod" ? 2 : 1);
            const alloyC = (rec(rec(spec.template).spec).containers as Rec[]).find((c) => c.name === "alloy") as Rec;
            assert.deepEqual(rec(alloyC.resources).requests, { cpu: stack.settings.otlp.resources.cpu, memory: stack.settings.otlp.resources.memory });
            assert.ok((alloyC.args as string[]).includes("--stability.level=generally-available"));
        });

        it("the alloy container knows its pod's name (downward API), the variable the span metrics read", () => {
            const spec = rec(rec(rec(stack.find(otlpGateway.release, "Deployment", otlpGateway.fullname).spec).template).spec);
            const alloyC = (spec.containers as Rec[]).find((c) => c.name === "alloy") as Rec;
            const env = alloyC.env as Rec[];
            const config = parseAlloy(otlpConfigText(stack));
            const calls = JSON.stringify(find(find(config, "otelcol.processor.transform", "spanmetrics"), "statements").attrs.metric);
            const read = /"call":"sys\.env","args":\["([^"]+)"\]/.exec(calls)?.[1];
            assert.ok(read, calls);
            const entry = env.find((e) => e.name === read);
            assert.deepEqual(entry?.valueFrom, { fieldRef: { fieldPath: "metadata.name" } }, `${read} is the pod's name`);
            // HOSTNAME is the node's name (chart 1.11.1): two pods on one node would share it.
            assert.deepEqual(rec(env.find((e) => e.name === "HOSTNAME")?.valueFrom).fieldRef, { fieldPath: "spec.nodeName" });
            assert.equal(env.filter((e) => e.name === read).length, 1);
        });

        it("prod: a PDB letting one pod go at a time, and the pods spread over zones", () => {
            const pdbs = gateway(stack).filter((o) => o.kind === "PodDisruptionBudget");
            const spec = rec(rec(stack.find(otlpGateway.release, "Deployment", otlpGateway.fullname).spec).template);
            const spread = (rec(spec.spec).topologySpreadConstraints as Rec[] | undefined) ?? [];
            if (stack.settings.otlp.replicas < 2) {
                assert.equal(pdbs.length, 0);
                return;
            }
            assert.equal(pdbs.length, 1);
            assert.equal(rec(pdbs[0]?.spec).maxUnavailable, 1);
            const podLabels = rec(rec(spec.metadata).labels);
            assert.equal(spread.length, 1);
            assert.equal(spread[0]?.topologyKey, "topology.kubernetes.io/zone");
            for (const [k, v] of Object.entries(rec(rec(spread[0]?.labelSelector).matchLabels))) assert.equal(podLabels[k], v, "the spread selects the gateway's pods");
            for (const [k, v] of Object.entries(rec(rec(pdbs[0]?.spec).selector).matchLabels as Rec)) assert.equal(podLabels[k], v);
        });

        it("its Service takes OTLP gRPC and HTTP to the container ports, at the URLs apps are told", () => {
            const svc = stack.find(otlpGateway.release, "Service", otlpGateway.fullname);
            const ports = (rec(svc.spec).ports as Rec[]).map((p) => [p.port, p.targetPort]);
            assert.ok(ports.some(([p, t]) => p === 4317 && t === 4317));
            assert.ok(ports.some(([p, t]) => p === 4318 && t === 4318));
            assert.equal(urls.otlpGrpc, `http://${svc.metadata.name}.${kps.namespace}.svc.cluster.local:4317`);
            assert.equal(urls.otlpHttp, `http://${svc.metadata.name}.${kps.namespace}.svc.cluster.local:4318`);
        });

        it("may read pods, namespaces and replica sets, and nothing else (no Secrets)", () => {
            const role = stack.find(otlpGateway.release, "ClusterRole", otlpGateway.fullname);
            const rules = (role as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
            const granted = rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups.join(",")}/${res}:${[...r.verbs].sort().join(",")}`)).sort();
            assert.deepEqual(granted, ["/namespaces:get,list,watch", "/pods:get,list,watch", "apps/replicasets:get,list,watch"]);
        });

        it("remote-writes to the pods the operator really names, and Prometheus accepts remote write", () => {
            const prom = stack.find(kps.release, "Prometheus", kps.prometheus.service);
            const spec = rec(prom.spec);
            assert.equal(spec.enableRemoteWriteReceiver, true);
            const config = parseAlloy(otlpConfigText(stack));
            const urlsWritten = find(config, "prometheus.remote_write", "prometheus").blocks.map((b) => b.attrs.url);
            // The operator's StatefulSet is prometheus-<CR name>, its governing Service prometheus-operated.
            const expected = Array.from({ length: Number(spec.replicas) }, (_, i) => `http://prometheus-${prom.metadata.name}-${i}.prometheus-operated.${prom.metadata.namespace}.svc.cluster.local:9090/api/v1/write`);
            assert.deepEqual(urlsWritten, expected);
        });

        it("sends logs to a route the Loki gateway serves, and Loki indexes exactly the labels the gateway sets", () => {
            const gatewayConfig = stack.objects(loki.release).filter((o) => o.kind === "ConfigMap" && o.metadata.name === loki.gateway.service);
            const nginx = Object.values(rec((gatewayConfig[0] as unknown as { data: Rec }).data)).join("\n");
            assert.ok(nginx.includes("location = /otlp/v1/logs"), "the gateway routes /otlp/v1/logs");
            const lokiConfigMap = stack.objects(loki.release).find((o) => o.kind === "ConfigMap" && o.metadata.name === loki.fullname) as unknown as { data: Rec };
            const lokiConfig = YAML.parse(String(lokiConfigMap.data["config.yaml"])) as { limits_config: { otlp_config: { resource_attributes: { ignore_defaults: boolean; attributes_config: { action: string; attributes: string[] }[] } } } };
            const ra = lokiConfig.limits_config.otlp_config.resource_attributes;
            assert.equal(ra.ignore_defaults, true);
            const indexed = ra.attributes_config.filter((a) => a.action === "index_label").flatMap((a) => a.attributes);
            const config = parseAlloy(otlpConfigText(stack));
            const statements = find(find(config, "otelcol.processor.transform", "labels"), "statements").attrs.log as unknown as string[];
            const set = Object.keys(evalOttl(statements, appResource({ "app.kubernetes.io/name": "checkout" })).resource).filter((k) => !k.includes("."));
            assert.deepEqual([...indexed].sort(), [...set].sort());
            assert.equal(obj(find(find(config, "otelcol.exporter.otlphttp", "loki"), "client").attrs.headers)["X-Scope-OrgID"], stack.settings.logs.tenantId);
        });

        it("routes each team's OTLP logs to the team's tenant (named after it), the platform's namespaces to logs.tenantId", () => {
            const config = parseAlloy(otlpConfigText(stack));
            const teams = stack.settings.alerting.teams.filter((t) => t.namespaces.length > 0);
            const record = (ns: string): Attrs => ({ ...appResource({}), "k8s.namespace.name": ns });
            // dev and prod show an example team; a stack without teams has one tenant and no filter.
            if (["dev", "prod"].includes(name)) assert.ok(teams.length > 0, "the stack file shows an example team");
            else if (teams.length === 0) assert.ok(!config.blocks.some((b) => b.name === "otelcol.processor.filter"));
            for (const t of teams) for (const ns of t.namespaces) assert.deepEqual(logTenants(config, record(ns)), [t.name], `${t.name}: ${ns}`);
            for (const ns of [kps.namespace, loki.namespace, "kube-system"]) assert.deepEqual(logTenants(config, record(ns)), [stack.settings.logs.tenantId], ns);
        });

        it("the mock graph: the release waits for the monitoring CRDs (its ServiceMonitor)", () => {
            const release = stack.graph.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === otlpGateway.release);
            assert.ok(release);
            assert.ok((release.options.dependsOn ?? []).some((d: string) => d.endsWith("-crds")), JSON.stringify(release.options.dependsOn));
        });
    });
}

/** The gateway's Alloy configuration as the rendered ConfigMap holds it. */
function otlpConfigText(stack: RenderedStack): string {
    const cm = stack.find(otlpGateway.release, "ConfigMap", otlpGateway.fullname) as unknown as { data: Rec };
    return String(cm.data["config.alloy"]);
}

describe("OTLP gateway off (otlp.enabled: false)", function () {
    this.timeout(120_000);

    it("no release, no policy letting OTLP in or the gateway out, no remote-write receiver, nothing counted", async () => {
        const g = await runStack("prod", { settings: { otlp: { enabled: false } } });
        const releases = g.byType("kubernetes:helm.sh/v3:Release").map((r) => r.inputs.name);
        assert.ok(!releases.includes(otlpGateway.release), releases.join(", "));
        const policies = g.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => JSON.stringify(revealSecrets(r.inputs)));
        assert.ok(!policies.some((p) => p.includes(otlpGateway.release)));
        const prometheusSpec = rec(rec(g.releaseValues(kps.release).prometheus).prometheusSpec);
        assert.equal(prometheusSpec.enableRemoteWriteReceiver, undefined);
        const parsed = parseSettings({ ...readStackConfig(ROOT, path.join(ROOT, "Pulumi.prod.yaml")).config, [`${PROJECT}:otlp`]: JSON.stringify({ enabled: false }) });
        assert.ok(parsed.ok);
        assert.ok(!platformPods(parsed.settings).some((p) => p.name.startsWith(otlpGateway.release)));
        assert.ok(platformPods({ ...parsed.settings, otlp: { ...parsed.settings.otlp, enabled: true } }).some((p) => p.name.startsWith(otlpGateway.release)));
    });
});
