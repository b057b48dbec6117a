/**
 * Pure builder for the Loki ruler's LogQL alert rules (Prometheus rule-file format).
 * Stream selectors use only indexed stream labels (labels.ts LOG_STREAM_LABELS): a selector on a
 * label Alloy never sets would match nothing and the alert could never fire.
 */
import { stringify } from "yaml";
import { CLUSTER_LABEL, type LogStreamLabel, LOG_LEVEL_LABEL } from "../../labels";

/** One alerting rule. */
export interface LokiAlertRule {
    /** Alert name (CamelCase). */
    readonly alert: string;
    /** LogQL metric expression; the alert fires for each series it returns. */
    readonly expr: string;
    /** How long the condition must hold before firing (Prometheus duration). */
    readonly for: string;
    /** Labels added to the alert; `severity` drives Alertmanager routing. */
    readonly labels: { readonly severity: string } & Readonly<Record<string, string>>;
    /** Human text; runbook_url links to what to do. */
    readonly annotations: {
        /** One-line summary (templated with $labels). */
        readonly summary: string;
        /** Longer description (templated with $labels / $value). */
        readonly description: string;
        /** Link to the runbook section for this alert. */
        readonly runbook_url: string;
    };
}

/** A named group of rules evaluated together. */
export interface RuleGroup {
    /** Group name, unique within the tenant. */
    readonly name: string;
    /** Rules of the group. */
    readonly rules: readonly LokiAlertRule[];
}

/** A rule file as `promtool check rules` / the Loki ruler read it. */
export interface RuleFile {
    /** Rule groups. */
    readonly groups: readonly RuleGroup[];
}

/** "More than N authentication-failure lines in a window" per namespace/app. */
export interface AuthFailureThresholds {
    /** Fire when the count in `window` is strictly greater than this (guide: 10). */
    readonly count: number;
    /** Counting window, LogQL duration (guide: 1m). */
    readonly window: string;
    /** `for` duration. */
    readonly for: string;
    /** Alert severity label. */
    readonly severity: string;
}

/** Error-log rate spike: above an absolute floor AND a multiple of the same window `offset` ago. */
export interface ErrorSpikeThresholds {
    /** Minimum error lines per second (per namespace/app) before the alert can fire. */
    readonly minRatePerSecond: number;
    /** Fire when the current rate exceeds `factor` times the baseline rate. */
    readonly factor: number;
    /** Rate window, LogQL duration. */
    readonly window: string;
    /** How far back the baseline is taken (LogQL `offset`). */
    readonly baselineOffset: string;
    /** `for` duration. */
    readonly for: string;
    /** Alert severity label. */
    readonly severity: string;
}

export interface LokiRulesInput {
    /** Base URL of the runbook; each alert links to `<base>/<alert name lowercased>`. */
    readonly runbookBaseUrl: string;
    /** Authentication-failure alert thresholds. */
    readonly authFailures: AuthFailureThresholds;
    /** Error-rate spike alert thresholds. */
    readonly errorSpike: ErrorSpikeThresholds;
    /** Restrict both alerts to these namespaces; default every namespace. */
    readonly namespaces?: readonly string[];
}

/** Sensible defaults (the guide's 10 lines/min); config profiles may override each field. */
export const DEFAULT_LOKI_RULE_THRESHOLDS: Pick<LokiRulesInput, "authFailures" | "errorSpike"> = {
    authFailures: { count: 10, window: "1m", for: "0m", severity: "warning" },
    errorSpike: { minRatePerSecond: 1, factor: 3, window: "5m", baselineOffset: "1h", for: "10m", severity: "warning" },
};

/** Line filter for authentication failures (case-insensitive, RE2). */
export const AUTH_FAILURE_PATTERN = "(?i)(authentication fail|auth fail|login fail|invalid credentials)";
/** Values of the `level` stream label that count as errors (Alloy lowercases levels). */
export const ERROR_LEVELS = ["error", "fatal", "critical", "panic"] as const;
/** File name of the platform's rule file inside the tenant's rules directory. */
export const LOKI_RULE_FILE_NAME = "platform-log-alerts.yaml";

/** Alerts aggregate per workload; all are indexed stream labels. */
const GROUP_BY: readonly LogStreamLabel[] = [CLUSTER_LABEL, "namespace", "app"];

const DURATION_RE = /^(\d+(ms|s|m|h|d|w|y))+$/;
const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function duration(name: string, d: string): string {
    if (!DURATION_RE.test(d)) throw new Error(`${name} must be a duration like 5m, got ${JSON.stringify(d)}`);
    return d;
}

function nonNegative(name: string, n: number): number {
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got ${n}`);
    return n;
}

/** A LogQL double-quoted string literal (Go unquote accepts JSON escapes). */
function str(s: string): string {
    return JSON.stringify(s);
}

function namespaceMatcher(namespaces: readonly string[] | undefined): string {
    if (!namespaces || namespaces.length === 0) return `namespace=~${str(".+")}`;
    for (const ns of namespaces) if (!NAMESPACE_RE.test(ns)) throw new Error(`namespaces: ${JSON.stringify(ns)} is not a namespace name`);
    return `namespace=~${str(namespaces.join("|"))}`;
}

function runbook(base: string, alert: string): string {
    return `${base.replace(/\/+$/, "")}/${alert.toLowerCase()}`;
}

/** Build the platform's LogQL alert rules. */
export function buildLokiRules(input: LokiRulesInput): RuleFile {
    const by = `sum by (${GROUP_BY.join(", ")})`;
    const ns = namespaceMatcher(input.namespaces);
    const a = input.authFailures;
    nonNegative("authFailures.count", a.count);
    const authWindow = duration("authFailures.window", a.window);

    const authAlert: LokiAlertRule = {
        alert: "LogAuthenticationFailures",
        expr: `${by} (count_over_time({${ns}} |~ ${str(AUTH_FAILURE_PATTERN)} [${authWindow}])) > ${a.count}`,
        for: duration("authFailures.for", a.for),
        labels: { severity: a.severity },
        annotations: {
            summary: "Authentication failures in {{ $labels.namespace }}/{{ $labels.app }}",
            description:
                `{{ $value }} authentication-failure log lines in ${authWindow} from {{ $labels.namespace }}/{{ $labels.app }} ` +
                `(cluster {{ $labels.cluster }}), more than ${a.count}: possible credential stuffing or a broken client.`,
            runbook_url: runbook(input.runbookBaseUrl, "LogAuthenticationFailures"),
        },
    };

    const e = input.errorSpike;
    nonNegative("errorSpike.minRatePerSecond", e.minRatePerSecond);
    nonNegative("errorSpike.factor", e.factor);
    const w = duration("errorSpike.window", e.window);
    const offset = duration("errorSpike.baselineOffset", e.baselineOffset);
    const selector = `{${ns}, ${LOG_LEVEL_LABEL}=~${str(ERROR_LEVELS.join("|"))}}`;
    const now = `${by} (rate(${selector} [${w}]))`;
    const before = `${by} (rate(${selector} [${w}] offset ${offset}))`;
    // `or now * 0` gives a 0 baseline to workloads that logged no errors an `offset` ago, so a
    // brand-new error stream still fires instead of vanishing from the comparison.
    const spikeAlert: LokiAlertRule = {
        alert: "LogErrorRateSpike",
        expr: `(${now} > ${e.minRatePerSecond}) and (${now} > ${e.factor} * (${before} or ${now} * 0))`,
        for: duration("errorSpike.for", e.for),
        labels: { severity: e.severity },
        annotations: {
            summary: "Error log rate spike in {{ $labels.namespace }}/{{ $labels.app }}",
            description:
                `{{ $labels.namespace }}/{{ $labels.app }} (cluster {{ $labels.cluster }}) logs {{ $value }} error lines/s over ${w}, ` +
                `above ${e.minRatePerSecond}/s and more than ${e.factor}x the rate ${offset} ago.`,
            runbook_url: runbook(input.runbookBaseUrl, "LogErrorRateSpike"),
        },
    };

    return {
        groups: [
            { name: "logs-security", rules: [authAlert] },
            { name: "logs-errors", rules: [spikeAlert] },
        ],
    };
}

/** Rule file name -> YAML text, the data of one tenant's rules ConfigMap (see values.ts `rules`). */
export function buildLokiRulerConfigMapData(ruleFile: RuleFile): Record<string, string> {
    // lineWidth 0: never fold long LogQL expressions.
    return { [LOKI_RULE_FILE_NAME]: stringify(ruleFile, { lineWidth: 0 }) };
}
