import { RULES_INPUT } from "./support/fixtures";
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { datasourceUids } from "../components/endpoints";
import { CORRELATION_LABELS, LOG_STREAM_LABELS } from "../components/labels";
import { KNOWN_LOG_LEVELS } from "../components/k8s/collector/config";
import {
    type DashboardModel,
    type DashboardsInput,
    ERROR_LOG_LEVELS,
    buildDashboards,
} from "../components/k8s/dashboards/builders";
import { Dashboards } from "../components/k8s/dashboards/index";
import {
    DEFAULT_LATENCY_HISTOGRAM,
    DEFAULT_REQUESTS_METRIC,
    RED_DASHBOARD_UID,
    buildPrometheusRules,
    sloErrorRatioRecord,
    type Rule,
} from "../components/k8s/metrics/rules";
import { GRAFANA_DASHBOARD_SIDECAR } from "../components/k8s/metrics/values";
import { runUnderMocks } from "../tools/mock-run";
import { grafanaVariableRefs, substituteGrafanaVariables } from "../components/k8s/teams/grafana-vars";
import { logqlErrors, promqlSyntaxErrors } from "../components/k8s/teams/grammar";
import { streamSelectorLabels } from "./support/logql";
import {
    type Matcher,
    type Query,
    allPanels,
    asJson,
    dashboard,
    dsUid,
    groupings,
    matchers,
    metricNames,
    queriesOf,
    substituted,
    variableNames,
} from "./support/dashboard-json";

const WORKLOAD_UID = "plg-workload";

const DEFAULTS: DashboardsInput = {
    httpStatusLabel: "http_status",
    errorRateThreshold: 0.05,
    availabilityObjective: 0.999,
    latencyP95ThresholdSeconds: 0.5,
};
/** Different values everywhere, to show the dashboards follow the settings. */
const TUNED: DashboardsInput = {
    httpStatusLabel: "code",
    errorRateThreshold: 0.2,
    availabilityObjective: 0.99,
    latencyP95ThresholdSeconds: 2,
    groupBy: ["namespace", "job", "cluster", "route"],
};

/** Rules as a stack with a Grafana hostname builds them: every alert carries a dashboard link. */
const RULES_DEFAULTS = { ...RULES_INPUT, dashboardBaseUrl: "https://grafana.example.com" };

// ---- tests ------------------------------------------------------------------------------------------

describe("dashboards (builders)", function () {
    const defaults = buildDashboards(DEFAULTS);
    const tuned = buildDashboards(TUNED);

    it("have the fixed uids the alert links use, unique, whatever the settings", function () {
        for (const ds of [defaults, tuned]) {
            const uids = ds.map((d) => d.uid);
            assert.deepEqual([...uids].sort(), [RED_DASHBOARD_UID, WORKLOAD_UID].sort());
            assert.equal(new Set(uids).size, uids.length);
        }
    });

    it("are plain JSON (what the ConfigMap stores is what Grafana reads)", function () {
        for (const d of [...defaults, ...tuned]) assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
    });

    it("refer to datasources by uid only, each one Grafana is provisioned with", function () {
        const known = new Set<string>(Object.values(datasourceUids));
        for (const d of [...defaults, ...tuned].map(asJson)) {
            for (const p of allPanels(d)) {
                if (p.type === "row") continue;
                assert.ok(known.has(dsUid(p.datasource, `${d.uid} / ${p.title}`)), `${d.uid} / ${p.title}: unknown datasource uid`);
            }
            const qs = queriesOf(d);
            assert.ok(qs.length > 0);
            for (const q of qs) assert.ok(known.has(q.uid), `${q.where}: datasource uid ${q.uid} is not provisioned`);
        }
    });

    it("the parse checks are not vacuous: a broken query and an unsubstituted variable are reported", function () {
        assert.notDeepEqual(promqlSyntaxErrors("sum(rate(x[5m])"), []);
        assert.notDeepEqual(promqlSyntaxErrors("rate(x[$__rate_interval])"), []);
        assert.notDeepEqual(logqlErrors('count_over_time({a="b"}[$__interval])'), []);
        assert.throws(() => substituteGrafanaVariables('x{a="$undefined_var"}', {}), /unknown Grafana variable/);
    });

    it("every PromQL and LogQL query (targets, variables, Explore links) parses once Grafana variables are substituted", function () {
        let promql = 0;
        let logql = 0;
        for (const d of [...defaults, ...tuned].map(asJson)) {
            for (const q of queriesOf(d)) {
                // Throws when a query uses a variable the dashboard does not define.
                const expr = substituted(q, d);
                if (q.language === "promql") {
                    promql++;
                    assert.deepEqual(promqlSyntaxErrors(expr), [], `${q.where}: ${expr}`);
                } else {
                    logql++;
                    assert.deepEqual(logqlErrors(expr), [], `${q.where}: ${expr}`);
                }
            }
        }
        assert.ok(promql >= 20 && logql >= 10, `too few queries found (promql ${promql}, logql ${logql})`);
    });

    it("log stream selectors use only labels Loki streams carry (service is a metric label, not a log label)", function () {
        for (const d of [...defaults, ...tuned].map(asJson)) {
            for (const q of queriesOf(d).filter((x) => x.language === "logql")) {
                for (const l of streamSelectorLabels(substituted(q, d))) {
                    assert.ok((LOG_STREAM_LABELS as readonly string[]).includes(l), `${q.where}: stream label ${l} is not set by Alloy`);
                }
            }
        }
    });

    it("multi-valued variables are matched with =~ (Grafana expands them to a regex)", function () {
        for (const d of [...defaults, ...tuned].map(asJson)) {
            const multi = new Set((d.templating.list ?? []).filter((v) => v.multi).map((v) => `sample-${v.name}`));
            assert.ok(multi.size > 0);
            for (const q of queriesOf(d)) {
                for (const m of matchers(q.language, substituted(q, d))) {
                    if (multi.has(m.value)) assert.equal(m.op, "=~", `${q.where}: ${m.label}${m.op}"${m.value}"`);
                }
            }
        }
    });

    for (const [name, rulesInput, dashInput] of [
        ["default settings", RULES_DEFAULTS, DEFAULTS],
        ["alerts grouped by more labels", { ...RULES_DEFAULTS, groupBy: TUNED.groupBy ?? [] }, TUNED],
    ] as const) {
        it(`RED dashboard has a variable for every var-<label> an alert links with (${name})`, function () {
            const rules = buildPrometheusRules(rulesInput);
            const links = rules.groups
                .flatMap((g) => g.rules)
                .flatMap((r: Rule) => ("alert" in r && r.annotations.dashboard ? [r.annotations.dashboard] : []));
            assert.ok(links.length >= 5, "every alert should carry a dashboard link");
            const red = dashboard(buildDashboards(dashInput), RED_DASHBOARD_UID);
            const vars = new Set(variableNames(red));
            for (const link of links) {
                assert.match(link, new RegExp(`/d/${red.uid}\\?`), `link to another dashboard: ${link}`);
                const params = [...link.matchAll(/[?&]var-([^=&]+)=/g)].map((m) => m[1] as string);
                assert.ok(params.length > 0, `no var- params in ${link}`);
                for (const p of params) assert.ok(vars.has(p), `alert link sets var-${p}, the dashboard has only ${[...vars].join(", ")}`);
            }
            // A variable the queries ignore would make the link land unfiltered.
            const used = new Set(queriesOf(red).flatMap((q) => grafanaVariableRefs(q.expr).map((r) => r.name)));
            for (const v of rulesInput.groupBy) assert.ok(used.has(v), `variable ${v} is used by no query`);
        });
    }

    for (const [name, input] of [
        ["default settings", DEFAULTS],
        ["tuned settings", TUNED],
    ] as const) {
        it(`RED error ratio filters 5xx on the configured status label, with its threshold line (${name})`, function () {
            const red = dashboard(buildDashboards(input), RED_DASHBOARD_UID);
            const qs = queriesOf(red).filter((q) => q.language === "promql");
            const fiveXX = qs.filter((q) => matchers("promql", substituted(q, red)).some((m) => m.value === "5.."));
            assert.ok(fiveXX.length > 0, "no query filters 5xx");
            for (const q of fiveXX) {
                const ms = matchers("promql", substituted(q, red)).filter((m) => m.value === "5..");
                assert.deepEqual(
                    ms.map((m) => [m.label, m.op]),
                    [[input.httpStatusLabel, "=~"]],
                    `${q.where} filters 5xx on the wrong label`,
                );
                const steps = q.panel?.fieldConfig?.defaults?.thresholds?.steps.map((s) => s.value) ?? [];
                assert.ok(steps.includes(input.errorRateThreshold), `${q.where}: no threshold at ${input.errorRateThreshold}`);
                assert.notEqual(q.panel?.fieldConfig?.defaults?.custom?.thresholdsStyle?.mode ?? "off", "off");
            }
            const other = input.httpStatusLabel === "http_status" ? "code" : "http_status";
            for (const q of qs) assert.ok(!matchers("promql", substituted(q, red)).some((m) => m.label === other), `${q.where} filters on ${other}`);
        });

        it(`RED latency panel reads the alerts' histogram with the p95 threshold line (${name})`, function () {
            const red = dashboard(buildDashboards(input), RED_DASHBOARD_UID);
            const latency = queriesOf(red).filter((q) => q.language === "promql" && q.expr.includes("histogram_quantile"));
            assert.ok(latency.length >= 2, "expected p95 and p99");
            for (const q of latency) {
                assert.deepEqual([...metricNames(substituted(q, red))], [`${DEFAULT_LATENCY_HISTOGRAM}_bucket`]);
                const steps = q.panel?.fieldConfig?.defaults?.thresholds?.steps.map((s) => s.value) ?? [];
                assert.ok(steps.includes(input.latencyP95ThresholdSeconds), `${q.where}: no threshold at ${input.latencyP95ThresholdSeconds}`);
            }
        });
    }

    it("RED reads only series the platform produces: the request metrics and the SLO ratios the rules record", function () {
        const recorded = new Set(
            buildPrometheusRules(RULES_DEFAULTS)
                .groups.flatMap((g) => g.rules)
                .flatMap((r: Rule) => ("record" in r ? [r.record] : [])),
        );
        const red = dashboard(defaults, RED_DASHBOARD_UID);
        const names = new Set(queriesOf(red).filter((q) => q.language === "promql").flatMap((q) => [...metricNames(substituted(q, red))]));
        for (const n of names) {
            if (n.includes(":")) assert.ok(recorded.has(n), `${n} is not recorded by the rules`);
        }
        for (const w of ["5m", "1h"] as const) assert.ok(names.has(sloErrorRatioRecord(w)), `burn panel does not read ${sloErrorRatioRecord(w)}`);
        assert.ok(names.has(DEFAULT_REQUESTS_METRIC));
    });

    it("RED logs follow the pods that served the service, and the error-log panel counts levels Alloy keeps", function () {
        const red = dashboard(defaults, RED_DASHBOARD_UID);
        const pod = (red.templating.list ?? []).find((v) => v.name === "pod");
        assert.ok(pod, "no pod variable");
        // The pod list comes from the request metric filtered by the service's job (a label
        // ServiceMonitor and PodMonitor targets both have): the metrics-to-logs bridge.
        const podSel = queriesOf(red).find((q) => q.where.endsWith("variable pod"));
        assert.ok(podSel);
        const podMs = matchers("promql", substituted(podSel, red));
        assert.ok(metricNames(substituted(podSel, red)).has(DEFAULT_REQUESTS_METRIC));
        assert.ok(podMs.some((m) => m.label === "job" && m.value === "sample-job"));
        assert.ok(!podMs.some((m) => m.label === "service"), "PodMonitor apps have no service label");
        const logPanels = allPanels(red).filter((p) => p.type === "logs");
        assert.equal(logPanels.length, 1);
        const logQ = queriesOf(red).find((q) => q.panel === logPanels[0]);
        assert.ok(logQ);
        const logMs = matchers("logql", substituted(logQ, red));
        assert.ok(logMs.some((m) => m.label === "namespace" && m.op === "=" && m.value === "sample-namespace"));
        assert.ok(logMs.some((m) => m.label === "pod" && m.op === "=~" && m.value === "sample-pod"));
        for (const l of ERROR_LOG_LEVELS) assert.ok((KNOWN_LOG_LEVELS as readonly string[]).includes(l), `Alloy never sets level=${l}`);
        const errorLogs = queriesOf(red).filter(
            (q) => q.language === "logql" && matchers("logql", substituted(q, red)).some((m) => m.label === "level"),
        );
        assert.equal(errorLogs.length, 1);
        const level = matchers("logql", substituted(errorLogs[0] as Query, red)).find((m) => m.label === "level");
        assert.ok(level && level.op === "=~");
        assert.ok(new RegExp(`^(?:${level.value})$`).test("error"));
        assert.ok(!new RegExp(`^(?:${level.value})$`).test("info"));
    });

    it("RED selects and legends by labels PodMonitor targets have too: no query filters on service", function () {
        for (const input of [DEFAULTS, TUNED]) {
            const red = dashboard(buildDashboards(input), RED_DASHBOARD_UID);
            const qs = queriesOf(red).filter((q) => q.language === "promql");
            for (const q of qs) {
                const ms = matchers("promql", substituted(q, red));
                assert.ok(!ms.some((m) => m.label === "service"), `${q.where}: a service matcher hides PodMonitor apps`);
            }
            assert.ok(variableNames(red).includes("job"), "the alerts link with var-job");
            assert.ok(!variableNames(red).includes("service"));
        }
    });

    it("every RED metric panel links to Explore on Loki for the clicked series' namespace and the service's pods", function () {
        const red = dashboard(defaults, RED_DASHBOARD_UID);
        const metricPanels = allPanels(red).filter((p) => p.type === "timeseries" && dsUid(p.datasource, p.title ?? "") === datasourceUids.prometheus);
        assert.ok(metricPanels.length >= 4);
        for (const p of metricPanels) {
            const links = queriesOf(red).filter((q) => q.panel === p && q.where.includes("/ link "));
            assert.equal(links.length, 1, `${p.title}: expected one logs link`);
            const link = links[0] as Query;
            assert.equal(link.uid, datasourceUids.loki);
            const ms = matchers("logql", substituted(link, red));
            // ${__field.labels.x} renders as field-x: the value comes from the clicked series.
            assert.ok(ms.some((m) => m.label === "namespace" && m.value === "field-namespace"), `${p.title}: link ignores the series' namespace`);
            assert.ok(ms.some((m) => m.label === "pod" && m.op === "=~"), `${p.title}: link does not select the pods`);
            // The clicked series must carry the label the link reads.
            for (const q of queriesOf(red).filter((x) => x.panel === p && x.language === "promql")) {
                const expr = substituted(q, red);
                const gs = groupings(expr);
                // Aggregations must keep namespace; a bare recorded series keeps the rules' groupBy.
                if (gs.length === 0) assert.ok([...metricNames(expr)].every((n) => n.includes(":")) && RULES_DEFAULTS.groupBy.includes("namespace"));
                for (const g of gs) assert.ok(g.includes("namespace"), `${q.where}: series lose the namespace label`);
            }
        }
    });

    it("workload dashboard: metrics and logs select namespace/pod/container with the very same matchers", function () {
        const w = dashboard(defaults, WORKLOAD_UID);
        const shared = ["namespace", "pod", "container"];
        for (const l of shared) assert.ok((CORRELATION_LABELS as readonly string[]).includes(l));
        const targets = queriesOf(w).filter((q) => q.panel && !q.where.includes("/ link "));
        const langs = new Set(targets.map((q) => q.language));
        assert.deepEqual([...langs].sort(), ["logql", "promql"], "expected both metric and log queries");
        const signature = (q: Query): string =>
            JSON.stringify(
                matchers(q.language, substituted(q, w))
                    .filter((m) => shared.includes(m.label))
                    .sort((a, b) => a.label.localeCompare(b.label)),
            );
        const first = signature(targets[0] as Query);
        for (const q of targets) assert.equal(signature(q), first, `${q.where} selects differently`);
        const ms = JSON.parse(first) as Matcher[];
        assert.deepEqual(
            ms.map((m) => m.label),
            [...shared].sort(),
            "every query must select on namespace, pod and container",
        );
        for (const m of ms) assert.equal(m.value, `sample-${m.label}`, `${m.label} is not bound to its variable`);
        const logPanels = allPanels(w).filter((p) => p.type === "logs");
        assert.equal(logPanels.length, 1);
        const metrics = new Set(targets.filter((q) => q.language === "promql").flatMap((q) => [...metricNames(substituted(q, w))]));
        for (const n of ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "kube_pod_container_status_restarts_total"])
            assert.ok(metrics.has(n), `no panel reads ${n}`);
    });

    it("workload metric panels link to the clicked container's own log stream", function () {
        const w = dashboard(defaults, WORKLOAD_UID);
        const links = queriesOf(w).filter((q) => q.where.includes("/ link "));
        assert.ok(links.length >= 3);
        for (const q of links) {
            const ms = matchers("logql", substituted(q, w));
            for (const l of ["namespace", "pod", "container"]) {
                assert.ok(
                    ms.some((m) => m.label === l && m.op === "=" && m.value === `field-${l}`),
                    `${q.where}: link does not pin ${l} to the clicked series`,
                );
            }
        }
    });

    it("rejects bad settings with every problem at once", function () {
        assert.throws(
            () => buildDashboards({ ...DEFAULTS, httpStatusLabel: "http-status", errorRateThreshold: 5, availabilityObjective: 1 }),
            (e: Error) =>
                /httpStatusLabel/.test(e.message) && /errorRateThreshold/.test(e.message) && /availabilityObjective/.test(e.message),
        );
    });
});

describe("dashboards (component under mocks)", function () {
    it("one sidecar-labelled ConfigMap per dashboard, in the Platform folder, holding the dashboard JSON", async function () {
        const models = buildDashboards(DEFAULTS);
        const run = await runUnderMocks({
            project: "plg-observability",
            stack: "test",
            config: {},
            secretKeys: [],
            program: () => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
                const ns = new k8s.core.v1.Namespace("monitoring", { metadata: { name: "monitoring" } }, { provider });
                new Dashboards("dashboards", { provider, namespace: "monitoring", dashboards: models, dependsOn: [ns] });
                return {};
            },
        });
        const cms = run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap");
        assert.equal(cms.length, models.length);
        const uids = new Set<string>();
        for (const cm of cms) {
            const meta = cm.inputs.metadata as { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
            assert.equal(meta.labels[GRAFANA_DASHBOARD_SIDECAR.label], GRAFANA_DASHBOARD_SIDECAR.labelValue);
            assert.equal(meta.annotations[GRAFANA_DASHBOARD_SIDECAR.folderAnnotation], "Platform");
            assert.equal(meta.namespace, "monitoring");
            const data = cm.inputs.data as Record<string, string>;
            const keys = Object.keys(data);
            assert.equal(keys.length, 1);
            const model = JSON.parse(data[keys[0] as string] as string) as { uid: string; panels: unknown[] };
            assert.equal(keys[0], `${model.uid}.json`);
            assert.equal(meta.name, `dashboard-${model.uid}`);
            assert.deepEqual(model, JSON.parse(JSON.stringify(models.find((m) => m.uid === model.uid))));
            uids.add(model.uid);
            assert.equal(cm.parent, "dashboards");
            assert.equal(cm.options.provider, "k8s");
            assert.deepEqual(cm.options.dependsOn, ["monitoring"]);
        }
        assert.deepEqual([...uids].sort(), models.map((m) => m.uid).sort());
        const component = run.resources.find((r) => r.name === "dashboards");
        assert.equal(component?.type, "plg:k8s:Dashboards");
    });

    it("refuses two dashboards with the same uid (the sidecar would keep only one)", async function () {
        const [red] = buildDashboards(DEFAULTS);
        await assert.rejects(
            runUnderMocks({
                project: "plg-observability",
                stack: "test",
                config: {},
                secretKeys: [],
                program: () => {
                    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
                    new Dashboards("dashboards", { provider, namespace: "monitoring", dashboards: [red as DashboardModel, red as DashboardModel] });
                    return {};
                },
            }),
            /used twice/,
        );
    });
});
