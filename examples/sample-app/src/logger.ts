import pino, { type DestinationStream, type Logger } from "pino";

/**
 * JSON lines on stdout for Alloy: `level` as a word (the collector keeps known level words as the
 * `level` label), `time` in ISO 8601, ids as plain fields (Alloy moves trace_id, span_id and
 * request_id to structured metadata, never to stream labels).
 */
export function createLogger(destination?: DestinationStream, level = process.env.LOG_LEVEL ?? "info"): Logger {
    return pino(
        {
            level,
            base: { service: process.env.SERVICE_NAME ?? process.env.OTEL_SERVICE_NAME ?? "sample-app" },
            formatters: { level: (label) => ({ level: label }) },
            timestamp: pino.stdTimeFunctions.isoTime,
        },
        destination ?? pino.destination(1),
    );
}
