/**
 * The sample service pushing its metrics over OTLP (sampleApp.metricsExporter: otlp): the process
 * started with the exact environment the program gives its container (the pod's address filled in,
 * the gateway's URL swapped for a receiver on loopback), and what it sends read off the wire.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { urls } from "../components/endpoints";
import { DEFAULT_LATENCY_HISTOGRAM, DEFAULT_REQUESTS_METRIC } from "../components/k8s/metrics/rules";
import { SAMPLE_APP, buildSampleAppManifests } from "../components/k8s/sample-app";
import { profileFor } from "../config/profiles";
import { LATENCY_BUCKETS, metricsFromEnv } from "../examples/sample-app/src/metrics";
import { containerEnv } from "./support/container-env";
import { ROOT } from "./support/graph";
import { type OtlpExport, type OtlpMetric, type OtlpReceiver, attributeMap, startOtlpReceiver } from "./support/otlp-receiver";
import { Proc, freePort, waitFor } from "./support/processes";

const INTERVAL_MS = 300;
const POD_NAME = "sample-app-6d4b9c7f8-x2k4q";
const MAIN = path.join(ROOT, "examples/sample-app/src/main.ts");

function deploymentEnv(): Record<string, string> {
    const m = buildSampleAppManifests({ image: "x/plg-sample-app:0.1.0", replicas: 1, namespaceLabels: {}, metrics: { exporter: "otlp", exportIntervalMillis: INTERVAL_MS } });
    assert.equal(m.serviceMonitor, undefined, "pushed metrics are not also scraped (they would count twice)");
    const container = (m.deployment.spec as { template: { spec: { containers: { env: Parameters<typeof containerEnv>[0] }[] } } }).template.spec.containers[0];
    return containerEnv(container?.env ?? [], { "status.podIP": "127.0.0.1", "metadata.name": POD_NAME, "metadata.namespace": SAMPLE_APP.namespace });
}

/** The service with the Deployment's environment, pushing to `receiver` instead of the gateway. */
async function startApp(receiver: OtlpReceiver, extra: Record<string, string> = {}): Promise<{ proc: Proc; base: string; env: Record<string, string> }> {
    const env = deploymentEnv();
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, urls.otlpHttp, "the Deployment points at the gateway's OTLP/HTTP Service");
    const port = await freePort();
    const proc = new Proc("sample-app", process.execPath, ["-r", "ts-node/register/transpile-only", MAIN], {
        PATH: process.env.PATH,
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        PORT: String(port),
        HOST: "127.0.0.1",
        ...extra,
    });
    const base = `http://127.0.0.1:${port}`;
    await proc.waitReady(`${base}/`);
    return { proc, base, env };
}

/** Every metric named `name` in an export. */
const metricsNamed = (e: OtlpExport, name: string): OtlpMetric[] => e.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.filter((m) => m.name === name)));

/** Request counts of the latest export, by "method route status". */
function requestCounts(e: OtlpExport): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of metricsNamed(e, DEFAULT_REQUESTS_METRIC)) {
        for (const p of m.sum?.dataPoints ?? []) {
            const a = attributeMap(p.attributes);
            out[`${a.method} ${a.route} ${a.http_status}`] = Number(p.asDouble ?? p.asInt);
        }
    }
    return out;
}

describe("sample app pushing OTLP (sampleApp.metricsExporter: otlp)", function () {
    this.timeout(60_000);
    let receiver: OtlpReceiver;
    let app: Awaited<ReturnType<typeof startApp>> | undefined;
    beforeEach(async () => (receiver = await startOtlpReceiver()));
    afterEach(async () => {
        await app?.proc.stop();
        app = undefined;
        await receiver.close();
    });

    it("pushes the RED metrics the rules read, with their labels and buckets, cumulative, as the Service's job; no /metrics", async () => {
        app = await startApp(receiver);
        const { base } = app;
        for (const p of ["/", "/", "/error", "/no/such/page"]) await fetch(`${base}${p}`).then((r) => r.arrayBuffer());
        assert.equal((await fetch(`${base}/metrics`)).status, 404, "nothing to scrape: a stray ServiceMonitor would find no metrics");
        // The readiness wait's GET / counts too.
        const want = { "GET / 200": 3, "GET /error 500": 1, "GET unmatched 404": 2 };
        const last = await waitFor("an export with every request", 10_000, async () => {
            const e = receiver.exports.at(-1);
            if (e) assert.deepEqual(requestCounts(e), want);
            return e;
        });
        assert.deepEqual(receiver.refused, [], "OTLP/HTTP JSON on /v1/metrics only");

        // The resource: service.name is the Service's name (the gateway's conversion makes it `job`,
        // as a ServiceMonitor target's is); the pod's address and the container for k8sattributes.
        assert.equal(last.resourceMetrics.length, 1);
        const resource = attributeMap(last.resourceMetrics[0]?.resource?.attributes);
        assert.equal(resource["service.name"], SAMPLE_APP.name);
        assert.equal(resource["k8s.pod.ip"], "127.0.0.1", "$(POD_IP) expanded from the downward API");
        assert.equal(resource["k8s.pod.name"], POD_NAME);
        assert.equal(resource["k8s.namespace.name"], SAMPLE_APP.namespace);
        assert.equal(resource["service.instance.id"], POD_NAME, "replicas' series stay apart: `instance` is the pod");
        assert.equal(resource["k8s.container.name"], SAMPLE_APP.name);

        const [counter] = metricsNamed(last, DEFAULT_REQUESTS_METRIC);
        assert.equal(counter?.sum?.isMonotonic, true, "a counter");
        assert.equal(counter?.sum?.aggregationTemporality, 2, "cumulative, as Prometheus counters are");
        assert.equal(counter?.unit ?? "", "", "no unit: the conversion adds no suffix to a name that has its own");

        const [histogram] = metricsNamed(last, DEFAULT_LATENCY_HISTOGRAM);
        assert.equal(histogram?.histogram?.aggregationTemporality, 2);
        assert.equal(histogram?.unit, "s", "seconds: already the name's last word, so the conversion adds no suffix");
        const points = histogram?.histogram?.dataPoints ?? [];
        assert.equal(points.length, 3, "one series per method, route and status");
        const threshold = (profileFor("dev").alerting as { latencyP95ThresholdSeconds: number }).latencyP95ThresholdSeconds;
        for (const p of points) {
            assert.deepEqual(Object.keys(attributeMap(p.attributes)).sort(), ["http_status", "method", "route"]);
            assert.deepEqual(p.explicitBounds, LATENCY_BUCKETS, "the scraped histogram's buckets");
            assert.ok(p.explicitBounds.includes(threshold), "a bucket bound at the p95 threshold");
            assert.equal(p.bucketCounts.length, p.explicitBounds.length + 1, "the +Inf bucket too");
        }
        const home = points.find((p) => attributeMap(p.attributes).route === "/");
        assert.equal(Number(home?.count), 3);
    });

    it("pushes on the interval the Deployment sets (metrics.scrapeInterval), so rate windows see as many samples as from a scrape", async () => {
        app = await startApp(receiver);
        assert.equal(app.env.OTEL_METRIC_EXPORT_INTERVAL, String(INTERVAL_MS));
        await fetch(`${app.base}/`).then((r) => r.arrayBuffer());
        const first = await waitFor("a first export", 10_000, async () => receiver.exports[0], 20);
        const sixth = await waitFor("six exports", 15_000, async () => receiver.exports[5], 20);
        // The mean gap (one late timer on a loaded machine shifts a single gap, not the mean much).
        const mean = (sixth.at - first.at) / 5;
        assert.ok(mean > INTERVAL_MS * 0.6 && mean < INTERVAL_MS * 2.5, `mean gap between exports ${mean} ms, interval ${INTERVAL_MS} ms`);
    });

    it("on SIGTERM, the last requests are pushed before it exits", async () => {
        // An interval longer than the test: only the shutdown's own export can carry the request.
        app = await startApp(receiver, { OTEL_METRIC_EXPORT_INTERVAL: "600000" });
        await fetch(`${app.base}/error`).then((r) => r.arrayBuffer());
        assert.equal(receiver.exports.length, 0);
        const exited = new Promise<number | null>((r) => app?.proc.child.once("exit", (code) => r(code)));
        app.proc.child.kill("SIGTERM");
        assert.equal(await exited, 0, app.proc.output);
        assert.equal(requestCounts(receiver.exports.at(-1) as OtlpExport)["GET /error 500"], 1);
    });

    it("refuses settings it cannot honour, naming the variable, what it takes and what it was given", async () => {
        assert.ok(metricsFromEnv({}).registry, "unset: scraped on /metrics");
        assert.ok(metricsFromEnv({ OTEL_METRICS_EXPORTER: "prometheus" }).registry);
        assert.throws(() => metricsFromEnv({ OTEL_METRICS_EXPORTER: "otlp_grpc" }), /^Error: OTEL_METRICS_EXPORTER: expected one of prometheus, otlp; given "otlp_grpc"$/);
        assert.throws(
            () => metricsFromEnv({ OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
            /^Error: OTEL_EXPORTER_OTLP_PROTOCOL: this service exports OTLP over http\/json only .*; given "grpc"$/,
        );
        assert.throws(
            () => metricsFromEnv({ OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf" }),
            /^Error: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: .*given "http\/protobuf"$/,
        );
        for (const bad of ["15s", "0", "-1", "1.5"]) {
            assert.throws(() => metricsFromEnv({ OTEL_METRICS_EXPORTER: "otlp", OTEL_METRIC_EXPORT_INTERVAL: bad }), new RegExp(`^Error: OTEL_METRIC_EXPORT_INTERVAL: expected a positive whole number of milliseconds; given "${bad.replace(".", "\\.")}"$`));
        }
        // The process stops before serving, saying why.
        const port = await freePort();
        const proc = new Proc("sample-app", process.execPath, ["-r", "ts-node/register/transpile-only", MAIN], {
            PATH: process.env.PATH,
            PORT: String(port),
            OTEL_METRICS_EXPORTER: "otlp",
            OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        });
        const code = await new Promise<number | null>((r) => proc.child.once("exit", (c) => r(c)));
        assert.equal(code, 2);
        const fatal = proc.output.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { level: string; msg: string; err?: { message: string } });
        assert.equal(fatal[0]?.level, "fatal");
        assert.match(fatal[0]?.err?.message ?? "", /^OTEL_EXPORTER_OTLP_PROTOCOL: /);
    });
});
