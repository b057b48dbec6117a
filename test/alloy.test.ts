import { chartData, requireChartData } from "./support/chart-data";
import { renderTplLiteral } from "./support/helm-tpl";
import assert from "node:assert/strict";
import YAML from "yaml";
import { alloy as alloyEndpoints, urls } from "../components/endpoints";
import { charts } from "../components/charts";
import { APP_SOURCE_POD_LABELS, CORRELATION_LABELS, LOG_JOB_LABEL, LOG_LEVEL_LABEL, LOG_STREAM_LABELS } from "../components/labels";
import {
    alloyString,
    buildAlloyConfig,
    HIGH_CARDINALITY_LOG_FIELDS,
    type AlloyConfigInput,
    podLabelMeta,
} from "../components/k8s/collector/config";
import { buildAlloyValues } from "../components/k8s/collector/values";
import { Unavailable, helmTemplate, parseManifests } from "../tools/helm";
import { type Block, find, obj, parseAlloy, tenantOf } from "./support/alloy-syntax";

// No `alloy` binary is available on this machine (no Debian package, no internet beyond npm), so
// the configuration is checked by parsing it with the small Alloy-syntax parser in support/alloy-syntax.ts.

// ---- Prometheus relabel semantics for `replace` rules (the only action the builder uses) --------
function applyRelabel(target: Record<string, string>, rules: Block[]): Record<string, string> {
    const out = { ...target };
    for (const r of rules) {
        assert.equal(r.attrs.action ?? "replace", "replace");
        const sources = (r.attrs.source_labels as string[]) ?? [];
        const sep = (r.attrs.separator as string | undefined) ?? ";";
        const regex = new RegExp(`^(?:${(r.attrs.regex as string | undefined) ?? "(.*)"})$`);
        const replacement = (r.attrs.replacement as string | undefined) ?? "$1";
        const value = sources.map((s) => out[s] ?? "").join(sep);
        const m = regex.exec(value);
        if (!m) continue;
        const res = replacement.replace(/\$(\d+)/g, (_, g: string) => m[Number(g)] ?? "");
        const targetLabel = r.attrs.target_label as string;
        if (res === "") delete out[targetLabel];
        else out[targetLabel] = res;
    }
    return out;
}

/** A pod target as discovery.kubernetes (role pod) emits it. */
function podTarget(podLabels: Record<string, string>): Record<string, string> {
    const t: Record<string, string> = {
        __address__: "10.0.1.23",
        __meta_kubernetes_namespace: "shop",
        __meta_kubernetes_pod_name: "checkout-7d9f8-abcde",
        __meta_kubernetes_pod_container_name: "server",
        __meta_kubernetes_pod_uid: "0b7c-uid",
        __meta_kubernetes_pod_node_name: "ip-10-0-1-5",
        __meta_kubernetes_pod_label_pod_template_hash: "7d9f8",
    };
    for (const [k, v] of Object.entries(podLabels)) t[podLabelMeta(k)] = v;
    return t;
}

const input: AlloyConfigInput = { clusterName: "plg-dev", tenantId: "platform" };

/** The chart's default values.yaml (read when a test first needs it). */
const alloyDefaults = (): Record<string, unknown> => chartData<Record<string, unknown>>(`alloy-${charts.alloy.version}.values.yaml`, YAML.parse);

describe("Alloy configuration", () => {
    const text = buildAlloyConfig(input);
    const root = parseAlloy(text);
    const relabel = find(root, "discovery.relabel", "pods");
    const process = find(root, "loki.process", "pods");

    describe("escaper", () => {
        const nasty = ['plain', 'say "hi"', "back\\slash", "C:\\path\\", "line1\nline2", "cr\rtab\t", "bell\u0007nul\u0000del\u007f", "sep\u2028x", "ünïcödé 🚀", "${x} {{ y }} // not a comment", ""];
        for (const s of nasty) {
            it(`round-trips ${JSON.stringify(s)}`, () => {
                const lit = alloyString(s);
                assert.equal(JSON.parse(lit), s);
                assert.ok(!/[\u0000-\u001f\u007f]/.test(lit), "no raw control characters in the literal");
                assert.ok(lit.startsWith('"') && lit.endsWith('"'));
                const inner = lit.slice(1, -1);
                assert.ok(!/(^|[^\\])(\\\\)*"/.test(inner), "every inner quote is escaped");
            });
        }

        it("a hostile cluster name and tenant stay inside their string literals", () => {
            const hostile = { clusterName: 'dev"\n}\nloki.write "evil" {', tenantId: 'a\\"b' };
            const parsed = parseAlloy(buildAlloyConfig(hostile));
            assert.equal(obj(find(find(parsed, "loki.process", "pods"), "stage.static_labels").attrs.values).cluster, hostile.clusterName);
            assert.equal(find(find(parsed, "loki.write", "default"), "endpoint").attrs.tenant_id, hostile.tenantId);
            assert.equal(parsed.blocks.filter((b) => b.name === "loki.write").length, 1);
        });
    });

    it("has the pipeline blocks, wired in order", () => {
        assert.deepEqual(
            root.blocks.map((b) => `${b.name}.${b.label}`),
            ["discovery.kubernetes.pods", "discovery.relabel.pods", "loki.source.kubernetes.pods", "loki.process.pods", "loki.write.default"],
        );
        assert.deepEqual(relabel.attrs.targets, { ref: "discovery.kubernetes.pods.targets" });
        const source = find(root, "loki.source.kubernetes", "pods");
        assert.deepEqual(source.attrs.targets, { ref: "discovery.relabel.pods.output" });
        assert.deepEqual(source.attrs.forward_to, [{ ref: "loki.process.pods.receiver" }]);
        assert.deepEqual(process.attrs.forward_to, [{ ref: "loki.write.default.receiver" }]);
    });

    it("discovers only this node's pods, via the HOSTNAME the chart sets to spec.nodeName", () => {
        const disc = find(root, "discovery.kubernetes", "pods");
        assert.equal(disc.attrs.role, "pod");
        const sel = find(disc, "selectors");
        assert.equal(sel.attrs.role, "pod");
        assert.deepEqual(sel.attrs.field, { concat: ["spec.nodeName=", { call: "sys.env", args: ["HOSTNAME"] }] });
    });

    it("relabeling yields exactly the correlation labels plus job, with app from the preferred pod label", () => {
        const rules = relabel.blocks.filter((b) => b.name === "rule");
        const cases: [Record<string, string>, string | undefined][] = [
            [{ [APP_SOURCE_POD_LABELS[0]]: "checkout", [APP_SOURCE_POD_LABELS[1]]: "legacy" }, "checkout"],
            [{ [APP_SOURCE_POD_LABELS[1]]: "legacy" }, "legacy"],
            [{ [APP_SOURCE_POD_LABELS[0]]: "checkout" }, "checkout"],
            [{}, undefined],
        ];
        for (const [podLabels, app] of cases) {
            const out = applyRelabel(podTarget(podLabels), rules);
            const visible = Object.fromEntries(Object.entries(out).filter(([k]) => !k.startsWith("__")));
            const expected: Record<string, string> = { namespace: "shop", pod: "checkout-7d9f8-abcde", container: "server", [LOG_JOB_LABEL]: "shop/server" };
            if (app) expected.app = app;
            assert.deepEqual(visible, expected, JSON.stringify(podLabels));
            // loki.source.kubernetes needs these to find the container to tail.
            for (const k of ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_name", "__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_uid"])
                assert.ok(k in out, k);
        }
    });

    it("a JSON line ends up with exactly the stream labels: correlation labels + job + level", () => {
        const rules = relabel.blocks.filter((b) => b.name === "rule");
        const fromDiscovery = Object.keys(applyRelabel(podTarget({ [APP_SOURCE_POD_LABELS[0]]: "checkout" }), rules)).filter((k) => !k.startsWith("__"));
        const staticLabels = Object.keys(obj(find(process, "stage.static_labels").attrs.values));
        const extractedLabels = Object.keys(obj(find(process, "stage.labels").attrs.values));
        const all = new Set([...fromDiscovery, ...staticLabels, ...extractedLabels]);
        assert.equal(all.size, fromDiscovery.length + staticLabels.length + extractedLabels.length, "no label set twice");
        assert.deepEqual([...all].sort(), [...LOG_STREAM_LABELS].sort());
        assert.deepEqual([...all].sort(), [...CORRELATION_LABELS, LOG_JOB_LABEL, LOG_LEVEL_LABEL].sort());
        assert.deepEqual(obj(find(process, "stage.static_labels").attrs.values), { cluster: "plg-dev" });
    });

    it("high-cardinality fields go to structured metadata and never become labels", () => {
        const labels = Object.keys(obj(find(process, "stage.labels").attrs.values));
        assert.deepEqual(labels, [LOG_LEVEL_LABEL]);
        const metadata = Object.keys(obj(find(process, "stage.structured_metadata").attrs.values));
        for (const f of ["trace_id", "user_id", "request_id"]) {
            assert.ok(metadata.includes(f), f);
            assert.ok(!labels.includes(f), f);
            assert.ok(f in obj(find(process, "stage.json").attrs.expressions), `${f} extracted from JSON`);
        }
        assert.deepEqual(metadata, [...HIGH_CARDINALITY_LOG_FIELDS]);
        assert.throws(() => buildAlloyConfig({ ...input, structuredMetadataFields: ["namespace"] }), /clashes/);
        assert.throws(() => buildAlloyConfig({ ...input, structuredMetadataFields: ["user-id"] }), /identifier/);
    });

    it("the level label only takes known, lowercased levels", () => {
        const tmpl = find(process, "stage.template");
        assert.equal(tmpl.attrs.template, "{{ ToLower .Value }}");
        const regex = find(process, "stage.regex");
        assert.equal(regex.attrs.source, tmpl.attrs.source);
        const re = new RegExp((regex.attrs.expression as string).replace("(?P<", "(?<"));
        assert.equal(re.exec("ERROR".toLowerCase())?.groups?.[LOG_LEVEL_LABEL], "error");
        assert.equal(re.exec("warn")?.groups?.[LOG_LEVEL_LABEL], "warn");
        for (const junk of ["user 42 failed", "error2", "", "errors"]) assert.equal(re.exec(junk), null, junk);
    });

    it("pushes to the Loki gateway with the tenant, retrying with backoff", () => {
        const endpoint = find(find(root, "loki.write", "default"), "endpoint");
        assert.equal(endpoint.attrs.url, urls.lokiPush);
        assert.equal(endpoint.attrs.tenant_id, "platform");
        assert.equal(endpoint.attrs.retry_on_http_429, true);
        assert.equal(endpoint.attrs.max_backoff_retries, 20);
        assert.equal(endpoint.attrs.min_backoff_period, "500ms");
        assert.equal(endpoint.attrs.max_backoff_period, "5m");
        const custom = find(
            find(parseAlloy(buildAlloyConfig({ ...input, pushUrl: "http://x:3100/loki/api/v1/push", tenantId: "t2", retry: { maxRetries: 5, maxBackoff: "30s" } })), "loki.write", "default"),
            "endpoint",
        );
        assert.equal(custom.attrs.url, "http://x:3100/loki/api/v1/push");
        assert.equal(custom.attrs.tenant_id, "t2");
        assert.equal(custom.attrs.max_backoff_retries, 5);
        assert.equal(custom.attrs.max_backoff_period, "30s");
        assert.throws(() => buildAlloyConfig({ ...input, retry: { maxBackoff: "five minutes" } }), /maxBackoff/);
    });

    it("uses no experimental blocks (the chart runs Alloy at stability level generally-available)", function () {
        requireChartData(this);
        const write = find(root, "loki.write", "default");
        const names = (b: Block): string[] => b.blocks.flatMap((c) => [c.name, ...names(c)]);
        for (const experimental of ["wal", "queue_config"]) assert.ok(!names(write).includes(experimental), experimental);
        const chartDefaults = alloyDefaults() as { alloy: { stabilityLevel: string } };
        assert.equal(chartDefaults.alloy.stabilityLevel, "generally-available");
    });
});

describe("Alloy values (chart 1.11.1)", () => {
    const configText = buildAlloyConfig(input);
    const resources = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } };
    const configReloaderResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };
    const values = buildAlloyValues({ configText, resources, configReloaderResources });

    it("every key exists in the chart's values.yaml", function () {
        requireChartData(this);
        const defaults = alloyDefaults();
        const missing: string[] = [];
        const walk = (v: Record<string, unknown>, d: Record<string, unknown>, prefix: string) => {
            for (const [k, val] of Object.entries(v)) {
                const p = `${prefix}${k}`;
                if (!(k in d)) missing.push(p);
                else if (val && typeof val === "object" && !Array.isArray(val) && !p.endsWith(".resources"))
                    walk(val as Record<string, unknown>, (d[k] ?? {}) as Record<string, unknown>, `${p}.`);
            }
        };
        walk(values, defaults, "");
        assert.deepEqual(missing, []);
    });

    it("names, controller, RBAC and ServiceMonitor", () => {
        assert.equal(values.fullnameOverride, alloyEndpoints.fullname);
        assert.deepEqual(values.serviceAccount, { create: true, name: alloyEndpoints.serviceAccount });
        assert.equal((values.controller as { type: string }).type, "daemonset");
        assert.deepEqual(values.rbac, { create: true });
        assert.deepEqual(values.serviceMonitor, { enabled: true });
        assert.deepEqual(buildAlloyValues({ configText, resources, configReloaderResources, serviceMonitor: false }).serviceMonitor, { enabled: false });
    });

    it("sizes both containers of the pod, the config-reloader sidecar included (real helm template)", async function () {
        this.timeout(60_000);
        let text: string;
        try {
            text = await helmTemplate({ release: alloyEndpoints.release, chart: "alloy", namespace: alloyEndpoints.namespace, values, kubeVersion: "1.34" });
        } catch (e) {
            if (!(e instanceof Unavailable) || process.env.CI) throw e;
            this.skip();
        }
        const ds = parseManifests(text).find((o) => o.kind === "DaemonSet");
        const containers = ((ds?.spec as { template: { spec: { containers: { name: string; resources?: unknown }[] } } }).template.spec.containers);
        assert.deepEqual(
            containers.map((c) => [c.name, c.resources]),
            [
                ["alloy", resources],
                ["config-reloader", configReloaderResources],
            ],
        );
    });

    it("config content survives the chart's tpl: the stage.template action is escaped and renders back", () => {
        const content = (values.alloy as { configMap: { content: string } }).configMap.content;
        assert.ok(configText.includes("{{ ToLower .Value }}"), "fixture has a template action");
        // renderTplLiteral fails on any unescaped action.
        assert.equal(renderTplLiteral(content), configText);
    });
});

describe("Alloy configuration: each team's namespaces to its own Loki tenant", () => {
    const root = parseAlloy(buildAlloyConfig(input));
    const routes = [
        { tenant: "payments", namespaces: ["payments", "payments-jobs"] },
        { tenant: "search", namespaces: ["search"] },
    ];
    const routed = parseAlloy(buildAlloyConfig({ ...input, tenantRoutes: routes }));
    const stream = (namespace: string): Record<string, string> => ({ cluster: "plg-dev", namespace, pod: "p-1", container: "c", app: "a", job: `${namespace}/c` });

    it("a stream from each team namespace goes to that team's tenant", () => {
        for (const r of routes) for (const ns of r.namespaces) assert.equal(tenantOf(routed, stream(ns)), r.tenant, ns);
    });

    it("the platform's namespaces and namespaces no team owns stay in the platform tenant (matches are whole names)", () => {
        for (const ns of ["monitoring", "logging", "node-agents", "kube-system", "default", "shop", "payments-jobs-old", "xpayments", "search2", "pay"])
            assert.equal(tenantOf(routed, stream(ns)), "platform", ns);
        assert.equal(tenantOf(root, stream("payments")), "platform", "without routes everything is the platform's");
    });

    it("streams keep exactly the shared labels: the tenant is no label, the other stages are unchanged", () => {
        const proc = find(routed, "loki.process", "pods");
        const without = proc.blocks.filter((b) => b.name !== "stage.match");
        assert.deepEqual(without, find(root, "loki.process", "pods").blocks, "same stages as without routes, in the same order");
        assert.equal(proc.blocks.filter((b) => b.name === "stage.match").length, routes.length, "one match per team");
        assert.deepEqual(find(routed, "discovery.relabel", "pods"), find(root, "discovery.relabel", "pods"));
        assert.deepEqual(find(routed, "loki.write", "default"), find(root, "loki.write", "default"), "one writer, the platform tenant as default");
    });

    it("refuses routes that would be ambiguous or could not be sent", () => {
        const build = (r: typeof routes) => () => buildAlloyConfig({ ...input, tenantRoutes: r });
        assert.throws(build([routes[0] as (typeof routes)[number], { tenant: "search", namespaces: ["payments"] }]), /namespace payments goes to both payments and search/);
        assert.throws(build([{ tenant: "platform", namespaces: ["a"] }]), /default tenant/);
        assert.throws(build([{ tenant: "a", namespaces: ["x"] }, { tenant: "a", namespaces: ["y"] }]), /routed twice/);
        assert.throws(build([{ tenant: "a", namespaces: ["Not_A_Namespace"] }]), /not a namespace/);
        assert.throws(build([{ tenant: "a b", namespaces: ["x"] }]), /tenant id/);
        assert.throws(build([{ tenant: "a", namespaces: [] }]), /no namespaces/);
    });
});
