/**
 * The guide's sample service: `/` says hello, `/work` takes 0.1–1.5 s, `/error` fails with a 500
 * and an error log line, `/metrics` is the Prometheus endpoint (only when the metrics are scraped:
 * pushed over OTLP, there is none). Every request but the scrapes is
 * counted, timed and logged by one wrapper, labelled with its route template (unknown paths share
 * one label value, so a scanner cannot blow up the series count).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Metrics } from "./metrics";

/** The Prometheus endpoint: served (when the metrics have a registry), never counted nor logged. */
export const METRICS_ROUTE = "/metrics";
/** Route label of paths that match no route. */
export const UNMATCHED_ROUTE = "unmatched";
/** Method label of anything outside the standard methods. */
export const OTHER_METHOD = "OTHER";
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Bounds of /work's simulated delay, seconds. */
export const WORK_DELAY_SECONDS = { min: 0.1, max: 1.5 } as const;

export interface AppDeps {
    readonly metrics: Metrics;
    readonly logger: Logger;
    /** Uniform [0, 1) source of /work's delay (Math.random in production). */
    readonly random?: () => number;
    /** Waits `ms` milliseconds. */
    readonly sleep?: (ms: number) => Promise<void>;
    /** Monotonic clock in nanoseconds. */
    readonly now?: () => bigint;
}

interface Context {
    readonly requestId: string;
    readonly traceId: string;
    readonly spanId: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: Context) => Promise<void>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// W3C Trace Context: version 00, 32-hex trace id and 16-hex parent id, neither all zeros.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Ids of a request: the caller's when well-formed (so logs join the caller's trace), fresh otherwise. */
export function requestContext(headers: IncomingMessage["headers"]): Context {
    const given = headers["x-request-id"];
    const requestId = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    const tp = typeof headers.traceparent === "string" ? TRACEPARENT.exec(headers.traceparent) : null;
    const traceId = tp && !/^0+$/.test(tp[1] ?? "") ? (tp[1] as string) : randomBytes(16).toString("hex");
    return { requestId, traceId, spanId: randomBytes(8).toString("hex") };
}

function send(res: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
    res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(body);
}

/** The request listener for node:http. */
export function createApp(deps: AppDeps): RequestListener {
    const random = deps.random ?? Math.random;
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = deps.now ?? process.hrtime.bigint;
    const { metrics, logger } = deps;

    const routes: Record<string, Handler> = {
        "/": async (_req, res) => send(res, 200, "Hello from the PLG sample app\n"),
        "/work": async (_req, res) => {
            const seconds = WORK_DELAY_SECONDS.min + random() * (WORK_DELAY_SECONDS.max - WORK_DELAY_SECONDS.min);
            await sleep(Math.round(seconds * 1000));
            send(res, 200, `worked for ${seconds.toFixed(3)}s\n`);
        },
        "/error": async (req, res, ctx) => {
            logger.error({ request_id: ctx.requestId, trace_id: ctx.traceId, span_id: ctx.spanId, path: req.url }, "simulated failure");
            send(res, 500, "simulated failure\n");
        },
    };
    const registry = metrics.registry;
    if (registry) routes[METRICS_ROUTE] = async (_req, res) => send(res, 200, await registry.metrics(), registry.contentType);

    return (req, res) => {
        const start = now();
        const ctx = requestContext(req.headers);
        const path = (req.url ?? "/").split("?")[0] ?? "/";
        const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
        const route = handler ? path : UNMATCHED_ROUTE;
        const method = KNOWN_METHODS.has(req.method ?? "") ? (req.method as string) : OTHER_METHOD;
        res.setHeader("x-request-id", ctx.requestId);

        // Scrapes are not traffic: counted, they would dilute the error ratio the alerts read (two
        // Prometheus replicas every few seconds can outnumber a quiet service's real requests).
        if (route === METRICS_ROUTE) {
            routes[METRICS_ROUTE]?.(req, res, ctx).catch(() => res.destroy());
            return;
        }

        // Counted once the response is written (or the client went away), with the status sent.
        res.once("close", () => {
            const seconds = Number(now() - start) / 1e9;
            const labels = { method, route, http_status: String(res.statusCode) };
            metrics.requests.inc(labels);
            metrics.latency.observe(labels, seconds);
            logger.info(
                {
                    method: req.method,
                    path,
                    route,
                    status: res.statusCode,
                    latency_ms: Math.round(seconds * 1e6) / 1e3,
                    request_id: ctx.requestId,
                    trace_id: ctx.traceId,
                    span_id: ctx.spanId,
                },
                "request",
            );
        });

        const run = handler ?? (async (_q, r) => send(r, 404, "not found\n"));
        run(req, res, ctx).catch((err: unknown) => {
            logger.error({ err, request_id: ctx.requestId, trace_id: ctx.traceId }, "handler failed");
            if (!res.headersSent) send(res, 500, "internal error\n");
            else res.destroy();
        });
    };
}
