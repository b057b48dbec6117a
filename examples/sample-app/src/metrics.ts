/**
 * RED metrics of the sample service, named as the platform's rules and RED dashboard expect
 * (components/k8s/metrics/rules.ts: DEFAULT_REQUESTS_METRIC, DEFAULT_LATENCY_HISTOGRAM, and the
 * `http_status` label of config metrics.httpStatusLabel).
 *
 * Two ways out, chosen by the standard OpenTelemetry variable OTEL_METRICS_EXPORTER
 * (metricsFromEnv): `prometheus` (the default here) serves them on /metrics for a ServiceMonitor
 * (prom-client); `otlp` pushes the same instruments over OTLP/HTTP (the OpenTelemetry JS SDK) to
 * the platform's OTLP gateway, which writes them to Prometheus under the same names and labels.
 */
import { type Attributes, type Counter as OtelCounter, type Histogram as OtelHistogram } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { defaultResource, detectResources, envDetector, type Resource } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const REQUESTS_METRIC = "http_requests_total";
export const LATENCY_HISTOGRAM = "http_request_latency_seconds";
const REQUESTS_HELP = "HTTP requests served, by method, route template and status code.";
const LATENCY_HELP = "Time from request to the end of the response, by method, route template and status code.";

/**
 * Label names. The guide called the route `endpoint`, but every ServiceMonitor target already
 * carries `endpoint` (the Service port's name): Prometheus would keep the target's and rename the
 * app's to `exported_endpoint`. `route` survives scraping as it is, without `honorLabels` (which
 * would let the app overwrite `namespace`/`job` too).
 */
export const LABELS = { method: "method", route: "route", status: "http_status" } as const;
export type RequestLabels = Record<(typeof LABELS)[keyof typeof LABELS], string>;

/** Upper bounds in seconds: fine below 100 ms, and around the default 0.5 s p95 threshold (alerting.latencyP95ThresholdSeconds) and /work's 1.5 s ceiling. */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5];

export interface Metrics {
    readonly requests: { inc(labels: RequestLabels): void };
    readonly latency: { observe(labels: RequestLabels, seconds: number): void };
    /** Pull: the registry GET /metrics serves. Absent when the metrics are pushed over OTLP (no /metrics route then). */
    readonly registry?: Registry;
    /** Push what is still unsent and stop (OTLP's last export on SIGTERM); nothing to do for pull. */
    shutdown(): Promise<void>;
}

/** Registers the request metrics (and, unless told otherwise, Node's process metrics) on `registry`, for scraping. */
export function createMetrics(registry: Registry, options: { processMetrics?: boolean } = {}): Metrics & { readonly registry: Registry } {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
    const labelNames = [LABELS.method, LABELS.route, LABELS.status] as const;
    const requests = new Counter({ name: REQUESTS_METRIC, help: REQUESTS_HELP, labelNames, registers: [registry] });
    const latency = new Histogram({ name: LATENCY_HISTOGRAM, help: LATENCY_HELP, labelNames, buckets: [...LATENCY_BUCKETS], registers: [registry] });
    return { registry, requests, latency, shutdown: async () => undefined };
}

export interface OtlpMetricsOptions {
    /** Where the batches go (OTLPMetricExporter in production). */
    readonly exporter: PushMetricExporter;
    /** Time between exports, ms (OTEL_METRIC_EXPORT_INTERVAL). */
    readonly intervalMillis: number;
    /** service.name and the rest (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES). */
    readonly resource: Resource;
}

/**
 * The same two instruments on the OpenTelemetry SDK, pushed every `intervalMillis` with cumulative
 * temporality (the exporter's default; the gateway's conversion drops delta sums and histograms).
 * Names carry their Prometheus suffixes: otelcol.exporter.prometheus (Alloy v1.18.1, through
 * opentelemetry-collector-contrib pkg/translator/prometheus v0.153.0) moves `total` to the end of a
 * monotonic sum's name and appends the unit only when it is not already a word of the name, so the
 * series are `http_requests_total` and `http_request_latency_seconds_{bucket,sum,count}` as scraped.
 * Process metrics are not sent (prom-client's collector exists for pull only).
 */
export function createOtlpMetrics(options: OtlpMetricsOptions): Metrics {
    const provider = new MeterProvider({
        resource: options.resource,
        readers: [new PeriodicExportingMetricReader({ exporter: options.exporter, exportIntervalMillis: options.intervalMillis })],
    });
    const meter = provider.getMeter("plg-sample-app");
    const counter: OtelCounter<Attributes> = meter.createCounter(REQUESTS_METRIC, { description: REQUESTS_HELP });
    const histogram: OtelHistogram<Attributes> = meter.createHistogram(LATENCY_HISTOGRAM, {
        description: LATENCY_HELP,
        unit: "s",
        advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] },
    });
    return {
        requests: { inc: (labels) => counter.add(1, labels) },
        latency: { observe: (labels, seconds) => histogram.record(seconds, labels) },
        shutdown: () => provider.shutdown(),
    };
}

/** OTEL_METRICS_EXPORTER values this service knows (OpenTelemetry's names); `prometheus` when unset. */
export const METRICS_EXPORTERS = ["prometheus", "otlp"] as const;
export type MetricsExporter = (typeof METRICS_EXPORTERS)[number];
/** The OpenTelemetry specification's default export interval, ms. */
export const DEFAULT_EXPORT_INTERVAL_MS = 60_000;
/** The one OTLP encoding this service sends (@opentelemetry/exporter-metrics-otlp-http posts JSON). */
export const OTLP_PROTOCOL = "http/json";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The metrics the environment asks for. Refuses (naming the variable, what it takes and what it was
 * given) an unknown exporter, an export interval that is not a positive whole number of milliseconds,
 * and an OTLP protocol other than http/json (OTLP/gRPC would need another exporter: sending HTTP to
 * the gRPC port fails quietly).
 */
export function metricsFromEnv(env: Env): Metrics {
    const exporter = env.OTEL_METRICS_EXPORTER?.trim() || "prometheus";
    if (!(METRICS_EXPORTERS as readonly string[]).includes(exporter)) {
        throw new Error(`OTEL_METRICS_EXPORTER: expected one of ${METRICS_EXPORTERS.join(", ")}; given ${JSON.stringify(exporter)}`);
    }
    if (exporter === "prometheus") return createMetrics(new Registry());
    for (const name of ["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"]) {
        const protocol = env[name]?.trim();
        if (protocol !== undefined && protocol !== "" && protocol !== OTLP_PROTOCOL) {
            throw new Error(`${name}: this service exports OTLP over ${OTLP_PROTOCOL} only (to the OTLP/HTTP port, 4318); given ${JSON.stringify(protocol)}`);
        }
    }
    const rawInterval = env.OTEL_METRIC_EXPORT_INTERVAL?.trim();
    const intervalMillis = rawInterval ? Number(rawInterval) : DEFAULT_EXPORT_INTERVAL_MS;
    if (!Number.isInteger(intervalMillis) || intervalMillis <= 0) {
        throw new Error(`OTEL_METRIC_EXPORT_INTERVAL: expected a positive whole number of milliseconds; given ${JSON.stringify(rawInterval)}`);
    }
    // The exporter reads OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT and _HEADERS itself (from process.env).
    const resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
    return createOtlpMetrics({ exporter: new OTLPMetricExporter(), intervalMillis, resource });
}
