import assert from "node:assert/strict";
import YAML from "yaml";
import { datasourceUids, loki } from "../components/endpoints";
import { LOG_STREAM_LABELS } from "../components/labels";
import { KNOWN_LOG_LEVELS } from "../components/k8s/collector/config";
import {
    DASHBOARD_UIDS,
    type DashboardModel,
    ERROR_LOG_LEVELS,
    LOGS_OVERVIEW_DASHBOARD_UID,
    PLATFORM_HEALTH_DASHBOARD_UID,
} from "../components/k8s/dashboards/builders";
import { dashboardConfigMapName, dashboardFileName } from "../components/k8s/dashboards/index";
import {
    LOKI_BYTES_PER_MB,
    PLATFORM_METRICS,
    type PlatformDashboardsInput,
    buildPlatformDashboards,
    platformDashboardsInput,
} from "../components/k8s/dashboards/platform";
import { GRAFANA_DASHBOARD_SIDECAR } from "../components/k8s/metrics/values";
import type { K8sObject } from "../tools/helm";
import type { Workload } from "../tools/footprint";
import {
    type JsonDashboard,
    type JsonPanel,
    type Query,
    allPanels,
    asJson,
    dashboard,
    dsUid,
    matchers,
    metricNames,
    queriesOf,
    substituted,
    tenantIngestionShares,
} from "./support/dashboard-json";
import { logqlErrors, promqlSyntaxErrors } from "../components/k8s/teams/grammar";
import { streamSelectorLabels } from "./support/logql";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";
import { selects, templateLabels } from "./support/selectors";

/**
 * Every metric the platform dashboards read, checked by hand against the upstream source of the
 * version the pinned charts run (git tags of the upstream repositories, file where it is defined).
 * A new panel on a metric not listed here fails; so does a chart bump that changes a version
 * below (the rendered images are compared) until the names are checked again.
 */
const VERIFIED_METRICS: Readonly<Record<string, { component: Component; version: string; source: string }>> = {
    prometheus_tsdb_head_series: { component: "prometheus", version: "v3.14.0", source: "prometheus/prometheus tsdb/head.go" },
    prometheus_tsdb_head_samples_appended_total: { component: "prometheus", version: "v3.14.0", source: "prometheus/prometheus tsdb/head.go (label type)" },
    prometheus_rule_evaluation_failures_total: { component: "prometheus", version: "v3.14.0", source: "prometheus/prometheus rules/group.go (label rule_group)" },
    up: { component: "prometheus", version: "v3.14.0", source: "prometheus/prometheus scrape/scrape.go (synthetic, per target)" },
    loki_distributor_bytes_received_total: { component: "loki-distributor", version: "3.7.6", source: "grafana/loki pkg/loghttp/push/push.go (label tenant)" },
    loki_distributor_lines_received_total: { component: "loki-distributor", version: "3.7.6", source: "grafana/loki pkg/loghttp/push/push.go (label tenant)" },
    loki_request_duration_seconds_count: {
        component: "loki",
        version: "3.7.6",
        source: "grafana/loki vendor/github.com/grafana/dskit/server/metrics.go, namespace loki (labels route, status_code)",
    },
    loki_prometheus_rule_evaluations_total: { component: "loki-ruler", version: "3.7.6", source: "grafana/loki pkg/ruler/base/manager_metrics.go (label user)" },
    loki_prometheus_rule_evaluation_failures_total: { component: "loki-ruler", version: "3.7.6", source: "grafana/loki pkg/ruler/base/manager_metrics.go (label user)" },
    loki_write_sent_entries_total: { component: "alloy", version: "v1.18.1", source: "grafana/alloy internal/component/common/loki/client/metrics.go (labels host, tenant)" },
    loki_write_dropped_entries_total: {
        component: "alloy",
        version: "v1.18.1",
        source: "grafana/alloy internal/component/common/loki/client/metrics.go (labels host, tenant, reason)",
    },
    alertmanager_notifications_total: { component: "alertmanager", version: "v0.34.0", source: "prometheus/alertmanager notify/metrics.go (label integration)" },
    alertmanager_notifications_failed_total: {
        component: "alertmanager",
        version: "v0.34.0",
        source: "prometheus/alertmanager notify/metrics.go (labels integration, reason)",
    },
    thanos_compact_group_compactions_failures_total: { component: "thanos", version: "v0.42.4", source: "thanos-io/thanos pkg/compact/compact.go" },
    thanos_compact_halted: { component: "thanos", version: "v0.42.4", source: "thanos-io/thanos cmd/thanos/compact.go" },
    thanos_objstore_bucket_operation_failures_total: {
        component: "thanos",
        version: "v0.42.4",
        source: "thanos-io/objstore objstore.go @71d60dfee488 (Thanos v0.42.4's go.mod), registered with the thanos_ prefix in cmd/thanos/{compact,store}.go",
    },
    thanos_bucket_store_blocks_loaded: { component: "thanos", version: "v0.42.4", source: "thanos-io/thanos pkg/store/bucket.go" },
};
type Component = "prometheus" | "alertmanager" | "loki" | "loki-distributor" | "loki-ruler" | "alloy" | "thanos";

/** The image (repository name) each component runs, to compare its tag with the version checked. */
const IMAGE_OF: Readonly<Record<Component, RegExp>> = {
    prometheus: /\/prometheus\/prometheus:/,
    alertmanager: /\/prometheus\/alertmanager:/,
    loki: /\/grafana\/loki:/,
    "loki-distributor": /\/grafana\/loki:/,
    "loki-ruler": /\/grafana\/loki:/,
    alloy: /\/grafana\/alloy:/,
    thanos: /\/thanos\/thanos:/,
};

const BASE: PlatformDashboardsInput = { lokiTenant: "platform", ingestionRateMb: 8, longTermMetrics: false };
const WITH_THANOS: PlatformDashboardsInput = { lokiTenant: "ops-tenant", ingestionRateMb: 25, longTermMetrics: true };

const promqlOf = (d: JsonDashboard): Query[] => queriesOf(d).filter((q) => q.language === "promql");
const metricsOf = (d: JsonDashboard): Set<string> => new Set(promqlOf(d).flatMap((q) => [...metricNames(substituted(q, d))]));
const readMetrics = (ds: readonly DashboardModel[]): Set<string> => new Set(ds.map(asJson).flatMap((d) => [...metricsOf(d)]));

/** The platform tenant's ingestion panel: the one query on the Loki distributor's byte counter in it. */
function ingestionPanel(ds: readonly DashboardModel[]): { query: Query; panel: JsonPanel; d: JsonDashboard } {
    const d = dashboard([...ds], LOGS_OVERVIEW_DASHBOARD_UID);
    const qs = promqlOf(d).filter((q) => metricNames(substituted(q, d)).has(PLATFORM_METRICS.loki.bytesReceived) && q.panel?.title?.startsWith("Ingestion of tenant"));
    assert.equal(qs.length, 1, "expected one ingestion query in the platform tenant's panel");
    const query = qs[0] as Query;
    assert.ok(query.panel);
    return { query, panel: query.panel, d };
}

const thresholdSteps = (p: JsonPanel): (number | null)[] => p.fieldConfig?.defaults?.thresholds?.steps.map((s) => s.value) ?? [];

describe("platform dashboards (builders)", function () {
    const plain = buildPlatformDashboards(BASE);
    const thanos = buildPlatformDashboards(WITH_THANOS);
    const both = [...plain, ...thanos];

    it("have fixed, unique uids, the same whatever the settings", function () {
        for (const ds of [plain, thanos]) assert.deepEqual(ds.map((d) => d.uid), [PLATFORM_HEALTH_DASHBOARD_UID, LOGS_OVERVIEW_DASHBOARD_UID]);
        // Listed with the platform's other uids, which team dashboards may not take.
        const all = Object.values(DASHBOARD_UIDS) as string[];
        assert.ok(all.includes(PLATFORM_HEALTH_DASHBOARD_UID) && all.includes(LOGS_OVERVIEW_DASHBOARD_UID));
        assert.equal(new Set(all).size, all.length);
        for (const d of both) assert.deepEqual(JSON.parse(JSON.stringify(d)), d, `${d.uid} is not plain JSON`);
    });

    it("name every datasource by a uid Grafana is provisioned with", function () {
        const known = new Set<string>(Object.values(datasourceUids));
        for (const d of both.map(asJson)) {
            for (const p of allPanels(d).filter((x) => x.type !== "row")) assert.ok(known.has(dsUid(p.datasource, `${d.uid} / ${p.title}`)), `${d.uid} / ${p.title}`);
            for (const q of queriesOf(d)) assert.ok(known.has(q.uid), `${q.where}: datasource uid ${q.uid} is not provisioned`);
        }
        // The logs overview reads the platform's Loki datasource (uid loki), the health dashboard Prometheus only.
        const logs = dashboard(plain, LOGS_OVERVIEW_DASHBOARD_UID);
        assert.ok(queriesOf(logs).filter((q) => q.language === "logql").every((q) => q.uid === datasourceUids.loki));
        assert.ok(queriesOf(logs).some((q) => q.language === "logql" && q.panel));
        assert.deepEqual(new Set(queriesOf(dashboard(plain, PLATFORM_HEALTH_DASHBOARD_UID)).map((q) => q.uid)), new Set([datasourceUids.prometheus]));
    });

    it("every query (targets and variables) parses with the PromQL/LogQL grammars once its variables are substituted", function () {
        const counts = { promql: 0, logql: 0 };
        for (const d of both.map(asJson)) {
            for (const q of queriesOf(d)) {
                // Throws on a variable the dashboard does not define.
                const expr = substituted(q, d);
                counts[q.language]++;
                const errors = q.language === "promql" ? promqlSyntaxErrors(expr) : logqlErrors(expr);
                assert.deepEqual(errors, [], `${q.where}: ${expr}`);
            }
        }
        assert.ok(counts.promql >= 30 && counts.logql >= 6, `too few queries found: ${JSON.stringify(counts)}`);
    });

    it("log queries select only labels Loki streams carry, and count as errors only levels Alloy keeps", function () {
        const d = dashboard(plain, LOGS_OVERVIEW_DASHBOARD_UID);
        const logql = queriesOf(d).filter((q) => q.language === "logql");
        for (const q of logql) {
            const labels = streamSelectorLabels(substituted(q, d));
            assert.ok(labels.size > 0, `${q.where}: no stream selector`);
            for (const l of labels) assert.ok((LOG_STREAM_LABELS as readonly string[]).includes(l), `${q.where}: ${l} is not a stream label`);
        }
        const levelMatchers = logql.flatMap((q) => matchers("logql", substituted(q, d)).filter((m) => m.label === "level"));
        assert.equal(levelMatchers.length, 1, "one query (top error producers) filters on level");
        const re = new RegExp(`^(?:${(levelMatchers[0] as { value: string }).value})$`);
        for (const l of ERROR_LOG_LEVELS) assert.ok((KNOWN_LOG_LEVELS as readonly string[]).includes(l) && re.test(l));
        assert.ok(!re.test("info") && !re.test("warn"));
        // Volume by namespace and by level: the groupings the issue asks for.
        const grouped = logql.map((q) => q.expr);
        assert.ok(grouped.some((e) => /^sum by \(namespace\) \(bytes_over_time\(/.test(e)));
        assert.ok(grouped.some((e) => /^sum by \(level\) \(count_over_time\(/.test(e)));
    });

    it("read only metrics checked against the pinned upstream versions, every checked one in use", function () {
        const read = readMetrics(thanos);
        for (const n of read) assert.ok(n in VERIFIED_METRICS, `${n} is not in VERIFIED_METRICS: check it upstream at the pinned version first`);
        for (const n of Object.keys(VERIFIED_METRICS)) assert.ok(read.has(n), `${n} is listed as checked but no panel reads it`);
        // Every component's metrics have a panel: the list.
        for (const c of ["prometheus", "loki-distributor", "loki", "loki-ruler", "alloy", "alertmanager", "thanos"])
            assert.ok([...read].some((n) => VERIFIED_METRICS[n]?.component === c), `no panel on ${c}`);
    });

    it("show the Thanos row only with long-term metrics", function () {
        const isThanos = (n: string): boolean => VERIFIED_METRICS[n]?.component === "thanos";
        assert.ok(![...readMetrics(plain)].some(isThanos), "Thanos panels without Thanos would show no data");
        assert.ok([...readMetrics(thanos)].some(isThanos));
        const rows = (ds: DashboardModel[]): string[] =>
            allPanels(dashboard(ds, PLATFORM_HEALTH_DASHBOARD_UID))
                .filter((p) => p.type === "row")
                .map((p) => p.title ?? "");
        assert.deepEqual(rows(plain), ["Prometheus", "Loki", "Alloy", "Alertmanager"]);
        assert.deepEqual(rows(thanos), ["Prometheus", "Loki", "Alloy", "Alertmanager", "Thanos"]);
    });

    it("break series down by the labels the checked sources define (tenant, route, integration, rule_group...)", function () {
        const h = dashboard(thanos, PLATFORM_HEALTH_DASHBOARD_UID);
        const byMetric = (metric: string): string[][] =>
            promqlOf(h)
                .filter((q) => q.panel && metricNames(substituted(q, h)).has(metric))
                .map((q) => [...substituted(q, h).matchAll(/by \(([^)]*)\)/g)].map((m) => m[1] as string).join(";").split(/[;, ]+/).filter(Boolean));
        assert.deepEqual(byMetric("alertmanager_notifications_total"), [["integration"]]);
        assert.deepEqual(byMetric("alertmanager_notifications_failed_total"), [["integration"]]);
        assert.deepEqual(byMetric("loki_request_duration_seconds_count"), [["route"]]);
        assert.deepEqual(byMetric("prometheus_rule_evaluation_failures_total"), [["rule_group"]]);
        assert.deepEqual(byMetric("loki_prometheus_rule_evaluation_failures_total"), [["user"]]);
        assert.deepEqual(byMetric("loki_write_dropped_entries_total"), [["tenant", "reason"]]);
        assert.deepEqual(byMetric("up").sort(), [["job"], ["job"]]);
        // Loki request errors are the 5xx ones.
        const errors = promqlOf(h).find((q) => metricNames(substituted(q, h)).has("loki_request_duration_seconds_count")) as Query;
        assert.ok(matchers("promql", substituted(errors, h)).some((m) => m.label === "status_code" && m.op === "=~" && m.value === "5.."));
    });

    it("draw the tenant's ingestion limit from the settings, in bytes per second, on that tenant's ingestion", function () {
        for (const input of [BASE, WITH_THANOS]) {
            const { query, panel, d } = ingestionPanel(buildPlatformDashboards(input));
            assert.deepEqual(thresholdSteps(panel), [null, input.ingestionRateMb * LOKI_BYTES_PER_MB]);
            assert.notEqual(panel.fieldConfig?.defaults?.custom?.thresholdsStyle?.mode ?? "off", "off", "the limit is not drawn");
            const ms = matchers("promql", substituted(query, d));
            assert.deepEqual(ms, [{ label: "tenant", op: "=", value: input.lokiTenant }]);
        }
        assert.throws(
            () => buildPlatformDashboards({ ...BASE, ingestionRateMb: 0, lokiTenant: 'a"} or vector(1) #' }),
            (e: Error) => /ingestionRateMb/.test(e.message) && /lokiTenant/.test(e.message),
        );
        // Loki's ingestion_rate_mb is MiB (pkg/validation/limits.go bytesInMB = 1048576 at 3.7.6).
        assert.equal(LOKI_BYTES_PER_MB, 2 ** 20);
    });

    it("with teams: every tenant's ingestion as a share of its own limit, against one line at 100%", function () {
        assert.deepEqual(tenantIngestionShares(plain), undefined, "no teams, no per-tenant panel");
        const input: PlatformDashboardsInput = { ...BASE, teamTenants: [{ tenant: "payments", ingestionRateMb: 2 }, { tenant: "search", ingestionRateMb: 8 }] };
        const { panel, shares } = tenantIngestionShares(buildPlatformDashboards(input)) ?? assert.fail("no per-tenant panel");
        assert.deepEqual(shares, [
            { tenant: "platform", divisor: 8 * LOKI_BYTES_PER_MB },
            { tenant: "payments", divisor: 2 * LOKI_BYTES_PER_MB },
            { tenant: "search", divisor: 8 * LOKI_BYTES_PER_MB },
        ]);
        assert.equal(panel.fieldConfig?.defaults?.unit, "percentunit");
        assert.deepEqual(thresholdSteps(panel), [null, 1]);
        assert.notEqual(panel.fieldConfig?.defaults?.custom?.thresholdsStyle?.mode ?? "off", "off", "the 100% line is drawn");
        assert.throws(
            () => buildPlatformDashboards({ ...BASE, teamTenants: [{ tenant: 'x"}', ingestionRateMb: 0 }] }),
            (e: Error) => /teamTenants\[0\]\.tenant/.test(e.message) && /teamTenants\[0\]\.ingestionRateMb/.test(e.message),
        );
    });
});

// ---- every stack: the dashboards ship, their metrics are scraped, the limit is Loki's ------------

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** Loki's `app.kubernetes.io/component` values whose pods run the distributor or the ruler, in every deployment mode. */
const LOKI_TARGETS: Readonly<Record<"loki-distributor" | "loki-ruler", readonly string[]>> = {
    "loki-distributor": ["single-binary", "write", "distributor"],
    "loki-ruler": ["single-binary", "backend", "ruler"],
};

/** The workloads whose pods expose a component's metrics. */
function workloadsOf(stack: RenderedStack, c: Component): Workload[] {
    const ws = stack.workloads().filter((w) => w.kind !== "Job" && w.kind !== "Pod");
    const image = IMAGE_OF[c];
    const running = ws.filter((w) => w.containers.some((x) => x.role === "main" && image.test(x.image)) || (c === "prometheus" && w.kind === "Prometheus") || (c === "alertmanager" && w.kind === "Alertmanager"));
    if (c === "loki-distributor" || c === "loki-ruler") {
        return running.filter((w) => LOKI_TARGETS[c].includes(String(templateLabels(stack, w)["app.kubernetes.io/component"])));
    }
    return running;
}

/** The ServiceMonitors among `objects` that scrape pods of `w` through a Service port they name. */
function scrapedBy(stack: RenderedStack, w: Workload, objects: readonly K8sObject[] = stack.allObjects()): string[] {
    const labels = templateLabels(stack, w);
    const services = objects.filter((o) => o.kind === "Service" && o.metadata.namespace === w.namespace);
    const out: string[] = [];
    for (const sm of objects.filter((o) => o.kind === "ServiceMonitor")) {
        const spec = rec(sm.spec);
        const nsSel = rec(spec.namespaceSelector);
        const names = (nsSel.matchNames as string[] | undefined) ?? [sm.metadata.namespace ?? ""];
        if (nsSel.any !== true && !names.includes(w.namespace)) continue;
        const ports = list(spec.endpoints).map((e) => String(e.port));
        for (const svc of services) {
            const svcSpec = rec(svc.spec);
            if (!selects(rec(spec.selector), (svc.metadata.labels ?? {}) as Record<string, string>)) continue;
            if (!selects({ matchLabels: svcSpec.selector }, labels)) continue;
            const svcPorts = list(svcSpec.ports).map((p) => String(p.name));
            if (ports.some((p) => svcPorts.includes(p))) out.push(`${sm.metadata.name} via Service ${svc.metadata.name}`);
        }
    }
    return out;
}

/** The image tag of the component's main container (digest dropped). */
function tagsOf(w: Workload, c: Component): string[] {
    return w.containers.filter((x) => IMAGE_OF[c].test(x.image)).map((x) => (x.image.split("@")[0] as string).replace(/^.*:/, "").replace(/-distroless$/, ""));
}

const longTermOn = (s: RenderedStack): boolean => s.settings.metrics.longTerm.enabled;

for (const name of STACK_NAMES) {
    describe(`platform dashboards (${name})`, function () {
        let stack: RenderedStack;
        before(async function () {
            stack = await renderedStack(this, name);
        });

        it("ship as sidecar ConfigMaps in the Platform folder, holding what the builder makes from this stack's settings", function () {
            const expected = buildPlatformDashboards(platformDashboardsInput(stack.settings));
            for (const model of expected) {
                const cms = stack.graph.byType("kubernetes:core/v1:ConfigMap").filter((r) => rec(r.inputs.metadata).name === dashboardConfigMapName(model.uid));
                assert.equal(cms.length, 1, `${name}: no ConfigMap for ${model.uid}`);
                const meta = rec((cms[0] as { inputs: Rec }).inputs.metadata);
                assert.equal(rec(meta.labels)[GRAFANA_DASHBOARD_SIDECAR.label], GRAFANA_DASHBOARD_SIDECAR.labelValue);
                assert.equal(rec(meta.annotations)[GRAFANA_DASHBOARD_SIDECAR.folderAnnotation], "Platform");
                const data = rec((cms[0] as { inputs: Rec }).inputs.data);
                assert.deepEqual(JSON.parse(String(data[dashboardFileName(model.uid)])), JSON.parse(JSON.stringify(model)));
            }
        });

        it("read only metrics of components this stack runs and scrapes, at the versions they were checked against", function () {
            const models = buildPlatformDashboards(platformDashboardsInput(stack.settings));
            const components = new Set([...readMetrics(models)].map((n) => (VERIFIED_METRICS[n] as { component: Component }).component));
            assert.equal(components.has("thanos"), longTermOn(stack), "the Thanos row follows metrics.longTerm.enabled");
            for (const c of components) {
                const ws = workloadsOf(stack, c);
                assert.ok(ws.length > 0, `${name}: nothing runs ${c}`);
                for (const w of ws) {
                    assert.notDeepEqual(scrapedBy(stack, w), [], `${name}: no ServiceMonitor scrapes ${w.kind}/${w.name} (${c})`);
                    const versions = new Set(Object.values(VERIFIED_METRICS).filter((v) => v.component === c).map((v) => v.version));
                    for (const tag of tagsOf(w, c)) assert.ok(versions.has(tag), `${name}: ${w.kind}/${w.name} runs ${c} ${tag}, metric names were checked against ${[...versions].join(", ")}`);
                }
            }
        });

        it("the scrape check is not vacuous: without Alloy's ServiceMonitor, Alloy's pods are unscraped", function () {
            const alloyPods = workloadsOf(stack, "alloy").filter((w) => w.kind === "DaemonSet");
            assert.equal(alloyPods.length, 1);
            const w = alloyPods[0] as Workload;
            assert.notDeepEqual(scrapedBy(stack, w), []);
            const without = stack.allObjects().filter((o) => !(o.kind === "ServiceMonitor" && scrapedBy(stack, w, [o, ...stack.allObjects().filter((x) => x.kind === "Service")]).length > 0));
            assert.deepEqual(scrapedBy(stack, w, without), []);
        });

        it("draw each team tenant's share of the ingestion limit Loki really enforces for it (runtime overrides, else limits_config)", function () {
            const teams = stack.settings.alerting.teams.filter((t) => t.namespaces.length > 0);
            const found = tenantIngestionShares(buildPlatformDashboards(platformDashboardsInput(stack.settings)));
            if (teams.length === 0) return assert.equal(found, undefined);
            const config = lokiConfig(stack);
            const runtimeCm = stack.objects(loki.release).find((o: K8sObject) => o.kind === "ConfigMap" && o.metadata.name === `${loki.fullname}-runtime`);
            const overrides = rec(rec(YAML.parse(String(rec(runtimeCm?.data)["runtime-config.yaml"] ?? "{}"))).overrides);
            const enforced = (tenant: string): number => Number(rec(overrides[tenant]).ingestion_rate_mb ?? rec(config.limits_config).ingestion_rate_mb) * LOKI_BYTES_PER_MB;
            const shares = found?.shares ?? [];
            assert.deepEqual(shares.map((s) => s.tenant), [stack.settings.logs.tenantId, ...teams.map((t) => t.name)]);
            for (const s of shares) assert.equal(s.divisor, enforced(s.tenant), s.tenant);
        });

        it("draw the ingestion limit Loki really enforces for the platform tenant", function () {
            const { query, panel, d } = ingestionPanel(buildPlatformDashboards(platformDashboardsInput(stack.settings)));
            const config = lokiConfig(stack);
            const limits = rec(config.limits_config);
            assert.equal(limits.ingestion_rate_mb, stack.settings.logs.limits.ingestionRateMb);
            assert.deepEqual(thresholdSteps(panel), [null, Number(limits.ingestion_rate_mb) * LOKI_BYTES_PER_MB]);
            assert.ok(matchers("promql", substituted(query, d)).some((m) => m.label === "tenant" && m.value === stack.settings.logs.tenantId));
        });
    });
}

/** Loki's configuration as the chart renders it (the `config.yaml` the pods read). */
function lokiConfig(stack: RenderedStack): Rec {
    const o = stack.objects(loki.release).find((x: K8sObject) => (x.kind === "ConfigMap" || x.kind === "Secret") && x.metadata.name === loki.fullname);
    assert.ok(o, "the chart's Loki configuration object");
    const raw = String(rec(o.data)["config.yaml"]);
    return rec(YAML.parse(o.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw));
}
