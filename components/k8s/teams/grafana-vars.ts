/**
 * Grafana template variables are not PromQL or LogQL: a query must have them replaced by
 * plausible values before an upstream grammar can parse it. This does what Grafana does at
 * query time, closely enough for parsing, and refuses variables it was not told about, so a
 * query that refers to a variable the dashboard does not define fails the test.
 */

/** Values of Grafana's built-in variables, as Grafana would render them. */
export const GRAFANA_BUILTINS: Readonly<Record<string, string>> = {
    __rate_interval: "1m",
    __interval: "30s",
    __interval_ms: "30000",
    __range: "3h",
    __range_s: "10800",
    __range_ms: "10800000",
    __auto: "30s",
    // Data links: the clicked panel's time range, in epoch milliseconds.
    __from: "1700000000000",
    __to: "1700003600000",
};

/** Grafana formats a `${name:format}` reference can ask for that this helper renders. */
const FORMATS = new Set(["regex", "pipe", "raw", "text", "percentencode", "queryparam", "csv"]);

/** A reference found in a text: `$name`, `${name}`, `${name:format}` or `[[name]]`. */
export interface GrafanaVariableRef {
    /** Variable name, e.g. `namespace`, `__rate_interval`, `__field.labels.pod`. */
    readonly name: string;
    /** Format after the colon, if any. */
    readonly format?: string;
}

const REF = /\$\{([A-Za-z_][\w.]*)(?::(\w+))?\}|\[\[([A-Za-z_]\w*)(?::(\w+))?\]\]|\$([A-Za-z_]\w*)/g;

/** Every variable reference in `text`, in order. */
export function grafanaVariableRefs(text: string): GrafanaVariableRef[] {
    return [...text.matchAll(REF)].map((m) => {
        const name = (m[1] ?? m[3] ?? m[5]) as string;
        const format = m[2] ?? m[4];
        return format === undefined ? { name } : { name, format };
    });
}

/**
 * Replaces every Grafana variable in `text`: built-ins from GRAFANA_BUILTINS, dashboard
 * variables from `values` (name -> value), `${__field.labels.<l>}` (data links) by `field-<l>`.
 * Throws on a reference to anything else, or on an unknown format.
 */
export function substituteGrafanaVariables(text: string, values: Readonly<Record<string, string>>): string {
    return text.replace(REF, (match, n1?: string, f1?: string, n3?: string, f3?: string, n5?: string) => {
        const name = (n1 ?? n3 ?? n5) as string;
        const format = f1 ?? f3;
        if (format !== undefined && !FORMATS.has(format)) throw new Error(`unknown Grafana variable format in ${match}`);
        const fieldLabel = /^__field\.labels\.(\w+)$/.exec(name);
        if (fieldLabel) return `field-${fieldLabel[1] as string}`;
        const value = values[name] ?? GRAFANA_BUILTINS[name];
        if (value === undefined) throw new Error(`unknown Grafana variable ${match} in: ${text}`);
        return value;
    });
}

/** Sample values for dashboard variables: `sample-<name>` each, valid in label values and regexes. */
export function sampleValues(names: readonly string[]): Record<string, string> {
    return Object.fromEntries(names.map((n) => [n, `sample-${n}`]));
}
