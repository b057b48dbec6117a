import { parser } from "@prometheus-io/lezer-promql";

/** A syntax error found by the official PromQL grammar. */
export interface PromqlSyntaxError {
    /** Offset of the error node in the expression. */
    readonly from: number;
    /** End offset of the error node. */
    readonly to: number;
    /** The expression around the error, for failure messages. */
    readonly near: string;
}

/**
 * Parses `expr` with @prometheus-io/lezer-promql (the grammar of the Prometheus UI) and returns
 * every error node; [] means the expression parses. Grafana variables ($__rate_interval,
 * $namespace) are not PromQL: substitute them before calling.
 */
export function promqlSyntaxErrors(expr: string): PromqlSyntaxError[] {
    const errors: PromqlSyntaxError[] = [];
    parser.parse(expr).iterate({
        enter(node) {
            if (node.type.isError) {
                errors.push({ from: node.from, to: node.to, near: expr.slice(Math.max(0, node.from - 20), node.to + 20) });
            }
        },
    });
    return errors;
}
