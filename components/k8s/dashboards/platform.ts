/**
 * Dashboards for the platform itself, as pure builders beside builders.ts (same helpers, same
 * conventions: fixed uids, datasources by uid, Grafana variables substituted by tests):
 *
 * - Platform health: is each part of the pipeline doing its job (Prometheus ingesting and
 *   evaluating, targets up, Loki ingesting and answering, the Loki ruler evaluating, Alloy
 *   delivering, Alertmanager notifying, and, with long-term metrics, Thanos compacting and serving)?
 * - Logs overview: who writes how much, at which level, who produces errors, and how close the
 *   platform's Loki tenant is to its ingestion limit.
 *
 * Every metric name read here was checked against the upstream source of the version the pinned
 * charts run; test/platform-dashboards.test.ts lists them with those versions.
 */
import type { Settings } from "../../../config";
import { LOKI_TENANT_ID_PATTERN } from "../../../config/validators";
import { CLUSTER_LABEL, LOG_LEVEL_LABEL } from "../../labels";
import { by } from "../metrics/promql";
import { THANOS_METRICS } from "../metrics/rules";
import { teamLogTenants } from "../logs/values";
import {
    type DashboardModel,
    ERROR_LOG_LEVELS,
    LOGS_OVERVIEW_DASHBOARD_UID,
    LOKI_DS,
    PLATFORM_HEALTH_DASHBOARD_UID,
    PROMETHEUS_DS,
    type VariableSpec,
    finish,
    lokiTarget,
    promTarget,
    thresholdLines,
    timeseriesPanel,
    variable,
} from "./builders";

import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as loki from "@grafana/grafana-foundation-sdk/loki";

const { DashboardBuilder, DashboardCursorSync, DashboardLinkBuilder, DashboardLinkType, RowBuilder } = dashboard;
type DashboardBuilder = InstanceType<typeof DashboardBuilder>;

/** Loki's `ingestion_rate_mb` is in MiB: the limit in bytes is MB × 2^20 (Loki pkg/validation/limits.go `bytesInMB`). */
export const LOKI_BYTES_PER_MB = 1_048_576;

/** Settings of the platform dashboards. */
export interface PlatformDashboardsInput {
    /** The platform's Loki tenant (logs.tenantId): what the `loki` datasource reads and Alloy writes to. */
    readonly lokiTenant: string;
    /** That tenant's ingestion rate limit in MB/s (logs.limits.ingestionRateMb), drawn as a threshold line. */
    readonly ingestionRateMb: number;
    /** Long-term metrics (Thanos) deployed (metrics.longTerm.enabled): adds the Thanos row. */
    readonly longTermMetrics: boolean;
    /**
     * The teams' Loki tenants with the ingestion limit each gets (logs.teamLimits, else logs.limits):
     * with any, the logs overview adds every tenant's ingestion as a share of its own limit.
     */
    readonly teamTenants?: readonly { readonly tenant: string; readonly ingestionRateMb: number }[];
}

/** The platform dashboards' settings from the stack's: the platform tenant, its limit, whether Thanos runs. */
export function platformDashboardsInput(settings: Settings): PlatformDashboardsInput {
    return {
        lokiTenant: settings.logs.tenantId,
        ingestionRateMb: settings.logs.limits.ingestionRateMb,
        longTermMetrics: settings.metrics.longTerm.enabled,
        teamTenants: teamLogTenants(settings.alerting.teams).map(({ team, tenant }) => ({
            tenant,
            ingestionRateMb: settings.logs.teamLimits[team]?.ingestionRateMb ?? settings.logs.limits.ingestionRateMb,
        })),
    };
}

/** `cluster=~"$cluster"`: All matches series without the label (local Prometheus series lack this external label). */
const CLUSTER_MATCHER = `${CLUSTER_LABEL}=~"$${CLUSTER_LABEL}"`;

/** A PromQL selector of `metric` for the chosen cluster, with extra matchers. */
function sel(metric: string, ...extra: string[]): string {
    return `${metric}{${[CLUSTER_MATCHER, ...extra].join(", ")}}`;
}

/** `sum by (labels) (rate(<metric>{...}[$__rate_interval]))`. */
function sumRate(labels: readonly string[], metric: string, ...extra: string[]): string {
    return `sum ${by(labels)} (rate(${sel(metric, ...extra)}[$__rate_interval]))`;
}

/** Dashboard-to-dashboard link: relative, so it works with and without a Grafana hostname. */
function linkTo(uid: string, title: string) {
    return new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(`/d/${uid}`).keepTime(true).includeVars(false).targetBlank(false);
}

function base(title: string, uid: string, description: string, tags: string[]): DashboardBuilder {
    return new DashboardBuilder(title)
        .uid(uid)
        .description(description)
        .tags(["plg", "platform", ...tags])
        .editable()
        .tooltip(DashboardCursorSync.Crosshair)
        .time({ from: "now-6h", to: "now" })
        .refresh("1m");
}

function promPanel(title: string, description: string, unit: string) {
    return timeseriesPanel(title, description, unit).datasource(PROMETHEUS_DS).min(0);
}

/** A panel of one counter's per-second rate, one series per value of `label`. */
function ratePanel(title: string, description: string, unit: string, label: string, metric: string, ...extra: string[]) {
    return promPanel(title, description, unit).withTarget(promTarget("A", sumRate([label], metric, ...extra), `{{${label}}}`));
}

/** Series the platform scrapes, by component and metric: one place for every name the health dashboard reads. */
export const PLATFORM_METRICS = {
    prometheus: {
        headSeries: "prometheus_tsdb_head_series",
        samplesAppended: "prometheus_tsdb_head_samples_appended_total",
        ruleEvaluationFailures: "prometheus_rule_evaluation_failures_total",
        up: "up",
    },
    loki: {
        bytesReceived: "loki_distributor_bytes_received_total",
        linesReceived: "loki_distributor_lines_received_total",
        requestDurationCount: "loki_request_duration_seconds_count",
        rulerEvaluations: "loki_prometheus_rule_evaluations_total",
        rulerEvaluationFailures: "loki_prometheus_rule_evaluation_failures_total",
    },
    alloy: {
        sentEntries: "loki_write_sent_entries_total",
        droppedEntries: "loki_write_dropped_entries_total",
    },
    alertmanager: {
        notifications: "alertmanager_notifications_total",
        notificationsFailed: "alertmanager_notifications_failed_total",
    },
    thanos: {
        compactionFailures: "thanos_compact_group_compactions_failures_total",
        // The same series the Thanos alerts read (metrics/rules.ts).
        compactHalted: THANOS_METRICS.compactHalted,
        bucketOperationFailures: THANOS_METRICS.bucketOperationFailures,
        blocksLoaded: "thanos_bucket_store_blocks_loaded",
    },
} as const;

function buildPlatformHealthDashboard(input: PlatformDashboardsInput): DashboardModel {
    const m = PLATFORM_METRICS;
    const cluster: VariableSpec = {
        name: CLUSTER_LABEL,
        query: `label_values(${m.prometheus.up}, ${CLUSTER_LABEL})`,
        multi: true,
        allValue: ".*",
        description: "Cluster (external label; All matches series without it, as on a single cluster's Prometheus)",
    };
    const d = base(
        "Platform health",
        PLATFORM_HEALTH_DASHBOARD_UID,
        "Is the observability platform itself working: Prometheus, Loki, Alloy, Alertmanager" + (input.longTermMetrics ? ", Thanos." : "."),
        ["health"],
    )
        .links([linkTo(LOGS_OVERVIEW_DASHBOARD_UID, "Logs overview")])
        .variables([variable(cluster)])
        .withRow(new RowBuilder("Prometheus"))
        .withPanel(
            promPanel("Head series", "Active series in each Prometheus replica's head block (memory grows with it)", "short").withTarget(
                promTarget("A", `sum ${by(["pod"])} (${sel(m.prometheus.headSeries)})`, "{{pod}}"),
            ),
        )
        .withPanel(
            ratePanel("Samples ingested", "Samples appended to the head per second, per replica", "cps", "pod", m.prometheus.samplesAppended),
        )
        .withPanel(
            ratePanel("Rule evaluation failures", "Failed evaluations per second by rule group: alerts of a failing group cannot fire", "short", "rule_group", m.prometheus.ruleEvaluationFailures),
        )
        .withPanel(
            promPanel("Scrape targets by job", "Targets up and down per job (up = 1 when the last scrape succeeded)", "short")
                .decimals(0)
                .withTarget(promTarget("A", `sum ${by(["job"])} (${sel(m.prometheus.up)} == 1)`, "{{job}} up"))
                .withTarget(promTarget("B", `count ${by(["job"])} (${sel(m.prometheus.up)} == 0)`, "{{job}} down")),
        )
        .withRow(new RowBuilder("Loki"))
        .withPanel(
            ratePanel("Ingested bytes", "Uncompressed bytes the distributors received, by tenant (structured metadata included)", "binBps", "tenant", m.loki.bytesReceived),
        )
        .withPanel(
            ratePanel("Ingested lines", "Log lines the distributors received, by tenant", "cps", "tenant", m.loki.linesReceived),
        )
        .withPanel(
            ratePanel("Request errors by route", "HTTP 5xx answers of Loki per second, by route (push, query, ruler API...)", "reqps", "route", m.loki.requestDurationCount, 'status_code=~"5.."'),
        )
        .withPanel(
            promPanel("Ruler evaluations", "Loki ruler (LogQL alerts) evaluations and failures per second, by tenant", "short")
                .withTarget(promTarget("A", sumRate(["user"], m.loki.rulerEvaluations), "{{user}} evaluations"))
                .withTarget(promTarget("B", sumRate(["user"], m.loki.rulerEvaluationFailures), "{{user}} failures")),
        )
        .withRow(new RowBuilder("Alloy"))
        .withPanel(
            ratePanel("Log entries sent", "Entries Alloy delivered to Loki per second, by tenant", "cps", "tenant", m.alloy.sentEntries),
        )
        .withPanel(
            promPanel("Log entries dropped", "Entries Alloy gave up on per second (after retries), by tenant and reason: lost logs", "cps").withTarget(
                promTarget("A", sumRate(["tenant", "reason"], m.alloy.droppedEntries), "{{tenant}} {{reason}}"),
            ),
        )
        .withRow(new RowBuilder("Alertmanager"))
        .withPanel(
            promPanel("Notifications by integration", "Notifications attempted and failed per second, by integration (slack, pagerduty, webhook...)", "short")
                .span(24)
                .withTarget(promTarget("A", sumRate(["integration"], m.alertmanager.notifications), "{{integration}} sent"))
                .withTarget(promTarget("B", sumRate(["integration"], m.alertmanager.notificationsFailed), "{{integration}} failed")),
        );
    if (input.longTermMetrics) {
        d.withRow(new RowBuilder("Thanos"))
            .withPanel(
                promPanel("Compactions", "Failed compactions per second; halted = 1 when the Compactor stopped on an error it cannot retry", "short")
                    .withTarget(promTarget("A", `sum (rate(${sel(m.thanos.compactionFailures)}[$__rate_interval]))`, "failures"))
                    .withTarget(promTarget("B", `max (${sel(m.thanos.compactHalted)})`, "halted")),
            )
            .withPanel(
                promPanel("Object storage failures", "Failed S3 operations per second, by job and operation (sidecar upload, Store Gateway, Compactor)", "short").withTarget(
                    promTarget("A", sumRate(["job", "operation"], m.thanos.bucketOperationFailures), "{{job}} {{operation}}"),
                ),
            )
            .withPanel(
                promPanel("Store Gateway blocks loaded", "Blocks each Store Gateway serves; a drop to 0 hides history beyond local retention", "short")
                    .decimals(0)
                    .withTarget(promTarget("A", `sum ${by(["pod"])} (${sel(m.thanos.blocksLoaded)})`, "{{pod}}")),
            );
    }
    return finish(d);
}

/** A LogQL instant query (one value over the dashboard's range). */
function lokiInstant(refId: string, expr: string, legend: string) {
    return new loki.DataqueryBuilder().refId(refId).datasource(LOKI_DS).expr(expr).queryType("instant").instant(true).legendFormat(legend);
}

function buildLogsOverviewDashboard(input: PlatformDashboardsInput): DashboardModel {
    // Every stream carries `cluster` (Alloy's static label), so it selects "all streams" validly.
    const streams = `{${CLUSTER_LABEL}="$${CLUSTER_LABEL}"}`;
    const errorStreams = `{${CLUSTER_LABEL}="$${CLUSTER_LABEL}", ${LOG_LEVEL_LABEL}=~"${ERROR_LOG_LEVELS.join("|")}"}`;
    const cluster: VariableSpec = {
        name: CLUSTER_LABEL,
        query: `label_values({${CLUSTER_LABEL}=~".+"}, ${CLUSTER_LABEL})`,
        datasource: LOKI_DS,
        multi: false,
        description: "Cluster (the label Alloy puts on every log stream)",
    };
    const limitBytes = input.ingestionRateMb * LOKI_BYTES_PER_MB;
    const limit = thresholdLines([{ value: limitBytes, color: "red" }]);
    const d = base(
        "Logs overview",
        LOGS_OVERVIEW_DASHBOARD_UID,
        `Log volume by namespace and level, top error producers, and tenant ${input.lokiTenant}'s ingestion against its limit.`,
        ["logs"],
    )
        .links([linkTo(PLATFORM_HEALTH_DASHBOARD_UID, "Platform health")])
        .variables([variable(cluster)])
        .withPanel(
            timeseriesPanel("Log volume by namespace", "Uncompressed bytes of log lines per namespace and interval", "bytes")
                .datasource(LOKI_DS)
                .withTarget(lokiTarget("A", `sum by (namespace) (bytes_over_time(${streams} [$__auto]))`, "{{namespace}}"))
                .drawStyle(common.GraphDrawStyle.Bars)
                .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
                .fillOpacity(80),
        )
        .withPanel(
            timeseriesPanel("Log lines by level", `Lines per ${LOG_LEVEL_LABEL} and interval (no ${LOG_LEVEL_LABEL}: a line Alloy found no known level in)`, "short")
                .datasource(LOKI_DS)
                .withTarget(lokiTarget("A", `sum by (${LOG_LEVEL_LABEL}) (count_over_time(${streams} [$__auto]))`, `{{${LOG_LEVEL_LABEL}}}`))
                .drawStyle(common.GraphDrawStyle.Bars)
                .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
                .fillOpacity(80),
        )
        .withPanel(
            new bargauge.PanelBuilder()
                .title("Top error producers")
                .description(`The 10 namespace/app pairs with the most ${ERROR_LOG_LEVELS.join(", ")} lines over the dashboard's time range`)
                .datasource(LOKI_DS)
                .withTarget(
                    lokiInstant("A", `topk(10, sum by (namespace, app) (count_over_time(${errorStreams} [$__range])))`, "{{namespace}} / {{app}}"),
                )
                .unit("short")
                .decimals(0)
                .min(0)
                .orientation(common.VizOrientation.Horizontal)
                .displayMode(common.BarGaugeDisplayMode.Basic)
                .height(10)
                .span(12),
        )
        .withPanel(
            timeseriesPanel(
                `Ingestion of tenant ${input.lokiTenant} against its limit`,
                `Bytes per second Loki's distributors received for the tenant; dashed line: logs.limits.ingestionRateMb (${input.ingestionRateMb} MB/s), above which pushes are refused (429) and Alloy retries, then drops`,
                "binBps",
            )
                .datasource(PROMETHEUS_DS)
                .min(0)
                .height(10)
                // Local Prometheus series lack the `cluster` external label: this one reads this cluster's Loki.
                .withTarget(promTarget("A", `sum (rate(${PLATFORM_METRICS.loki.bytesReceived}{tenant="${input.lokiTenant}"}[$__rate_interval]))`, "received"))
                .thresholds(limit.thresholds)
                .thresholdsStyle(limit.style),
        );
    const teams = input.teamTenants ?? [];
    if (teams.length > 0) {
        // Each tenant has its own limit, and a panel has one set of thresholds: so each tenant's rate
        // as a share of its own limit, against one line at 100%.
        const tenants = [{ tenant: input.lokiTenant, ingestionRateMb: input.ingestionRateMb }, ...teams];
        const full = thresholdLines([{ value: 1, color: "red" }]);
        let panel = timeseriesPanel(
            "Ingestion against each tenant's limit",
            "Bytes per second Loki's distributors received per tenant, as a share of that tenant's ingestion rate limit (logs.teamLimits, else logs.limits); at the dashed line (100%) pushes are refused (429)",
            "percentunit",
        )
            .datasource(PROMETHEUS_DS)
            .min(0)
            .height(10)
            .thresholds(full.thresholds)
            .thresholdsStyle(full.style);
        tenants.forEach((t, i) => {
            panel = panel.withTarget(
                promTarget(String.fromCharCode(65 + i), `sum (rate(${PLATFORM_METRICS.loki.bytesReceived}{tenant="${t.tenant}"}[$__rate_interval])) / ${t.ingestionRateMb * LOKI_BYTES_PER_MB}`, t.tenant),
            );
        });
        d.withPanel(panel);
    }
    return finish(d);
}

/** The platform's own dashboards: health first, then the logs overview. Throws with every problem in `input`. */
export function buildPlatformDashboards(input: PlatformDashboardsInput): DashboardModel[] {
    const problems = [
        ...(Number.isFinite(input.ingestionRateMb) && input.ingestionRateMb > 0 ? [] : [`ingestionRateMb: expected MB/s above 0, given ${input.ingestionRateMb}`]),
        // The tenant goes into a PromQL string: only the ids logs.tenantId accepts.
        ...(LOKI_TENANT_ID_PATTERN.test(input.lokiTenant) ? [] : [`lokiTenant: expected a Loki tenant id, given ${JSON.stringify(input.lokiTenant)}`]),
        ...(input.teamTenants ?? []).flatMap((t, i) => [
            ...(LOKI_TENANT_ID_PATTERN.test(t.tenant) ? [] : [`teamTenants[${i}].tenant: expected a Loki tenant id, given ${JSON.stringify(t.tenant)}`]),
            ...(Number.isFinite(t.ingestionRateMb) && t.ingestionRateMb > 0 ? [] : [`teamTenants[${i}].ingestionRateMb: expected MB/s above 0, given ${t.ingestionRateMb}`]),
        ]),
        ...((input.teamTenants ?? []).length > 25 ? [`teamTenants: at most 25 (one query letter each), given ${(input.teamTenants ?? []).length}`] : []),
    ];
    if (problems.length > 0) throw new Error(`invalid platform dashboards input:\n  - ${problems.join("\n  - ")}`);
    return [buildPlatformHealthDashboard(input), buildLogsOverviewDashboard(input)];
}
