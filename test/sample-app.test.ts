import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { profileFor } from "../config/profiles";
import { DEFAULT_LATENCY_HISTOGRAM, DEFAULT_REQUESTS_METRIC } from "../components/k8s/metrics/rules";
import { HIGH_CARDINALITY_LOG_FIELDS } from "../components/k8s/collector/config";
import { createApp, METRICS_ROUTE, UNMATCHED_ROUTE } from "../examples/sample-app/src/app";
import { createLogger } from "../examples/sample-app/src/logger";
import { createMetrics } from "../examples/sample-app/src/metrics";

type LogLine = Record<string, unknown>;

/** The sample service on a free loopback port, with its log lines captured and /work's sleep recorded. */
async function start(random = 0.5): Promise<{ base: string; logs: LogLine[]; sleeps: number[]; server: Server }> {
    const logs: LogLine[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
            for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line) as LogLine);
            cb();
        },
    });
    const sleeps: number[] = [];
    const app = createApp({
        metrics: createMetrics(new Registry(), { processMetrics: false }),
        logger: createLogger(sink),
        random: () => random,
        sleep: async (ms) => void sleeps.push(ms),
    });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logs, sleeps, server };
}

/** Parses the text exposition into (name, labels, value) samples. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
    return text
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => {
            const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
            assert.ok(m, `unparsable sample line: ${l}`);
            const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
            return { name: m[1] as string, labels: labels as Record<string, string>, value: Number(m[3]) };
        });
}

describe("sample app (examples/sample-app)", () => {
    let app: Awaited<ReturnType<typeof start>>;
    beforeEach(async () => (app = await start()));
    afterEach(() => new Promise<void>((r) => app.server.close(() => r())));

    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.base}${path}`, { headers });
    // The close handler (metrics and log line) runs just after the client has the response.
    const settle = () => new Promise((r) => setTimeout(r, 20));

    it("serves hello, a 500 on /error and 404 elsewhere", async () => {
        assert.equal((await get("/")).status, 200);
        assert.equal((await get("/error")).status, 500);
        assert.equal((await get("/no/such/page")).status, 404);
    });

    it("counts requests under the names and status label the platform's rules read, by route template", async () => {
        await get("/");
        await get("/error");
        await get("/error?x=1");
        await get("/users/1");
        await get("/users/2");
        await settle();
        const all = samples(await (await get("/metrics")).text());
        const requests = all.filter((s) => s.name === DEFAULT_REQUESTS_METRIC);
        const statusLabel = (profileFor("dev").alerting as { httpStatusLabel: string }).httpStatusLabel;
        const count = (route: string, status: string) =>
            requests.find((s) => s.labels.route === route && s.labels[statusLabel] === status && s.labels.method === "GET")?.value;
        assert.equal(count("/error", "500"), 2, "the query string is not part of the route");
        assert.equal(count("/", "200"), 1);
        assert.equal(count(UNMATCHED_ROUTE, "404"), 2, "unknown paths share one series");
        assert.equal(requests.filter((s) => s.labels.route === METRICS_ROUTE).length, 0, "scrapes do not dilute the error ratio");
        for (const s of requests) {
            assert.deepEqual(Object.keys(s.labels).sort(), ["http_status", "method", "route"].sort());
            assert.ok(!("endpoint" in s.labels), "a ServiceMonitor target's `endpoint` would rename it to exported_endpoint");
        }
    });

    it("times every request in the histogram the latency rule reads, with the rule's `le` buckets", async () => {
        await get("/");
        await settle();
        const all = samples(await (await get("/metrics")).text());
        const buckets = all.filter((s) => s.name === `${DEFAULT_LATENCY_HISTOGRAM}_bucket` && s.labels.route === "/");
        assert.ok(buckets.length > 5);
        assert.equal(buckets.find((b) => b.labels.le === "+Inf")?.value, 1);
        const threshold = (profileFor("dev").alerting as { latencyP95ThresholdSeconds: number }).latencyP95ThresholdSeconds;
        assert.ok(buckets.some((b) => Number(b.labels.le) === threshold), "a bucket bound at the p95 threshold makes the alert exact");
    });

    it("/work sleeps 0.1-1.5 s as its random source says", async () => {
        await new Promise<void>((r) => app.server.close(() => r()));
        for (const [random, ms] of [[0, 100], [0.999999, 1500]] as const) {
            app = await start(random);
            assert.equal((await get("/work")).status, 200);
            assert.deepEqual(app.sleeps, [ms]);
            if (random === 0) await new Promise<void>((r) => app.server.close(() => r()));
        }
    });

    it("logs one JSON line per request with method, path, status, latency and ids, level as a word", async () => {
        const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        await get("/?q=secret", { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "req-42" });
        await get("/error");
        await settle();
        await get("/metrics");
        await settle();
        const requests = app.logs.filter((l) => l.msg === "request");
        assert.equal(requests.length, 2, "scrapes are not logged");
        const first = requests[0] as LogLine;
        assert.equal(first.level, "info");
        assert.equal(first.method, "GET");
        assert.equal(first.path, "/", "the query string (which may hold secrets) is not logged");
        assert.equal(first.status, 200);
        assert.equal(typeof first.latency_ms, "number");
        assert.equal(first.trace_id, traceId, "a caller's trace id is kept so logs join its trace");
        assert.equal(first.request_id, "req-42");
        assert.match(String(requests[1]?.trace_id), /^[0-9a-f]{32}$/, "a fresh trace id otherwise");
        assert.match(String(requests[1]?.request_id), /^[0-9a-f-]{36}$/);
        const error = app.logs.find((l) => l.level === "error");
        assert.equal(error?.msg, "simulated failure");
        assert.equal(error?.trace_id, requests[1]?.trace_id, "the error line and the request line share the ids");
        // Every id the app logs is one the collector sends to structured metadata, never a label.
        for (const id of ["trace_id", "span_id", "request_id"]) assert.ok((HIGH_CARDINALITY_LOG_FIELDS as readonly string[]).includes(id), id);
    });

    it("ignores malformed ids instead of logging them", async () => {
        await get("/", { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, "x-request-id": "a b\u00e9" });
        await settle();
        const line = app.logs.find((l) => l.msg === "request") as LogLine;
        assert.notEqual(line.trace_id, "0".repeat(32));
        assert.notEqual(line.request_id, "a b\u00e9");
    });
});
