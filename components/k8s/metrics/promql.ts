/**
 * Small, pure helpers for writing PromQL and Prometheus rule files: label-name checks, durations,
 * number formatting, and JavaScript equivalents of the Prometheus template functions the alert
 * annotations use (so promtool tests can state the exact text an alert will carry).
 */

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Throws unless `name` is a valid Prometheus label name (it is pasted into PromQL and templates). */
export function assertLabelName(name: string, what = "label name"): string {
    if (!LABEL_NAME.test(name)) throw new Error(`${what} "${name}" is not a valid Prometheus label name`);
    return name;
}

/** Throws unless `name` is a valid Prometheus metric name. */
export function assertMetricName(name: string, what = "metric name"): string {
    if (!METRIC_NAME.test(name)) throw new Error(`${what} "${name}" is not a valid Prometheus metric name`);
    return name;
}

const UNIT_MS: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
    y: 31_536_000_000,
};

/**
 * Prometheus's own duration grammar (prometheus/common model.ParseDuration, which Prometheus,
 * Alertmanager and Loki all use): units y w d h m s ms, each at most once, largest first, or a bare
 * "0". So "1h30m" is a duration and "1d1w" or "1h30d" are not.
 */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;
/** model.ParseDuration refuses what overflows Go's time.Duration (int64 nanoseconds). */
const MAX_DURATION_MS = 9_223_372_036_854;

/** Parses a Prometheus duration ("90s", "1h30m", "0s", "0") into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
    if (text === "0") return 0;
    const m = DURATION.exec(text);
    if (text.length === 0 || !m) throw new Error(`"${text}" is not a Prometheus duration`);
    let total = 0;
    DURATION_UNITS.forEach((unit, i) => {
        const n = m[i + 1];
        if (n !== undefined) total += Number(n) * (UNIT_MS[unit] ?? NaN);
    });
    if (total > MAX_DURATION_MS) throw new Error(`"${text}" is longer than a Prometheus duration can be`);
    return total;
}

/** Formats milliseconds as the shortest Prometheus duration ("1h5m", "90s" -> "1m30s"). */
export function formatDuration(ms: number): string {
    if (!Number.isInteger(ms) || ms < 0) throw new Error(`cannot format duration ${ms}ms`);
    if (ms === 0) return "0s";
    let rest = ms;
    let out = "";
    for (const unit of ["d", "h", "m", "s", "ms"] as const) {
        const size = UNIT_MS[unit] ?? 1;
        const n = Math.floor(rest / size);
        if (n > 0) {
            out += `${n}${unit}`;
            rest -= n * size;
        }
    }
    return out;
}

/** A float as PromQL/YAML text without binary noise: 1 - 0.999 -> "0.001", 0.05 -> "0.05". */
export function formatNumber(n: number): string {
    if (!Number.isFinite(n)) throw new Error(`cannot format ${n}`);
    return String(Number(n.toPrecision(12)));
}

/** A ratio as a short human percentage for alert text: 0.999 -> "99.9%". */
export function formatPercent(ratio: number): string {
    return `${formatNumber(ratio * 100)}%`;
}

/** `by (a, b)` clause. */
export function by(labels: readonly string[]): string {
    return `by (${labels.join(", ")})`;
}

/** Go's `%.<precision>g` (what Prometheus' humanize* template functions print). */
export function goFormatG(v: number, precision = 4): string {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v === 0) return "0";
    const [mantissa = "0", expText = "0"] = v.toExponential(precision - 1).split("e");
    const exp = Number(expText);
    const trim = (s: string): string => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
    if (exp < -4 || exp >= precision) {
        const sign = exp < 0 ? "-" : "+";
        return `${trim(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
    }
    return trim(v.toFixed(Math.max(0, precision - 1 - exp)));
}

/** Prometheus' `humanizePercentage` template function. */
export function humanizePercentage(v: number): string {
    return `${goFormatG(v * 100)}%`;
}

/** Prometheus' `humanizeDuration` template function (input in seconds). */
export function humanizeDuration(v: number): string {
    if (!Number.isFinite(v)) return goFormatG(v);
    if (v === 0) return "0s";
    const sign = v < 0 ? "-" : "";
    let a = Math.abs(v);
    if (a >= 1) {
        const whole = Math.floor(a);
        const seconds = whole % 60;
        const minutes = Math.floor(whole / 60) % 60;
        const hours = Math.floor(whole / 3600) % 24;
        const days = Math.floor(whole / 86400);
        if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
        if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
        if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
        return `${sign}${goFormatG(a)}s`;
    }
    let prefix = "";
    for (const p of ["m", "u", "n", "p", "f", "a", "z", "y"]) {
        if (a >= 1) break;
        prefix = p;
        a *= 1000;
    }
    return `${sign}${goFormatG(a)}${prefix}s`;
}

/** Run every check and collect the messages of those that throw, so a caller reports all at once. */
export function collectProblems(...checks: (() => void)[]): string[] {
    const problems: string[] = [];
    for (const check of checks) {
        try {
            check();
        } catch (e) {
            problems.push((e as Error).message);
        }
    }
    return problems;
}
