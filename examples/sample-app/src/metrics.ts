/**
 * RED metrics of the sample service, named as the platform's rules and RED dashboard expect
 * (components/k8s/metrics/rules.ts: DEFAULT_REQUESTS_METRIC, DEFAULT_LATENCY_HISTOGRAM, and the
 * `http_status` label of config metrics.httpStatusLabel).
 */
import { Counter, Histogram, type Registry, collectDefaultMetrics } from "prom-client";

export const REQUESTS_METRIC = "http_requests_total";
export const LATENCY_HISTOGRAM = "http_request_latency_seconds";

/**
 * Label names. The guide called the route `endpoint`, but every ServiceMonitor target already
 * carries `endpoint` (the Service port's name): Prometheus would keep the target's and rename the
 * app's to `exported_endpoint`. `route` survives scraping as it is, without `honorLabels` (which
 * would let the app overwrite `namespace`/`job` too).
 */
export const LABELS = { method: "method", route: "route", status: "http_status" } as const;

/** Upper bounds in seconds: fine below 100 ms, and around the default 0.5 s p95 threshold (alerting.latencyP95ThresholdSeconds) and /work's 1.5 s ceiling. */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5];

export interface Metrics {
    readonly registry: Registry;
    readonly requests: Counter<"method" | "route" | "http_status">;
    readonly latency: Histogram<"method" | "route" | "http_status">;
}

/** Registers the request metrics (and, unless told otherwise, Node's process metrics) on `registry`. */
export function createMetrics(registry: Registry, options: { processMetrics?: boolean } = {}): Metrics {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
    const labelNames = [LABELS.method, LABELS.route, LABELS.status] as const;
    const requests = new Counter({
        name: REQUESTS_METRIC,
        help: "HTTP requests served, by method, route template and status code.",
        labelNames,
        registers: [registry],
    });
    const latency = new Histogram({
        name: LATENCY_HISTOGRAM,
        help: "Time from request to the end of the response, by method, route template and status code.",
        labelNames,
        buckets: [...LATENCY_BUCKETS],
        registers: [registry],
    });
    return { registry, requests, latency };
}
