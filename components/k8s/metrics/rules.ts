/**
 * Prometheus rules for HTTP services and scrape targets, as a promtool `check rules` file.
 *
 * Any service exposing `http_requests_total` (with the status-code label named by
 * `httpStatusLabel`) and `http_request_latency_seconds` gets error-rate, latency and SLO
 * burn-rate alerts, aggregated by `groupBy` (default `namespace`, `job`: labels every target has,
 * whether a ServiceMonitor or a PodMonitor scrapes it), keeping `service` where the target has
 * one. The status label is a setting because the guide's
 * rule filtered `status=~"5.."` while its app labelled the counter `http_status`, so the alert
 * could never fire; rule-tests.ts proves the configured label is the one that matters.
 */
import {
    assertLabelName,
    assertMetricName,
    by,
    collectProblems,
    formatDuration,
    formatNumber,
    formatPercent,
    parseDuration,
} from "./promql";

/** Uid of the RED (rate, errors, duration) dashboard that alert annotations link to. */
export const RED_DASHBOARD_UID = "plg-red";
/** Default request counter name (the guide's app). */
export const DEFAULT_REQUESTS_METRIC = "http_requests_total";
/** Default latency histogram base name (the guide's app); `_bucket` is appended. */
export const DEFAULT_LATENCY_HISTOGRAM = "http_request_latency_seconds";
/** Window of the error-ratio and latency rates used by HighErrorRate and HighLatencyP95. */
export const RATE_WINDOW = "5m";

/** Label the operator sets from the Service of a ServiceMonitor target; PodMonitor targets have none. */
export const SERVICE_LABEL = "service";
/**
 * What HTTP alerts and SLO ratios are aggregated by unless told otherwise: labels every target the
 * operator scrapes has. A ServiceMonitor target's `job` is its Service's name (or its `jobLabel`),
 * a PodMonitor target's is `<namespace>/<podmonitor>`.
 */
export const DEFAULT_GROUP_BY: readonly string[] = ["namespace", "job"];
/**
 * Kept in every aggregation where series carry them, so an alert shows the Service it is about;
 * never required (a PodMonitor app's alert simply has no `service`), never a dashboard variable.
 */
export const CARRIED_LABELS: readonly string[] = [SERVICE_LABEL];
/**
 * Samples a rate window must hold at least: rate() needs two, and a window of 4 scrape intervals
 * survives a missed scrape or two (the rule of thumb behind Grafana's `$__rate_interval`).
 */
export const MIN_SCRAPES_PER_RATE_WINDOW = 4;
/** How long a target must be down before ScrapeTargetDown fires, unless set. */
export const DEFAULT_TARGET_DOWN_FOR = "5m";

/** Alert names, exported so Alertmanager routes/inhibitions and tests refer to the same strings. */
export const ALERTS = {
    highErrorRate: "HighErrorRate",
    highLatencyP95: "HighLatencyP95",
    // Not "TargetDown": kube-prometheus-stack ships an alert of that name (percentage of a job's
    // targets down); values.ts disables it so a dead target notifies once, through this rule.
    scrapeTargetDown: "ScrapeTargetDown",
    errorBudgetBurnFast: "ErrorBudgetBurnFast",
    errorBudgetBurnSlow: "ErrorBudgetBurnSlow",
} as const;
/** One of the alert names above. */
export type AlertName = (typeof ALERTS)[keyof typeof ALERTS];

/** Alerts on long-term metrics (Thanos), only when metrics.longTerm is enabled; names as in the Thanos mixin. */
export const THANOS_ALERTS = {
    compactHalted: "ThanosCompactHalted",
    sidecarBucketOperationsFailed: "ThanosSidecarBucketOperationsFailed",
} as const;
/** One of the Thanos alert names. */
export type ThanosAlertName = (typeof THANOS_ALERTS)[keyof typeof THANOS_ALERTS];

/**
 * Thanos series the alerts read, checked against Thanos v0.42.4: cmd/thanos/compact.go registers
 * `thanos_compact_halted` (1 once the Compactor halted on an error it will not retry), and the
 * sidecar wraps its bucket with objstore.WrapWithMetrics under the `thanos_` prefix
 * (cmd/thanos/sidecar.go), giving `thanos_objstore_bucket_operation_failures_total{operation}`.
 */
export const THANOS_METRICS = {
    compactHalted: "thanos_compact_halted",
    bucketOperationFailures: "thanos_objstore_bucket_operation_failures_total",
} as const;
/** Uid of the platform health dashboard (its Thanos row), which the Thanos alerts link to. */
export const PLATFORM_HEALTH_DASHBOARD_UID = "plg-platform-health";

/**
 * Multi-window, multi-burn-rate SLO alerts (Google SRE workbook, ch. 5): a burn rate of 14.4
 * spends 2% of a 30-day budget in 1 h (page); 6 spends 5% in 6 h (ticket). The short window
 * makes the alert stop soon after the errors stop.
 */
export const BURN_RATE_WINDOWS = {
    fast: { factor: 14.4, long: "1h", short: "5m", for: "2m", severity: "critical" },
    slow: { factor: 6, long: "6h", short: "30m", for: "15m", severity: "warning" },
} as const;

/** Every window an SLO error ratio is recorded for. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "6h"] as const;
/** One of the recorded SLO windows. */
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** Name of the recording rule holding the 5xx ratio over `window`, e.g. `slo:http_error_ratio:rate5m`. */
export function sloErrorRatioRecord(window: SloWindow): string {
    return `slo:http_error_ratio:rate${window}`;
}

/** Alert severities used by these rules (Alertmanager routes on them). */
export type Severity = "critical" | "warning";

/** Settings of the HTTP/SLO/target rules. */
export interface MetricsRulesInput {
    /** Name of the label carrying the HTTP status code on the request counter (default in config: `http_status`). */
    readonly httpStatusLabel: string;
    /** 5xx ratio above which HighErrorRate fires, in (0, 1), e.g. 0.05. */
    readonly errorRateThreshold: number;
    /** How long the ratio must stay above the threshold, a Prometheus duration, e.g. "1m". */
    readonly errorRateFor: string;
    /** p95 latency in seconds above which HighLatencyP95 fires. */
    readonly latencyP95ThresholdSeconds: number;
    /** How long p95 must stay above the threshold, e.g. "5m". */
    readonly latencyFor: string;
    /** Availability SLO as a ratio in (0, 1), e.g. 0.999; the error budget is 1 - objective. */
    readonly availabilityObjective: number;
    /** Base URL of the runbooks; each alert links to `<base>/<alertname in lower case>`. */
    readonly runbookBaseUrl: string;
    /**
     * Public Grafana URL (`https://<grafana.hostname>`): each alert links to its RED dashboard there.
     * Absent (Grafana reachable only by port-forward), alerts carry no dashboard link: a relative
     * one opens nowhere from Slack or PagerDuty.
     */
    readonly dashboardBaseUrl?: string;
    /**
     * Labels alerts and SLO ratios are aggregated by, e.g. DEFAULT_GROUP_BY; also the RED dashboard's
     * variables that alert links set. Every series must carry them, so never `service` (PodMonitor
     * targets have none; CARRIED_LABELS keeps it where present).
     */
    readonly groupBy: readonly string[];
    /**
     * Prometheus' scrape and rule evaluation interval (`metrics.scrapeInterval`): the promtool tests
     * sample and evaluate at this step, and every rate window must hold MIN_SCRAPES_PER_RATE_WINDOW of it.
     */
    readonly scrapeInterval: string;
    /** How long a scrape target must be down before ScrapeTargetDown fires (default 5m). */
    readonly targetDownFor?: string;
    /** Request counter name (default `http_requests_total`). */
    readonly requestsMetric?: string;
    /** Latency histogram base name without `_bucket` (default `http_request_latency_seconds`). */
    readonly latencyHistogram?: string;
    /**
     * Long-term metrics (metrics.longTerm.enabled): adds the Thanos alerts. `sidecarJob` is the `job`
     * label of the sidecars' series: kps' sidecar ServiceMonitor has no jobLabel, so it is the name of
     * the Service it selects (endpoints.ts thanos.sidecarDiscoveryService).
     */
    readonly thanos?: { readonly sidecarJob: string };
}

/** A recording rule. */
export interface RecordingRule {
    /** Name of the series written. */
    readonly record: string;
    /** PromQL expression. */
    readonly expr: string;
}

/** An alerting rule. */
export interface AlertingRule {
    /** Alert name. */
    readonly alert: string;
    /** PromQL expression; every result series is an alert. */
    readonly expr: string;
    /** How long the expression must hold before the alert fires. */
    readonly for?: string;
    /** Labels added to the alert (at least `severity`). */
    readonly labels: Readonly<Record<string, string>>;
    /** Annotations (Go templates): summary, description, runbook_url, dashboard. */
    readonly annotations: Readonly<Record<string, string>>;
}

/** A rule of either kind. */
export type Rule = RecordingRule | AlertingRule;

/** A rule group: rules evaluated in order, every evaluation interval. */
export interface RuleGroup {
    /** Group name, unique in the file. */
    readonly name: string;
    /** Rules, evaluated in order (recording rules before the alerts that read them). */
    readonly rules: readonly Rule[];
}

/** The promtool `check rules` / PrometheusRule `spec` format. */
export interface RuleFile {
    /** Rule groups. */
    readonly groups: readonly RuleGroup[];
}

/** How an alert's `$value` is shown in its description. */
export type ValueFormat = "percentage" | "duration" | "count" | "rate";

/**
 * An alert with its annotation text as a function of label and value renderings: rules.ts renders
 * it with Go template placeholders, rule-tests.ts with the concrete values promtool must produce.
 */
export interface AlertDefinition {
    /** Alert name. */
    readonly name: AlertName | ThanosAlertName;
    /** Severity label. */
    readonly severity: Severity;
    /** PromQL expression. */
    readonly expr: string;
    /** `for` duration. */
    readonly for: string;
    /** Labels the expression's result carries where the series have them (the aggregation labels). */
    readonly resultLabels: readonly string[];
    /** How `$value` is formatted in the description. */
    readonly valueFormat: ValueFormat;
    /** Annotations given a rendering of each label and of the value. */
    annotations(label: (name: string) => string, value: string): Record<string, string>;
}

function uniq(items: readonly string[]): string[] {
    return [...new Set(items)];
}

function checkRatio(value: number, what: string): void {
    if (!(value > 0 && value < 1)) throw new Error(`${what} must be between 0 and 1 (exclusive), got ${value}`);
}

/** Problems with the HTTP thresholds shared by the alert rules and the dashboards that chart them. */
export function httpThresholdProblems(
    input: Pick<MetricsRulesInput, "httpStatusLabel" | "errorRateThreshold" | "availabilityObjective" | "latencyP95ThresholdSeconds">,
): string[] {
    return collectProblems(
        () => assertLabelName(input.httpStatusLabel, "httpStatusLabel"),
        () => checkRatio(input.errorRateThreshold, "errorRateThreshold"),
        () => checkRatio(input.availabilityObjective, "availabilityObjective"),
        () => {
            if (!(input.latencyP95ThresholdSeconds > 0)) throw new Error(`latencyP95ThresholdSeconds must be > 0`);
        },
    );
}

/** Every range window the rules read: the alerts' rate window and the recorded SLO windows. */
export const RULE_RANGE_WINDOWS: readonly string[] = [RATE_WINDOW, ...SLO_WINDOWS];

/**
 * Why a scrape interval would make the rules meaningless, or undefined when it is fine: a rate
 * window must hold MIN_SCRAPES_PER_RATE_WINDOW scrapes, or rate() sees too few samples and the
 * alerts flap or never fire.
 */
export function scrapeIntervalProblem(scrapeInterval: string): string | undefined {
    let ms: number;
    try {
        ms = parseDuration(scrapeInterval);
    } catch {
        return `expected a Prometheus duration such as 30s, given ${JSON.stringify(scrapeInterval)}`;
    }
    const shortest = Math.min(...RULE_RANGE_WINDOWS.map(parseDuration));
    const max = Math.floor(shortest / MIN_SCRAPES_PER_RATE_WINDOW);
    if (ms < 1000) return `expected at least 1s, given ${JSON.stringify(scrapeInterval)}`;
    if (ms > max) {
        return `expected at most ${formatDuration(max)}, so the alert rules' shortest rate window (${formatDuration(shortest)}) holds ${MIN_SCRAPES_PER_RATE_WINDOW} scrapes; given ${JSON.stringify(scrapeInterval)}`;
    }
    return undefined;
}

/** Validated, defaulted settings shared by the rule and test builders. */
export interface ResolvedRulesInput {
    /** Status label name. */
    readonly statusLabel: string;
    /** Labels every series carries, aggregated by (alert links' dashboard variables). */
    readonly groupBy: readonly string[];
    /** What the expressions aggregate by: groupBy plus CARRIED_LABELS. */
    readonly aggregation: readonly string[];
    /** Scrape and evaluation interval, ms. */
    readonly stepMs: number;
    /** Request counter. */
    readonly requests: string;
    /** Histogram `_bucket` series name. */
    readonly latencyBuckets: string;
    /** Error budget (1 - objective). */
    readonly errorBudget: number;
    /** ScrapeTargetDown `for`. */
    readonly targetDownFor: string;
}

/** Validates the input and fills defaults; throws with every problem found. */
export function resolveRulesInput(input: MetricsRulesInput): ResolvedRulesInput {
    const durations = [
        ["errorRateFor", input.errorRateFor],
        ["latencyFor", input.latencyFor],
        ["targetDownFor", input.targetDownFor ?? DEFAULT_TARGET_DOWN_FOR],
    ] as const;
    const problems = [
        ...httpThresholdProblems(input),
        ...collectProblems(
            ...durations.map(([key, d]) => () => {
                try {
                    parseDuration(d);
                } catch {
                    throw new Error(`${key} "${d}" is not a Prometheus duration`);
                }
            }),
            () => {
                if (input.groupBy.length === 0) throw new Error("groupBy must name at least one label");
                input.groupBy.forEach((l) => assertLabelName(l, "groupBy entry"));
                if (input.groupBy.includes("le")) throw new Error(`groupBy must not contain "le"`);
                for (const l of CARRIED_LABELS) {
                    if (input.groupBy.includes(l)) {
                        throw new Error(`groupBy must not contain "${l}": PodMonitor targets have none (it is kept where present); group by job`);
                    }
                }
            },
            () => {
                const problem = scrapeIntervalProblem(input.scrapeInterval);
                if (problem) throw new Error(`scrapeInterval: ${problem}`);
            },
            () => assertMetricName(input.requestsMetric ?? DEFAULT_REQUESTS_METRIC, "requestsMetric"),
            () => assertMetricName(input.latencyHistogram ?? DEFAULT_LATENCY_HISTOGRAM, "latencyHistogram"),
        ),
    ];
    const budget = 1 - input.availabilityObjective;
    // A burn-rate threshold >= 100% errors can never be exceeded: the page would be dead code.
    if (BURN_RATE_WINDOWS.fast.factor * budget >= 1) {
        problems.push(
            `availabilityObjective ${input.availabilityObjective} is too low for a ${BURN_RATE_WINDOWS.fast.factor}x burn-rate alert (needs > ${formatNumber(1 - 1 / BURN_RATE_WINDOWS.fast.factor)})`,
        );
    }
    if (problems.length > 0) throw new Error(`invalid metrics rules input:\n  - ${problems.join("\n  - ")}`);
    return {
        statusLabel: input.httpStatusLabel,
        groupBy: uniq(input.groupBy),
        aggregation: uniq([...input.groupBy, ...CARRIED_LABELS]),
        stepMs: parseDuration(input.scrapeInterval),
        requests: input.requestsMetric ?? DEFAULT_REQUESTS_METRIC,
        latencyBuckets: `${input.latencyHistogram ?? DEFAULT_LATENCY_HISTOGRAM}_bucket`,
        errorBudget: budget,
        targetDownFor: input.targetDownFor ?? DEFAULT_TARGET_DOWN_FOR,
    };
}

/**
 * 5xx ratio over `window` per group. The `or 0 * ...` term makes a service with traffic but no
 * 5xx series yet read 0 instead of vanishing; `> 0` on the denominator drops groups with no
 * traffic, so 0/0 never produces a series (and never an alert).
 */
function errorRatioExpr(r: ResolvedRulesInput, window: string): string {
    const g = by(r.aggregation);
    const all = `sum ${g} (rate(${r.requests}[${window}]))`;
    const errors = `sum ${g} (rate(${r.requests}{${r.statusLabel}=~"5.."}[${window}]))`;
    return `(${errors} or 0 * ${all}) / (${all} > 0)`;
}

function joinUrl(base: string, path: string): string {
    return `${base.replace(/\/+$/, "")}/${path}`;
}

/** The alerts, with annotation text parametrised over label/value rendering. */
export function alertDefinitions(input: MetricsRulesInput): AlertDefinition[] {
    const r = resolveRulesInput(input);
    const where = (label: (n: string) => string): string => r.groupBy.map(label).join("/");
    const common = (name: AlertName, label: (n: string) => string): Record<string, string> => {
        const vars = r.groupBy.map((l) => `var-${l}=${label(l)}`).join("&");
        return {
            runbook_url: joinUrl(input.runbookBaseUrl, name.toLowerCase()),
            ...(input.dashboardBaseUrl ? { dashboard: joinUrl(input.dashboardBaseUrl, `d/${RED_DASHBOARD_UID}?${vars}`) } : {}),
        };
    };
    const fast = BURN_RATE_WINDOWS.fast;
    const slow = BURN_RATE_WINDOWS.slow;
    const budgetText = formatNumber(r.errorBudget);
    const burnExpr = (w: typeof fast | typeof slow): string =>
        `${sloErrorRatioRecord(w.long)} > (${w.factor} * ${budgetText}) and ${sloErrorRatioRecord(w.short)} > (${w.factor} * ${budgetText})`;
    const objective = formatPercent(input.availabilityObjective);
    const targetLabels = uniq([...r.groupBy, "job", ...CARRIED_LABELS]);

    return [
        {
            name: ALERTS.highErrorRate,
            severity: "critical",
            expr: `${errorRatioExpr(r, RATE_WINDOW)} > ${formatNumber(input.errorRateThreshold)}`,
            for: input.errorRateFor,
            resultLabels: r.aggregation,
            valueFormat: "percentage",
            annotations: (label, value) => ({
                summary: `High HTTP 5xx ratio on ${where(label)}`,
                description: `${value} of requests to ${where(label)} returned 5xx over the last ${RATE_WINDOW} (threshold ${formatPercent(input.errorRateThreshold)}, label ${r.statusLabel}).`,
                ...common(ALERTS.highErrorRate, label),
            }),
        },
        {
            name: ALERTS.highLatencyP95,
            severity: "warning",
            // histogram_quantile over zero-rate buckets is NaN, and NaN > x is false: no traffic, no alert.
            expr: `histogram_quantile(0.95, sum ${by([...r.aggregation, "le"])} (rate(${r.latencyBuckets}[${RATE_WINDOW}]))) > ${formatNumber(input.latencyP95ThresholdSeconds)}`,
            for: input.latencyFor,
            resultLabels: r.aggregation,
            valueFormat: "duration",
            annotations: (label, value) => ({
                summary: `High p95 latency on ${where(label)}`,
                description: `p95 latency of ${where(label)} is ${value} over the last ${RATE_WINDOW} (threshold ${formatNumber(input.latencyP95ThresholdSeconds)}s).`,
                ...common(ALERTS.highLatencyP95, label),
            }),
        },
        {
            name: ALERTS.scrapeTargetDown,
            severity: "warning",
            expr: `count ${by(targetLabels)} (up == 0)`,
            for: r.targetDownFor,
            resultLabels: targetLabels,
            valueFormat: "count",
            annotations: (label, value) => ({
                summary: `Scrape target of job ${label("job")} is down`,
                description: `${value} target(s) of job ${label("job")} (${where(label)}) cannot be scraped.`,
                ...common(ALERTS.scrapeTargetDown, label),
            }),
        },
        {
            name: ALERTS.errorBudgetBurnFast,
            severity: fast.severity,
            expr: burnExpr(fast),
            for: fast.for,
            resultLabels: r.aggregation,
            valueFormat: "percentage",
            annotations: (label, value) => ({
                summary: `${where(label)} is burning its error budget fast`,
                description: `${where(label)}: 5xx ratio ${value} over ${fast.long} (and over ${fast.short}) is above ${fast.factor}x the ${objective} SLO budget; 2% of a 30-day budget goes per hour.`,
                ...common(ALERTS.errorBudgetBurnFast, label),
            }),
        },
        {
            name: ALERTS.errorBudgetBurnSlow,
            severity: slow.severity,
            expr: burnExpr(slow),
            for: slow.for,
            resultLabels: r.aggregation,
            valueFormat: "percentage",
            annotations: (label, value) => ({
                summary: `${where(label)} is burning its error budget`,
                description: `${where(label)}: 5xx ratio ${value} over ${slow.long} (and over ${slow.short}) is above ${slow.factor}x the ${objective} SLO budget.`,
                ...common(ALERTS.errorBudgetBurnSlow, label),
            }),
        },
    ];
}

/**
 * The Thanos alerts (only with input.thanos). A halted Compactor stops compaction, downsampling and
 * retention until restarted; failing sidecar uploads leave blocks only on Prometheus's volume. Both
 * warn rather than page: queries keep working (the sidecars serve local data) and local retention
 * gives days to act. They link to the platform health dashboard's Thanos row.
 */
export function thanosAlertDefinitions(input: MetricsRulesInput): AlertDefinition[] {
    const t = input.thanos;
    if (t === undefined) return [];
    const common = (name: ThanosAlertName): Record<string, string> => ({
        runbook_url: joinUrl(input.runbookBaseUrl, name.toLowerCase()),
        ...(input.dashboardBaseUrl ? { dashboard: joinUrl(input.dashboardBaseUrl, `d/${PLATFORM_HEALTH_DASHBOARD_UID}`) } : {}),
    });
    const sidecarLabels = ["namespace", "job", "pod", "operation"];
    return [
        {
            name: THANOS_ALERTS.compactHalted,
            severity: "warning",
            // Only the Compactor exports it.
            expr: `max ${by(["namespace", "job"])} (${THANOS_METRICS.compactHalted}) == 1`,
            for: "5m",
            resultLabels: ["namespace", "job"],
            valueFormat: "count",
            annotations: (label, value) => ({
                summary: `Thanos Compactor ${label("namespace")}/${label("job")} has halted`,
                description: `The Compactor ${label("namespace")}/${label("job")} stopped on an error it does not retry (${THANOS_METRICS.compactHalted} = ${value}): no compaction, downsampling or retention on the metrics bucket until the cause (in its logs) is fixed and the pod restarted.`,
                ...common(THANOS_ALERTS.compactHalted),
            }),
        },
        {
            name: THANOS_ALERTS.sidecarBucketOperationsFailed,
            severity: "warning",
            expr: `sum ${by(sidecarLabels)} (rate(${THANOS_METRICS.bucketOperationFailures}{job="${t.sidecarJob}"}[${RATE_WINDOW}])) > 0`,
            for: "5m",
            resultLabels: sidecarLabels,
            valueFormat: "rate",
            annotations: (label, value) => ({
                summary: `Thanos sidecar of ${label("namespace")}/${label("pod")} fails ${label("operation")} operations on the metrics bucket`,
                description: `${value} failed ${label("operation")} operations per second against the metrics bucket from the Thanos sidecar of ${label("namespace")}/${label("pod")} over the last ${RATE_WINDOW}: blocks that are not uploaded stay only on this replica's volume.`,
                ...common(THANOS_ALERTS.sidecarBucketOperationsFailed),
            }),
        },
    ];
}

const VALUE_TEMPLATE: Record<ValueFormat, string> = {
    percentage: "{{ $value | humanizePercentage }}",
    duration: "{{ $value | humanizeDuration }}",
    count: "{{ $value }}",
    rate: "{{ $value | humanize }}",
};

function toAlertingRule(d: AlertDefinition): AlertingRule {
    return {
        alert: d.name,
        expr: d.expr,
        for: d.for,
        labels: { severity: d.severity },
        annotations: d.annotations((l) => `{{ $labels.${l} }}`, VALUE_TEMPLATE[d.valueFormat]),
    };
}

/** Rule group names. */
export const RULE_GROUPS = {
    http: "plg-http",
    slo: "plg-http-slo",
    targets: "plg-targets",
    thanos: "plg-thanos",
} as const;

/**
 * Builds every rule group. SLO recording rules and the burn-rate alerts share a group so the
 * alerts read ratios recorded in the same evaluation (rules in a group run in order).
 */
export function buildPrometheusRules(input: MetricsRulesInput): RuleFile {
    const r = resolveRulesInput(input);
    const defs = alertDefinitions(input);
    const pick = (...names: (AlertName | ThanosAlertName)[]): AlertingRule[] =>
        defs.filter((d) => names.includes(d.name)).map(toAlertingRule);
    const recording: RecordingRule[] = SLO_WINDOWS.map((w) => ({
        record: sloErrorRatioRecord(w),
        expr: errorRatioExpr(r, w),
    }));
    return {
        groups: [
            { name: RULE_GROUPS.http, rules: pick(ALERTS.highErrorRate, ALERTS.highLatencyP95) },
            {
                name: RULE_GROUPS.slo,
                rules: [...recording, ...pick(ALERTS.errorBudgetBurnFast, ALERTS.errorBudgetBurnSlow)],
            },
            { name: RULE_GROUPS.targets, rules: pick(ALERTS.scrapeTargetDown) },
            ...(input.thanos ? [{ name: RULE_GROUPS.thanos, rules: thanosAlertDefinitions(input).map(toAlertingRule) }] : []),
        ],
    };
}
