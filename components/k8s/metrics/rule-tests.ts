/**
 * promtool unit tests (`promtool test rules`) for the rules of rules.ts.
 *
 * Synthetic series are derived from the same settings as the rules (thresholds, `for`, the
 * status label, the SLO objective), so changing a threshold keeps every test meaningful: each
 * alert gets a case that fires exactly when it should (silent one evaluation earlier, firing with
 * the exact labels and annotation text) and a healthy case that stays silent. Samples come every
 * scrape interval and rules are evaluated at the same step, as Prometheus is configured.
 *
 * Every firing case runs twice: on series shaped as the operator labels a ServiceMonitor target
 * (`service`, `endpoint`, `job` = the Service) and as it labels a PodMonitor target (no `service`,
 * `job` = `<namespace>/<podmonitor>`), so the alerts work whichever way an application is scraped.
 */
import {
    ALERTS,
    BURN_RATE_WINDOWS,
    THANOS_METRICS,
    alertDefinitions,
    resolveRulesInput,
    thanosAlertDefinitions,
    sloErrorRatioRecord,
    type AlertDefinition,
    type AlertName,
    type MetricsRulesInput,
    type ThanosAlertName,
    type ResolvedRulesInput,
    type ValueFormat,
} from "./rules";
import { formatDuration, formatNumber, goFormatG, humanizeDuration, humanizePercentage, parseDuration } from "./promql";

/** One input series in promtool's expanding notation. */
export interface PromtoolSeries {
    /** Series selector with labels, e.g. `up{job="x"}`. */
    readonly series: string;
    /** Values, e.g. `0+60x20` (start, increment per interval, repetitions). */
    readonly values: string;
}

/** One expected firing alert. */
export interface PromtoolExpectedAlert {
    /** Labels of the alert (promtool adds `alertname`). */
    readonly exp_labels: Readonly<Record<string, string>>;
    /** Annotations after template expansion. */
    readonly exp_annotations: Readonly<Record<string, string>>;
}

/** Expectation about one alert name at one evaluation time. */
export interface PromtoolAlertRuleTest {
    /** Time since the start of the series, e.g. "3m". */
    readonly eval_time: string;
    /** Alert under test. */
    readonly alertname: string;
    /** Every alert of that name firing at eval_time ([] = silent). */
    readonly exp_alerts: readonly PromtoolExpectedAlert[];
}

/** One expected sample of a PromQL expression. */
export interface PromtoolExpectedSample {
    /** Series labels in selector form, e.g. `{namespace="a"}`. */
    readonly labels: string;
    /** Sample value. */
    readonly value: number;
}

/** Expectation about a PromQL expression at one evaluation time. */
export interface PromtoolExprTest {
    /** Expression evaluated against input series and recorded rules. */
    readonly expr: string;
    /** Time since the start of the series. */
    readonly eval_time: string;
    /** Every expected result sample. */
    readonly exp_samples: readonly PromtoolExpectedSample[];
}

/** A promtool test group: its own series and expectations. */
export interface PromtoolTestGroup {
    /** Human-readable name shown by promtool on failure. */
    readonly name: string;
    /** Spacing of input samples. */
    readonly interval: string;
    /** Input series. */
    readonly input_series: readonly PromtoolSeries[];
    /** Alert expectations. */
    readonly alert_rule_test?: readonly PromtoolAlertRuleTest[];
    /** Expression expectations. */
    readonly promql_expr_test?: readonly PromtoolExprTest[];
}

/** The `promtool test rules` file format. */
export interface PromtoolTestFile {
    /** Rule files under test, relative to the test file. */
    readonly rule_files: readonly string[];
    /** Rule evaluation interval. */
    readonly evaluation_interval: string;
    /** Test groups. */
    readonly tests: readonly PromtoolTestGroup[];
}

/** Requests per step in ratio tests: error ratios are k/1000, exact enough for humanized text. */
const REQUESTS_PER_STEP = 1000;
/** Observations per step in latency tests. */
const OBSERVATIONS_PER_STEP = 100;

/** How the operator labels a scraped target (prometheus-operator's ServiceMonitor and PodMonitor relabelling). */
export type TargetShape = "ServiceMonitor" | "PodMonitor";
export const TARGET_SHAPES: readonly TargetShape[] = ["ServiceMonitor", "PodMonitor"];

/**
 * Target labels of one application pod scraped through `shape`, plus a value for every other
 * aggregation label (e.g. `cluster-a`) so a custom groupBy is exercised too.
 */
export function targetLabels(shape: TargetShape, groupBy: readonly string[], app = "checkout"): Record<string, string> {
    const namespace = "shop";
    const pod = `${app}-7d9f8b6c5-x2x4q`;
    const own: Record<string, string> =
        shape === "ServiceMonitor"
            ? { namespace, service: app, endpoint: "http", job: app, pod, container: app }
            : { namespace, job: `${namespace}/${app}`, pod, container: app };
    const out: Record<string, string> = { ...own };
    for (const l of groupBy) out[l] ??= `${l}-a`;
    return out;
}

function selector(metric: string, labels: Record<string, string>): string {
    const body = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ");
    return `${metric}{${body}}`;
}

/** `count` samples growing by `perStep`, as promtool notation. */
function counter(perStep: number, steps: number, start = 0): string {
    return `${start}+${perStep}x${steps}`;
}

function renderValue(format: ValueFormat, v: number): string {
    switch (format) {
        case "percentage":
            return humanizePercentage(v);
        case "duration":
            return humanizeDuration(v);
        case "count":
            return formatNumber(v);
        case "rate":
            // Prometheus' humanize for 1 <= |v| < 1000 (the values these tests produce).
            return goFormatG(v);
    }
}

interface Ctx {
    readonly r: ResolvedRulesInput;
    readonly defs: ReadonlyMap<AlertName | ThanosAlertName, AlertDefinition>;
    /** Labels of the application's series (one target shape). */
    readonly target: Record<string, string>;
    /** Shape of `target`, for test names. */
    readonly shape: TargetShape;
    /** Sample spacing and evaluation interval, ms and as a duration. */
    readonly stepMs: number;
    readonly step: string;
}

function def(ctx: Ctx, name: AlertName): AlertDefinition {
    const d = ctx.defs.get(name);
    if (!d) throw new Error(`no alert ${name}`);
    return d;
}

/** The labels an alert carries for `target`: its aggregation labels the series have, and its severity. */
function resultLabelsOf(d: AlertDefinition, target: Record<string, string>): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const l of d.resultLabels) if (target[l] !== undefined) labels[l] = target[l];
    return labels;
}

function expectedAlert(ctx: Ctx, d: AlertDefinition, value: number): PromtoolExpectedAlert {
    return {
        exp_labels: { ...resultLabelsOf(d, ctx.target), severity: d.severity },
        exp_annotations: d.annotations((l) => ctx.target[l] ?? "", renderValue(d.valueFormat, value)),
    };
}

/**
 * When the alert fires if its expression holds from `firstTrueMs` on: rules run every step, and a
 * pending alert fires at the first evaluation at least `for` after it became active.
 */
function fireTimeMs(ctx: Ctx, d: AlertDefinition, firstTrueMs: number): number {
    return firstTrueMs + Math.ceil(parseDuration(d.for) / ctx.stepMs) * ctx.stepMs;
}

/** Silent one evaluation before the fire time (when `for` > 0), firing at it. */
function firesOnTime(ctx: Ctx, d: AlertDefinition, firstTrueMs: number, value: number): PromtoolAlertRuleTest[] {
    const at = fireTimeMs(ctx, d, firstTrueMs);
    const tests: PromtoolAlertRuleTest[] = [];
    if (at - ctx.stepMs >= firstTrueMs && parseDuration(d.for) > 0) {
        tests.push({ eval_time: formatDuration(at - ctx.stepMs), alertname: d.name, exp_alerts: [] });
    }
    tests.push({ eval_time: formatDuration(at), alertname: d.name, exp_alerts: [expectedAlert(ctx, d, value)] });
    return tests;
}

function silentAt(d: AlertDefinition, atMs: number): PromtoolAlertRuleTest[] {
    return [{ eval_time: formatDuration(atMs), alertname: d.name, exp_alerts: [] }];
}

/** Two request counters (5xx and 2xx) whose 5xx share is errors/REQUESTS_PER_STEP per step. */
function requestSeries(
    ctx: Ctx,
    statusLabel: string,
    phases: readonly { readonly errors: number; readonly steps: number }[],
): PromtoolSeries[] {
    const labels = ctx.target;
    const build = (perStep: (errors: number) => number): string => {
        let value = 0;
        const parts: string[] = [];
        phases.forEach((p, i) => {
            const inc = perStep(p.errors);
            // The first phase starts at sample 0; later phases continue one step after the last value.
            const start = i === 0 ? 0 : value + inc;
            const reps = i === 0 ? p.steps : p.steps - 1;
            parts.push(counter(inc, reps, start));
            value = start + inc * reps;
        });
        return parts.join(" ");
    };
    return [
        { series: selector(ctx.r.requests, { ...labels, [statusLabel]: "500" }), values: build((e) => e) },
        {
            series: selector(ctx.r.requests, { ...labels, [statusLabel]: "200" }),
            values: build((e) => REQUESTS_PER_STEP - e),
        },
    ];
}

/** Errors per step that put the ratio clearly above `threshold` (capped at 100%). */
function errorsAbove(threshold: number): number {
    return Math.min(REQUESTS_PER_STEP, Math.ceil(2 * threshold * REQUESTS_PER_STEP));
}

/** Errors per step that keep the ratio clearly below `threshold`. */
function errorsBelow(threshold: number): number {
    return Math.floor((threshold * REQUESTS_PER_STEP) / 2);
}

/** Sample count covering `untilMs` and a few more evaluations. */
function stepsFor(ctx: Ctx, untilMs: number): number {
    return Math.ceil(untilMs / ctx.stepMs) + 5;
}

/** Steps spanning a range window (rounded up, so the window is covered whatever the step). */
function stepsIn(ctx: Ctx, window: string): number {
    return Math.ceil(parseDuration(window) / ctx.stepMs);
}

function highErrorRateTests(ctx: Ctx, input: MetricsRulesInput): PromtoolTestGroup[] {
    const d = def(ctx, ALERTS.highErrorRate);
    const at = fireTimeMs(ctx, d, ctx.stepMs); // rate() needs two samples: first value at one step
    const steps = stepsFor(ctx, at);
    const bad = errorsAbove(input.errorRateThreshold);
    const ok = errorsBelow(input.errorRateThreshold);
    // The guide's trap: the same failing traffic, labelled with a different status label name.
    const otherLabel = ctx.r.statusLabel === "status" ? "code" : "status";
    return [
        {
            name: `${d.name} fires on a 5xx ratio of ${humanizePercentage(bad / REQUESTS_PER_STEP)} labelled ${ctx.r.statusLabel} (${ctx.shape} target)`,
            interval: ctx.step,
            input_series: requestSeries(ctx, ctx.r.statusLabel, [{ errors: bad, steps }]),
            alert_rule_test: firesOnTime(ctx, d, ctx.stepMs, bad / REQUESTS_PER_STEP),
        },
        {
            name: `${d.name} stays silent on a 5xx ratio of ${humanizePercentage(ok / REQUESTS_PER_STEP)} (${ctx.shape} target)`,
            interval: ctx.step,
            input_series: requestSeries(ctx, ctx.r.statusLabel, [{ errors: ok, steps }]),
            alert_rule_test: silentAt(d, at),
        },
        {
            name: `${d.name} ignores status codes in a "${otherLabel}" label (only ${ctx.r.statusLabel} counts; ${ctx.shape} target)`,
            interval: ctx.step,
            input_series: requestSeries(ctx, otherLabel, [{ errors: bad, steps }]),
            alert_rule_test: silentAt(d, at),
        },
    ];
}

/**
 * A failing PodMonitor app beside a healthy ServiceMonitor app in the same namespace: one alert,
 * for the failing one (the aggregation keeps the two apart).
 */
function mixedTargetsTest(base: Omit<Ctx, "target" | "shape">, input: MetricsRulesInput): PromtoolTestGroup {
    const failing: Ctx = { ...base, shape: "PodMonitor", target: targetLabels("PodMonitor", base.r.groupBy) };
    const healthy: Ctx = { ...base, shape: "ServiceMonitor", target: targetLabels("ServiceMonitor", base.r.groupBy, "cart") };
    const d = def(failing, ALERTS.highErrorRate);
    const at = fireTimeMs(failing, d, failing.stepMs);
    const steps = stepsFor(failing, at);
    const bad = errorsAbove(input.errorRateThreshold);
    return {
        name: `${d.name} fires for the failing PodMonitor app only, not for a healthy ServiceMonitor app beside it`,
        interval: base.step,
        input_series: [
            ...requestSeries(failing, failing.r.statusLabel, [{ errors: bad, steps }]),
            ...requestSeries(healthy, healthy.r.statusLabel, [{ errors: 0, steps }]),
        ],
        alert_rule_test: [{ eval_time: formatDuration(at), alertname: d.name, exp_alerts: [expectedAlert(failing, d, bad / REQUESTS_PER_STEP)] }],
    };
}

function latencyTests(ctx: Ctx, input: MetricsRulesInput): PromtoolTestGroup[] {
    const d = def(ctx, ALERTS.highLatencyP95);
    const t = input.latencyP95ThresholdSeconds;
    const bounds = [t / 2, t, 2 * t, 4 * t];
    const at = fireTimeMs(ctx, d, ctx.stepMs);
    const steps = stepsFor(ctx, at);
    const labels = ctx.target;
    // Every observation lands in the bucket whose upper bound is bounds[bucket].
    const histogram = (bucket: number): PromtoolSeries[] =>
        [...bounds.map(formatNumber), "+Inf"].map((le, i) => ({
            series: selector(ctx.r.latencyBuckets, { ...labels, le }),
            values: counter(i >= bucket ? OBSERVATIONS_PER_STEP : 0, steps),
        }));
    // All in (2t, 4t]: histogram_quantile interpolates linearly, p95 = 2t + 0.95 * 2t.
    const slowP95 = 2 * t + 0.95 * (4 * t - 2 * t);
    return [
        {
            name: `${d.name} fires when p95 is ${humanizeDuration(slowP95)} (${ctx.shape} target)`,
            interval: ctx.step,
            input_series: histogram(3),
            alert_rule_test: firesOnTime(ctx, d, ctx.stepMs, slowP95),
        },
        {
            name: `${d.name} stays silent when every request is under ${formatNumber(t / 2)}s (${ctx.shape} target)`,
            interval: ctx.step,
            input_series: histogram(0),
            alert_rule_test: silentAt(d, at),
        },
    ];
}

function targetDownTests(ctx: Ctx): PromtoolTestGroup[] {
    const d = def(ctx, ALERTS.scrapeTargetDown);
    const at = fireTimeMs(ctx, d, 0); // no rate(): true from the first sample
    const steps = stepsFor(ctx, at);
    const up = (value: number): PromtoolSeries[] => [
        { series: selector("up", { ...ctx.target, instance: "10.0.0.1:8080" }), values: `${value}x${steps}` },
        // A healthy second target of the same job: one dead target is enough to alert.
        { series: selector("up", { ...ctx.target, pod: "checkout-second", instance: "10.0.0.2:8080" }), values: `1x${steps}` },
    ];
    return [
        {
            name: `${d.name} fires when a target has been down for ${d.for} (${ctx.shape} target)`,
            interval: ctx.step,
            input_series: up(0),
            alert_rule_test: firesOnTime(ctx, d, 0, 1),
        },
        { name: `${d.name} stays silent when targets are up (${ctx.shape} target)`, interval: ctx.step, input_series: up(1), alert_rule_test: silentAt(d, at) },
    ];
}

function burnTests(ctx: Ctx): PromtoolTestGroup[] {
    const out: PromtoolTestGroup[] = [];
    const budget = ctx.r.errorBudget;
    for (const [name, w] of [
        [ALERTS.errorBudgetBurnFast, BURN_RATE_WINDOWS.fast],
        [ALERTS.errorBudgetBurnSlow, BURN_RATE_WINDOWS.slow],
    ] as const) {
        const d = def(ctx, name);
        const threshold = w.factor * budget;
        const at = fireTimeMs(ctx, d, ctx.stepMs);
        const steps = stepsFor(ctx, at);
        const bad = errorsAbove(threshold);
        const ok = errorsBelow(threshold);
        out.push(
            {
                name: `${name} fires on a ${humanizePercentage(bad / REQUESTS_PER_STEP)} 5xx ratio (budget ${formatNumber(budget)} x ${w.factor}; ${ctx.shape} target)`,
                interval: ctx.step,
                input_series: requestSeries(ctx, ctx.r.statusLabel, [{ errors: bad, steps }]),
                alert_rule_test: firesOnTime(ctx, d, ctx.stepMs, bad / REQUESTS_PER_STEP),
            },
            {
                name: `${name} stays silent on a ${humanizePercentage(ok / REQUESTS_PER_STEP)} 5xx ratio (${ctx.shape} target)`,
                interval: ctx.step,
                input_series: requestSeries(ctx, ctx.r.statusLabel, [{ errors: ok, steps }]),
                alert_rule_test: silentAt(d, at),
            },
        );
        // After the errors stop, the short window clears the alert although the long one is still high.
        const longSteps = stepsIn(ctx, w.long);
        // One step more than the short window, so that window sees a flat error counter.
        const recovery = stepsIn(ctx, w.short) + 1;
        const recoveredAt = (longSteps + recovery) * ctx.stepMs;
        const groupSelector = selector("", resultLabelsOf(d, ctx.target));
        out.push({
            name: `${name} clears once the ${w.short} window recovers, while the ${w.long} window is still above ${formatNumber(threshold)} (${ctx.shape} target)`,
            interval: ctx.step,
            input_series: requestSeries(ctx, ctx.r.statusLabel, [
                { errors: bad, steps: longSteps },
                { errors: 0, steps: recovery },
            ]),
            alert_rule_test: silentAt(d, recoveredAt),
            promql_expr_test: [
                {
                    expr: `${sloErrorRatioRecord(w.long)} > bool (${w.factor} * ${formatNumber(budget)})`,
                    eval_time: formatDuration(recoveredAt),
                    exp_samples: [{ labels: groupSelector, value: 1 }],
                },
            ],
        });
    }
    return out;
}

/**
 * The Thanos alerts (only with input.thanos): a halted Compactor and failing sidecar uploads fire,
 * healthy ones stay silent, and bucket failures of another job (the Store Gateway) do not page as
 * the sidecar's. Series are labelled as the rendered ServiceMonitors label them.
 */
function thanosTests(base: Omit<Ctx, "target" | "shape">, input: MetricsRulesInput): PromtoolTestGroup[] {
    const sidecarJob = input.thanos?.sidecarJob;
    if (sidecarJob === undefined) return [];
    const [halted, failing] = thanosAlertDefinitions(input);
    if (!halted || !failing) throw new Error("expected the two Thanos alerts");
    const compactor = { namespace: "monitoring", job: "thanos-compact", pod: "thanos-compact-0", instance: "10.0.2.7:10902" };
    const sidecar = { namespace: "monitoring", job: sidecarJob, pod: "prometheus-kps-prometheus-0", instance: "10.0.1.5:10902", bucket: "plg-metrics", operation: "upload" };
    const haltedCtx: Ctx = { ...base, shape: "ServiceMonitor", target: compactor };
    const sidecarCtx: Ctx = { ...base, shape: "ServiceMonitor", target: sidecar };
    const haltedAt = fireTimeMs(haltedCtx, halted, 0);
    const failingAt = fireTimeMs(sidecarCtx, failing, base.stepMs);
    const steps = Math.ceil(Math.max(haltedAt, failingAt) / base.stepMs) + 5;
    // One failure per second: the rate is exactly 1 whatever the scrape interval.
    const perStep = base.stepMs / 1000;
    const failures = (labels: Record<string, string>, inc: number): PromtoolSeries => ({ series: selector(THANOS_METRICS.bucketOperationFailures, labels), values: counter(inc, steps) });
    return [
        {
            name: `${halted.name} fires when the Compactor has halted for ${halted.for}`,
            interval: base.step,
            input_series: [{ series: selector(THANOS_METRICS.compactHalted, compactor), values: `1x${steps}` }],
            alert_rule_test: firesOnTime(haltedCtx, halted, 0, 1),
        },
        {
            name: `${halted.name} stays silent while the Compactor runs`,
            interval: base.step,
            input_series: [{ series: selector(THANOS_METRICS.compactHalted, compactor), values: `0x${steps}` }],
            alert_rule_test: silentAt(halted, haltedAt),
        },
        {
            name: `${failing.name} fires when the sidecar (job ${sidecarJob}) fails uploads`,
            interval: base.step,
            input_series: [failures(sidecar, perStep)],
            alert_rule_test: firesOnTime(sidecarCtx, failing, base.stepMs, 1),
        },
        {
            name: `${failing.name} stays silent when uploads succeed, and ignores another job's bucket failures`,
            interval: base.step,
            input_series: [failures(sidecar, 0), failures({ ...sidecar, job: "thanos-store-gateway", pod: "thanos-store-gateway-0", operation: "get_range" }, perStep)],
            alert_rule_test: silentAt(failing, failingAt),
        },
    ];
}

/**
 * Builds the promtool test file for the rules `buildPrometheusRules(input)` writes to
 * `ruleFileName` (path relative to the test file).
 */
export function buildPrometheusRuleTests(input: MetricsRulesInput, ruleFileName: string): PromtoolTestFile {
    const r = resolveRulesInput(input);
    const defs = new Map(alertDefinitions(input).map((d) => [d.name, d] as const));
    const base = { r, defs, stepMs: r.stepMs, step: formatDuration(r.stepMs) };
    const perShape = TARGET_SHAPES.flatMap((shape) => {
        const ctx: Ctx = { ...base, shape, target: targetLabels(shape, r.groupBy) };
        return [...highErrorRateTests(ctx, input), ...latencyTests(ctx, input), ...targetDownTests(ctx), ...burnTests(ctx)];
    });
    return {
        rule_files: [ruleFileName],
        // As Prometheus runs them: evaluationInterval = scrapeInterval (values.ts).
        evaluation_interval: base.step,
        tests: [...perShape, mixedTargetsTest(base, input), ...thanosTests(base, input)],
    };
}
