/**
 * Grafana dashboards as pure builders (@grafana/grafana-foundation-sdk): plain settings in,
 * JSON-serializable dashboard models out, each with a fixed uid so alert links and bookmarks
 * survive a re-deploy.
 *
 * Correlation rests on label agreement: scraped series and log streams share `namespace`, `pod`,
 * `container` (labels.ts). Every metric-to-logs hop below is built from those shared names, never
 * from a second spelling, and every panel names its datasource by uid (endpoints.ts).
 */
import { datasourceUids } from "../../endpoints";
import { CLUSTER_LABEL, CORRELATION_LABELS, type CorrelationLabel, LOG_LEVEL_LABEL } from "../../labels";
import { assertLabelName, by, collectProblems, formatNumber } from "../metrics/promql";
import {
    BURN_RATE_WINDOWS,
    CARRIED_LABELS,
    DEFAULT_GROUP_BY,
    DEFAULT_LATENCY_HISTOGRAM,
    DEFAULT_REQUESTS_METRIC,
    PLATFORM_HEALTH_DASHBOARD_UID,
    RED_DASHBOARD_UID,
    httpThresholdProblems,
    sloErrorRatioRecord,
} from "../metrics/rules";

import type { DataSourceRef } from "@grafana/grafana-foundation-sdk/common";
import * as common from "@grafana/grafana-foundation-sdk/common";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
const {
    GraphDrawStyle,
    GraphThresholdsStyleConfigBuilder,
    GraphThresholdsStyleMode,
    LegendDisplayMode,
    LogsDedupStrategy,
    LogsSortOrder,
    SortOrder,
    TooltipDisplayMode,
    VizLegendOptionsBuilder,
    VizTooltipOptionsBuilder,
} = common;
const {
    DashboardBuilder,
    DashboardCursorSync,
    DashboardLinkBuilder,
    QueryVariableBuilder,
    ThresholdsConfigBuilder,
    ThresholdsMode,
    VariableRefresh,
    VariableSort,
} = dashboard;
type DashboardBuilder = InstanceType<typeof DashboardBuilder>;
type DashboardLinkBuilder = InstanceType<typeof DashboardLinkBuilder>;
type QueryVariableBuilder = InstanceType<typeof QueryVariableBuilder>;
type ThresholdsConfigBuilder = InstanceType<typeof ThresholdsConfigBuilder>;
type GraphThresholdsStyleConfigBuilder = InstanceType<typeof GraphThresholdsStyleConfigBuilder>;

/** Uid of the workload (CPU, memory, restarts, logs of one pod/container) dashboard. */
export const WORKLOAD_DASHBOARD_UID = "plg-workload";
/** Uid of the platform health dashboard (platform.ts); defined beside the Thanos alerts that link to it. */
export { PLATFORM_HEALTH_DASHBOARD_UID };
/** Uid of the logs overview dashboard (platform.ts). */
export const LOGS_OVERVIEW_DASHBOARD_UID = "plg-logs-overview";
/** Every dashboard uid the platform builds (here and in platform.ts): fixed, unique, referred to by links. */
export const DASHBOARD_UIDS = {
    red: RED_DASHBOARD_UID,
    workload: WORKLOAD_DASHBOARD_UID,
    platformHealth: PLATFORM_HEALTH_DASHBOARD_UID,
    logsOverview: LOGS_OVERVIEW_DASHBOARD_UID,
} as const;

/**
 * Labels the RED dashboard gets variables for unless `groupBy` says otherwise: the alerts' default
 * groupBy, which every scraped series carries (ServiceMonitor and PodMonitor targets alike).
 */
export const DEFAULT_RED_GROUP_BY: readonly string[] = DEFAULT_GROUP_BY;
/**
 * Values of the `level` stream label counted as errors. Alloy lowercases the level and keeps only
 * known ones (collector/config.ts), so an upper-case `ERROR` never reaches Loki.
 */
export const ERROR_LOG_LEVELS = ["error", "fatal", "critical", "panic"] as const;

/** Settings of the dashboards: the same numbers the alerts use, so lines on graphs match pages. */
export interface DashboardsInput {
    /** Label of the request counter holding the HTTP status code (config default `http_status`). */
    readonly httpStatusLabel: string;
    /** 5xx ratio at which HighErrorRate fires, in (0, 1); drawn as a threshold line. */
    readonly errorRateThreshold: number;
    /** Availability SLO in (0, 1); the error budget (1 - objective) scales the burn-rate panel. */
    readonly availabilityObjective: number;
    /** p95 latency in seconds at which HighLatencyP95 fires; drawn as a threshold line. */
    readonly latencyP95ThresholdSeconds: number;
    /**
     * Labels the HTTP alerts aggregate by (the rules' `groupBy`); each becomes a RED dashboard
     * variable so an alert's `var-<label>` link lands filtered. Default: namespace, job.
     */
    readonly groupBy?: readonly string[];
}

/** A Grafana dashboard model (the JSON Grafana stores), with its fixed uid required. */
export type DashboardModel = Dashboard & {
    /** Fixed uid: alert annotations and bookmarks link to `/d/<uid>`. */
    readonly uid: string;
    /** Title shown in Grafana. */
    readonly title: string;
};

export const PROMETHEUS_DS: DataSourceRef = { type: "prometheus", uid: datasourceUids.prometheus };
export const LOKI_DS: DataSourceRef = { type: "loki", uid: datasourceUids.loki };

/** How a variable's value is matched: `=` for single-valued, `=~` for multi-valued (regex) ones. */
type MatchOp = "=" | "=~";

/** One `label op "$variable"` matcher; the variable is named after the label. */
interface VarMatcher {
    /** Label name, also the variable name. */
    readonly label: string;
    /** Operator; multi-valued variables expand to a regex, so they need `=~`. */
    readonly op: MatchOp;
}

function matcherText(ms: readonly VarMatcher[]): string {
    return ms.map((m) => `${m.label}${m.op}"$${m.label}"`).join(", ");
}

/** Matchers for correlation labels, in the order of CORRELATION_LABELS (one spelling for PromQL and LogQL). */
function correlationMatchers(ops: Partial<Record<CorrelationLabel, MatchOp>>): VarMatcher[] {
    return CORRELATION_LABELS.flatMap((label) => {
        const op = ops[label];
        return op ? [{ label, op }] : [];
    });
}

function validate(input: DashboardsInput): void {
    const problems = [
        ...httpThresholdProblems(input),
        ...collectProblems(...(input.groupBy ?? []).map((l) => () => assertLabelName(l, "groupBy entry"))),
    ];
    if (problems.length > 0) throw new Error(`invalid dashboards input:\n  - ${problems.join("\n  - ")}`);
}

/**
 * Grafana Explore URL showing `expr` on the Loki datasource over the clicked panel's time range.
 * Grafana interpolates data-link URLs with URI-encoding of values only, so the JSON is
 * percent-encoded here while `${...}` placeholders are left raw for Grafana to fill.
 */
export function exploreLogsUrl(expr: string): string {
    const panes = {
        logs: {
            datasource: LOKI_DS.uid,
            queries: [{ refId: "A", expr, queryType: "range", datasource: LOKI_DS }],
            range: { from: "${__from}", to: "${__to}" },
        },
    };
    const encoded = encodeURIComponent(JSON.stringify(panes)).replace(
        /%24%7B([A-Za-z0-9_.]+(?:%3A[A-Za-z0-9_]+)?)%7D/g,
        (_m, name: string) => `\${${decodeURIComponent(name)}}`,
    );
    return `/explore?schemaVersion=1&panes=${encoded}`;
}

function logsLink(title: string, expr: string): DashboardLinkBuilder {
    return new DashboardLinkBuilder(title).url(exploreLogsUrl(expr)).targetBlank(true);
}

export function promTarget(refId: string, expr: string, legend: string) {
    return new prometheus.DataqueryBuilder().refId(refId).datasource(PROMETHEUS_DS).expr(expr).legendFormat(legend).range();
}

export function lokiTarget(refId: string, expr: string, legend?: string) {
    const t = new loki.DataqueryBuilder().refId(refId).datasource(LOKI_DS).expr(expr).queryType("range");
    return legend === undefined ? t : t.legendFormat(legend);
}

export function timeseriesPanel(title: string, description: string, unit: string) {
    return new timeseries.PanelBuilder()
        .title(title)
        .description(description)
        .unit(unit)
        .height(8)
        .span(12)
        .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).calcs([]))
        .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
}

/** Threshold steps drawn as lines: base colour, then one colour per limit. */
export function thresholdLines(steps: readonly { value: number; color: string }[]): {
    thresholds: ThresholdsConfigBuilder;
    style: GraphThresholdsStyleConfigBuilder;
} {
    return {
        thresholds: new ThresholdsConfigBuilder()
            .mode(ThresholdsMode.Absolute)
            .steps([{ value: null, color: "green" }, ...steps.map((s) => ({ value: s.value, color: s.color }))]),
        style: new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed),
    };
}

function logsPanel(title: string, description: string, expr: string) {
    return new logs.PanelBuilder()
        .title(title)
        .description(description)
        .datasource(LOKI_DS)
        .withTarget(lokiTarget("A", expr))
        .height(12)
        .span(24)
        .showTime(true)
        .showLabels(false)
        .showCommonLabels(false)
        .wrapLogMessage(true)
        .prettifyLogMessage(false)
        .enableLogDetails(true)
        .sortOrder(LogsSortOrder.Descending)
        .dedupStrategy(LogsDedupStrategy.None);
}

export interface VariableSpec {
    /** Variable (and label) name. */
    readonly name: string;
    /** `label_values(<selector>, <label>)` query, PromQL selector unless `datasource` is Loki's. */
    readonly query: string;
    /** Datasource the values come from; default Prometheus. */
    readonly datasource?: DataSourceRef;
    /** Multi-valued with an "All" option. */
    readonly multi: boolean;
    /**
     * Value "All" stands for. `.*` also matches series without the label (e.g. `cluster`, an
     * external label that local Prometheus series do not carry); undefined = every listed value.
     */
    readonly allValue?: string;
    /** Shown next to the variable. */
    readonly description: string;
}

export function variable(spec: VariableSpec): QueryVariableBuilder {
    const v = new QueryVariableBuilder(spec.name)
        .label(spec.name)
        .description(spec.description)
        .datasource(spec.datasource ?? PROMETHEUS_DS)
        .query(spec.query)
        .definition(spec.query)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(spec.multi)
        .includeAll(spec.multi);
    if (spec.multi) v.current({ selected: true, text: ["All"], value: ["$__all"] });
    if (spec.allValue !== undefined) v.allValue(spec.allValue);
    return v;
}

/** Labels the RED dashboard filters by, as variables, in order: cluster, namespace, then the other groupBy labels (job). */
function redMatchers(groupBy: readonly string[]): VarMatcher[] {
    const base: VarMatcher[] = correlationMatchers({ cluster: "=~", namespace: "=" });
    const extra = groupBy.filter((l) => !base.some((m) => m.label === l)).map((label): VarMatcher => ({ label, op: "=~" }));
    return [...base, ...extra];
}

function buildRedDashboard(input: DashboardsInput): DashboardModel {
    const requests = DEFAULT_REQUESTS_METRIC;
    const buckets = `${DEFAULT_LATENCY_HISTOGRAM}_bucket`;
    const groupBy = input.groupBy ?? DEFAULT_RED_GROUP_BY;
    const ms = redMatchers(groupBy);
    const sel = matcherText(ms);
    // Series of the panels keep the labels alerts aggregate by (service too, where present), so
    // legends and links can use them.
    const aggLabels = [...new Set(["namespace", ...groupBy, ...CARRIED_LABELS])];
    const agg = by(aggLabels);
    const named = groupBy.filter((l) => l !== "namespace");
    const legend = (named.length > 0 ? named : ["namespace"]).map((l) => `{{${l}}}`).join(" ");

    // Pods that served the selected services. `job` is not a log label, but scraped series carry
    // both `job` and `pod`, so the pod list is the exact bridge from a service to its log streams
    // (no assumption that pod or app names start with the service name).
    const podVar = correlationMatchers({ pod: "=~" })[0] as VarMatcher;
    const logSel = matcherText([...correlationMatchers({ cluster: "=~", namespace: "=" }), podVar]);

    const variables: VariableSpec[] = ms.map((m, i) => {
        const upstream = matcherText(ms.slice(0, i));
        const source = m.label === CLUSTER_LABEL ? "up" : `${requests}${upstream ? `{${upstream}}` : ""}`;
        return {
            name: m.label,
            query: `label_values(${source}, ${m.label})`,
            multi: m.op === "=~",
            // cluster is an external label: absent on local series, so All must match "no label".
            ...(m.label === CLUSTER_LABEL || !DEFAULT_RED_GROUP_BY.includes(m.label) ? { allValue: ".*" } : {}),
            description:
                m.label === CLUSTER_LABEL
                    ? "Cluster (external label; All matches series without it, as on a single cluster's Prometheus)"
                    : `Label ${m.label} of ${requests}`,
        };
    });
    variables.push({
        name: podVar.label,
        query: `label_values(${requests}{${sel}}, ${podVar.label})`,
        multi: true,
        description: "Pods that served the selected services: the log panels and links follow these pods",
    });

    const rate = (extra = ""): string => `sum ${agg} (rate(${requests}{${sel}${extra}}[$__rate_interval]))`;
    const errors = rate(`, ${input.httpStatusLabel}=~"5.."`);
    // Same shape as the HighErrorRate rule: a service without 5xx reads 0, no traffic gives no series.
    const errorRatio = `(${errors} or 0 * ${rate()}) / (${rate()} > 0)`;
    const quantile = (q: number): string =>
        `histogram_quantile(${q}, sum ${by([...aggLabels, "le"])} (rate(${buckets}{${sel}}[$__rate_interval])))`;
    const budget = formatNumber(1 - input.availabilityObjective);
    const burn = (w: "5m" | "1h"): string => `${sloErrorRatioRecord(w)}{${sel}} / ${budget}`;
    const fast = BURN_RATE_WINDOWS.fast;
    const slow = BURN_RATE_WINDOWS.slow;

    // The clicked series' namespace plus the dashboard's pods: the logs behind that line, same time range.
    const link = logsLink(
        "Logs of these pods (Explore)",
        `{${CLUSTER_LABEL}=~"\${${CLUSTER_LABEL}:regex}", namespace="\${__field.labels.namespace}", ${podVar.label}=~"\${${podVar.label}:regex}"}`,
    );

    const errTh = thresholdLines([{ value: input.errorRateThreshold, color: "red" }]);
    const latTh = thresholdLines([{ value: input.latencyP95ThresholdSeconds, color: "orange" }]);
    const burnTh = thresholdLines([
        { value: slow.factor, color: "orange" },
        { value: fast.factor, color: "red" },
    ]);
    const errorLevels = ERROR_LOG_LEVELS.join("|");

    const d = new DashboardBuilder("Service RED")
        .uid(RED_DASHBOARD_UID)
        .description(`Rate, errors, duration and SLO burn of services exposing ${requests}, with their logs.`)
        .tags(["plg", "red", "slo"])
        .editable()
        .tooltip(DashboardCursorSync.Crosshair)
        .time({ from: "now-3h", to: "now" })
        .refresh("1m")
        .variables(variables.map(variable))
        .withPanel(
            timeseriesPanel("Request rate", `Requests per second by ${named.join(", ") || "namespace"} (${requests})`, "reqps")
                .withTarget(promTarget("A", rate(), legend))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel(
                "5xx error ratio",
                `Share of requests with ${input.httpStatusLabel}=5xx; dashed line: the HighErrorRate threshold`,
                "percentunit",
            )
                .withTarget(promTarget("A", errorRatio, legend))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .thresholds(errTh.thresholds)
                .thresholdsStyle(errTh.style)
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel("Latency p95 / p99", `From ${buckets}; dashed line: the HighLatencyP95 threshold`, "s")
                .withTarget(promTarget("A", quantile(0.95), `${legend} p95`))
                .withTarget(promTarget("B", quantile(0.99), `${legend} p99`))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .thresholds(latTh.thresholds)
                .thresholdsStyle(latTh.style)
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel(
                "SLO error budget burn rate",
                `Error ratio / budget (${budget}); 1 spends the budget exactly over the SLO period. Dashed lines: ${slow.factor}x (ticket) and ${fast.factor}x (page)`,
                "none",
            )
                .withTarget(promTarget("A", burn(fast.long), `${legend} ${fast.long}`))
                .withTarget(promTarget("B", burn(fast.short), `${legend} ${fast.short}`))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .axisLabel("× budget")
                .thresholds(burnTh.thresholds)
                .thresholdsStyle(burnTh.style)
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel(
                "Error log lines by app",
                `Log lines with ${LOG_LEVEL_LABEL} ${errorLevels} in the whole namespace (neighbours included)`,
                "short",
            )
                .withTarget(
                    lokiTarget(
                        "A",
                        `sum by (app) (count_over_time({namespace="$namespace", ${LOG_LEVEL_LABEL}=~"${errorLevels}"}[$__interval]))`,
                        "{{app}}",
                    ),
                )
                .datasource(LOKI_DS)
                .drawStyle(GraphDrawStyle.Bars)
                .fillOpacity(80)
                .span(24),
        )
        .withPanel(logsPanel("Logs of the service's pods", "Log streams of the pods that served the selected services", `{${logSel}}`));
    return finish(d);
}

function buildWorkloadDashboard(): DashboardModel {
    // One matcher string for both sides: metrics and logs select the workload by the same labels.
    const ms = correlationMatchers({ namespace: "=", pod: "=~", container: "=~" });
    const sel = matcherText(ms);
    const labels = ms.map((m) => m.label);
    const agg = by(labels);
    const legend = "{{pod}} / {{container}}";
    // A clicked series carries exactly these labels (aggregated by them): open its own log stream.
    const link = logsLink(
        "Logs of this container (Explore)",
        `{${labels.map((l) => `${l}="\${__field.labels.${l}}"`).join(", ")}}`,
    );
    const variables: VariableSpec[] = [
        {
            name: "namespace",
            query: "label_values(kube_pod_info, namespace)",
            multi: false,
            description: "Namespace (kube-state-metrics)",
        },
        {
            name: "pod",
            query: `label_values(kube_pod_info{${matcherText(ms.slice(0, 1))}}, pod)`,
            multi: true,
            description: "Pods of the namespace (kube-state-metrics)",
        },
        {
            name: "container",
            query: `label_values(kube_pod_container_info{${matcherText(ms.slice(0, 2))}}, container)`,
            multi: true,
            description: "Containers of the selected pods (kube-state-metrics; no cgroup pseudo-containers)",
        },
    ];
    const d = new DashboardBuilder("Workload logs & metrics")
        .uid(WORKLOAD_DASHBOARD_UID)
        .description("CPU, memory, restarts and logs of the same pods and containers, selected by the same labels.")
        .tags(["plg", "workload", "logs"])
        .editable()
        .tooltip(DashboardCursorSync.Crosshair)
        .time({ from: "now-1h", to: "now" })
        .refresh("1m")
        .variables(variables.map(variable))
        .withPanel(
            timeseriesPanel("CPU usage", "CPU cores used per container (cAdvisor)", "short")
                .withTarget(promTarget("A", `sum ${agg} (rate(container_cpu_usage_seconds_total{${sel}}[$__rate_interval]))`, legend))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .axisLabel("cores")
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel("Memory working set", "Working set per container (cAdvisor): what the OOM killer looks at", "bytes")
                .withTarget(promTarget("A", `sum ${agg} (container_memory_working_set_bytes{${sel}})`, legend))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel("Container restarts", "Restarts since the pod started (kube-state-metrics)", "short")
                .withTarget(promTarget("A", `max ${agg} (kube_pod_container_status_restarts_total{${sel}})`, legend))
                .datasource(PROMETHEUS_DS)
                .min(0)
                .decimals(0)
                .dataLinks([link]),
        )
        .withPanel(
            timeseriesPanel("Log lines by level", `Log lines per ${LOG_LEVEL_LABEL} of the selected containers`, "short")
                .withTarget(lokiTarget("A", `sum by (${LOG_LEVEL_LABEL}) (count_over_time({${sel}}[$__interval]))`, `{{${LOG_LEVEL_LABEL}}}`))
                .datasource(LOKI_DS)
                .drawStyle(GraphDrawStyle.Bars)
                .fillOpacity(80),
        )
        .withPanel(logsPanel("Logs", "Log streams of the selected containers", `{${sel}}`));
    return finish(d);
}

/** Builds the model and drops SDK-internal undefineds, so the result is plain JSON. */
export function finish(d: DashboardBuilder): DashboardModel {
    const model = JSON.parse(JSON.stringify(d.build())) as Dashboard;
    if (!model.uid || !model.title) throw new Error("dashboard without uid or title");
    return { ...model, uid: model.uid, title: model.title };
}

/** Every dashboard, in a stable order (RED first). Throws with every problem in `input`. */
export function buildDashboards(input: DashboardsInput): DashboardModel[] {
    validate(input);
    return [buildRedDashboard(input), buildWorkloadDashboard()];
}
