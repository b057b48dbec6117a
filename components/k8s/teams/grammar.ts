/**
 * The official query grammars, run by the program itself before any resource (so `pulumi up` never
 * ships a team file Prometheus or the Loki ruler would refuse; a Loki ruler refusing one file can
 * drop its tenant's whole rule set, the platform's copy included), by render and by the tests:
 * @prometheus-io/lezer-promql (the Prometheus 3.x UI's grammar, authoritative for PromQL syntax
 * here) and @grafana/lezer-logql (Grafana's). Pure: no binary, no Pulumi.
 */
import { parser as logqlParser } from "@grafana/lezer-logql";
import { parser as promqlParser } from "@prometheus-io/lezer-promql";

/** A syntax error found by a grammar: the error node's offsets and the expression around it. */
export interface QuerySyntaxError {
    /** Offset of the error node in the expression. */
    readonly from: number;
    /** End offset of the error node. */
    readonly to: number;
    /** Up to 20 characters either side, for messages. */
    readonly near: string;
}

type Parser = typeof promqlParser | typeof logqlParser;

function syntaxErrors(parser: Parser, expr: string): QuerySyntaxError[] {
    const errors: QuerySyntaxError[] = [];
    parser.parse(expr).iterate({
        enter(node) {
            if (node.type.isError) errors.push({ from: node.from, to: node.to, near: expr.slice(Math.max(0, node.from - 20), node.to + 20) });
        },
    });
    return errors;
}

/**
 * Every error node of `expr` under the PromQL grammar; [] means it parses. Grafana variables
 * ($__rate_interval, $namespace) are not PromQL: substitute them first (grafana-vars.ts).
 */
export function promqlSyntaxErrors(expr: string): QuerySyntaxError[] {
    return syntaxErrors(promqlParser, expr);
}

/** Every error node of `expr` under the LogQL grammar; [] means it parses. */
export function logqlErrors(expr: string): QuerySyntaxError[] {
    return syntaxErrors(logqlParser, expr);
}

/**
 * Functions Prometheus 3 removed, with what replaces them. The cluster runs Prometheus v3 (the
 * kube-prometheus-stack in components/charts.ts), while Debian's promtool 2.42 still accepts these.
 */
export const PROMQL_REMOVED_IN_V3: Readonly<Record<string, string>> = {
    holt_winters:
        "removed in Prometheus 3; its successor double_exponential_smoothing exists only behind the promql-experimental-functions feature flag, which the platform's Prometheus does not enable",
};

/** Why `expr` is not PromQL the cluster's Prometheus 3 runs (a removed function, then the grammar), or undefined. */
export function promqlProblem(expr: string): string | undefined {
    for (const [fn, why] of Object.entries(PROMQL_REMOVED_IN_V3)) {
        if (new RegExp(`(^|[^A-Za-z0-9_:])${fn}\\s*\\(`).test(expr)) return `uses ${fn}(), ${why}`;
    }
    const errors = promqlSyntaxErrors(expr);
    return errors.length > 0 ? `does not parse as PromQL near ${JSON.stringify(errors[0]?.near)}` : undefined;
}

/** Why `expr` is not LogQL (the grammar), or undefined. */
export function logqlProblem(expr: string): string | undefined {
    const errors = logqlErrors(expr);
    return errors.length > 0 ? `does not parse as LogQL near ${JSON.stringify(errors[0]?.near)}` : undefined;
}

/** Whether a LogQL expression is a metric query (rate, count_over_time, ...), not a log query returning lines. */
export function logqlIsMetric(expr: string): boolean {
    const top = logqlParser.parse(expr).topNode.firstChild;
    return top?.name === "Expr" && top.firstChild?.name === "MetricExpr";
}
