/**
 * Entry point: serves on PORT (default 8080) and drains connections on SIGTERM (Kubernetes' stop
 * signal). Metrics are scraped on /metrics, or pushed over OTLP with OTEL_METRICS_EXPORTER=otlp
 * (metrics.ts: metricsFromEnv); then the last export happens after the last request is served.
 */
import { createServer } from "node:http";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { createApp } from "./app";
import { createLogger } from "./logger";
import { type Metrics, metricsFromEnv } from "./metrics";

const logger = createLogger();
const port = Number(process.env.PORT ?? "8080");
const host = process.env.HOST ?? "0.0.0.0";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
    logger.fatal({ port: process.env.PORT }, "PORT must be an integer between 0 and 65535");
    process.exit(2);
}

// The OpenTelemetry SDK reports failed exports through its diagnostic logger: into our log lines.
const sdkLog = logger.child({ component: "opentelemetry" });
diag.setLogger(
    {
        error: (message, ...args) => sdkLog.error({ args }, message),
        warn: (message, ...args) => sdkLog.warn({ args }, message),
        info: (message, ...args) => sdkLog.info({ args }, message),
        debug: () => undefined,
        verbose: () => undefined,
    },
    DiagLogLevel.WARN,
);

let metrics: Metrics;
try {
    metrics = metricsFromEnv(process.env);
} catch (err) {
    logger.fatal({ err }, "invalid metrics settings");
    process.exit(2);
}

const server = createServer(createApp({ metrics, logger }));
// Longer than a typical load balancer's idle timeout, so it never reuses a connection we closed.
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => {
    const address = server.address();
    logger.info({ address, metrics: metrics.registry ? "prometheus" : "otlp" }, "listening");
});

function shutdown(signal: string): void {
    logger.info({ signal }, "shutting down");
    // The last requests are counted when their responses close; then the final OTLP export.
    server.close(() => {
        metrics.shutdown().then(
            () => process.exit(0),
            (err: unknown) => {
                logger.error({ err }, "last metrics export failed");
                process.exit(1);
            },
        );
    });
    server.closeIdleConnections();
    // /work takes at most 1.5 s; anything still open after 10 s is abandoned.
    setTimeout(() => process.exit(1), 10_000).unref();
}
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
