import assert from "node:assert/strict";
import { kps, otlpGateway, urls } from "../components/endpoints";
import { SAMPLE_APP } from "../components/k8s/sample-app";
import { DEFAULT_GROUP_BY, SERVICE_LABEL } from "../components/k8s/metrics/rules";
import { APP_SOURCE_POD_LABELS } from "../components/labels";
import { profileFor } from "../config/profiles";
import { durationSeconds } from "../config/validators";
import { runStack } from "./support/graph";

const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/plg-sample-app:0.1.0";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";

interface Meta {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
}

describe("sample app component (sampleApp.enabled)", function () {
    this.timeout(60_000);

    it("is off by default: no Deployment, Service or ServiceMonitor of the sample app", async () => {
        for (const stack of ["dev", "prod"]) {
            const g = await runStack(stack);
            const names = [DEPLOYMENT, SERVICE, MONITOR].flatMap((t) => g.byType(t)).map((r) => (g.inputs(r) as unknown as Meta).metadata?.name);
            assert.ok(!names.includes(SAMPLE_APP.name), `${stack}: ${names.join(", ")}`);
        }
    });

    it("deploys the image with a Service and a ServiceMonitor that scrapes its metrics port", async () => {
        const g = await runStack("dev", { settings: { sampleApp: { enabled: true, image: IMAGE } } });
        const dep = g.inputs(g.one(DEPLOYMENT, "-sample-app-deployment")) as unknown as Meta & {
            spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; ports: { name: string; containerPort: number }[]; securityContext: Record<string, unknown> }[]; securityContext: Record<string, unknown> } } };
        };
        const svc = g.inputs(g.one(SERVICE, "-sample-app-service")) as unknown as Meta & {
            spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
        };
        const mon = g.inputs(g.one(MONITOR, "-sample-app-servicemonitor")) as unknown as Meta & {
            spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: { port: string; path: string }[] };
        };
        const container = dep.spec.template.spec.containers[0];
        assert.equal(container?.image, IMAGE);
        assert.equal(dep.spec.replicas, 2);
        // The Service selects the pods; the ServiceMonitor selects the Service and names its port.
        for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(dep.spec.template.metadata.labels[k], v);
        for (const [k, v] of Object.entries(mon.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v);
        assert.deepEqual(mon.spec.namespaceSelector.matchNames, [svc.metadata.namespace]);
        const port = mon.spec.endpoints[0]?.port;
        assert.ok(svc.spec.ports.some((p) => p.name === port && p.targetPort === port));
        assert.ok(container?.ports.some((p) => p.name === port));
        assert.equal(mon.spec.endpoints[0]?.path, "/metrics");
        // Logs get an `app` label from the pod's labels.
        assert.ok(APP_SOURCE_POD_LABELS.some((l) => dep.spec.template.metadata.labels[l] === SAMPLE_APP.name));
        // A ServiceMonitor target carries `service` and `job` (the Service's name): the rules' labels.
        assert.ok(DEFAULT_GROUP_BY.includes("job") && SERVICE_LABEL === "service");
        // Pod Security `restricted`.
        assert.equal(dep.spec.template.spec.securityContext.runAsNonRoot, true);
        assert.deepEqual(container?.securityContext.capabilities, { drop: ["ALL"] });
        assert.equal(container?.securityContext.allowPrivilegeEscalation, false);
        const ns = g.byType("kubernetes:core/v1:Namespace").map((r) => g.inputs(r) as unknown as Meta).find((n) => n.metadata.name === SAMPLE_APP.namespace);
        assert.equal(ns?.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("waits for the ServiceMonitor CRD before creating the ServiceMonitor", async () => {
        const g = await runStack("dev", { settings: { sampleApp: { enabled: true, image: IMAGE } } });
        const waits = [...g.waitsFor(g.one(MONITOR, "-sample-app-servicemonitor"))].map((r) => String(r.inputs.name ?? r.name));
        assert.ok(waits.includes(kps.crdsRelease), waits.join(", "));
    });

    it("metricsExporter otlp: no ServiceMonitor; the OpenTelemetry variables push to the gateway's OTLP/HTTP port every scrape interval, as the Service's job", async () => {
        for (const stack of ["dev", "prod"]) {
            const g = await runStack(stack, { settings: { sampleApp: { enabled: true, image: IMAGE, metricsExporter: "otlp" } } });
            assert.deepEqual(g.byType(MONITOR).map((r) => (g.inputs(r) as unknown as Meta).metadata.name).filter((n) => n === SAMPLE_APP.name), [], "scraped too, every request would count twice");
            const dep = g.one(DEPLOYMENT, "-sample-app-deployment");
            const spec = (g.inputs(dep) as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } } }).spec;
            const env = Object.fromEntries((spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
            assert.equal(env.OTEL_METRICS_EXPORTER, "otlp");
            assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, urls.otlpHttp);
            assert.ok(urls.otlpHttp.endsWith(`:${otlpGateway.httpPort}`), "the HTTP port: the service sends OTLP/HTTP JSON");
            assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, "http/json");
            const scrapeInterval = (profileFor(stack === "prod" ? "prod" : "dev").metrics as { scrapeInterval: string }).scrapeInterval;
            assert.equal(env.OTEL_METRIC_EXPORT_INTERVAL, String(durationSeconds(scrapeInterval) * 1000), `${stack}: one push per scrape interval (${scrapeInterval})`);
            const svc = g.inputs(g.one(SERVICE, "-sample-app-service")) as unknown as Meta;
            assert.equal(env.OTEL_SERVICE_NAME, svc.metadata.name, "service.name becomes `job`, the Service's name as a ServiceMonitor target's job is");
            assert.deepEqual(env.POD_IP, { fieldRef: { fieldPath: "status.podIP" } });
            assert.deepEqual(env.POD_NAME, { fieldRef: { fieldPath: "metadata.name" } });
            assert.deepEqual(env.POD_NAMESPACE, { fieldRef: { fieldPath: "metadata.namespace" } });
            // Each replica names itself: its series stay apart (and get `instance`) whatever the gateway's lookup finds.
            assert.equal(
                env.OTEL_RESOURCE_ATTRIBUTES,
                `service.instance.id=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME),k8s.pod.ip=$(POD_IP),k8s.container.name=${SAMPLE_APP.name}`,
            );
            const names = (spec.template.spec.containers[0]?.env ?? []).map((e) => e.name);
            for (const v of ["POD_IP", "POD_NAME", "POD_NAMESPACE"]) assert.ok(names.indexOf(v) < names.indexOf("OTEL_RESOURCE_ATTRIBUTES"), `${v} is defined before the variable that references it`);
            // Its first pushes find the gateway listening.
            const waits = [...g.waitsFor(dep)].map((r) => String(r.inputs.name ?? r.name));
            assert.ok(waits.includes(otlpGateway.release), `${stack}: ${waits.join(", ")}`);
        }
    });

    it("refuses metricsExporter otlp without the OTLP gateway, naming both keys", async () => {
        await assert.rejects(
            runStack("dev", { settings: { sampleApp: { enabled: true, image: IMAGE, metricsExporter: "otlp" }, otlp: { enabled: false } } }),
            /sampleApp\.metricsExporter: otlp needs the OTLP gateway: set otlp\.enabled to true/,
        );
        await assert.rejects(runStack("dev", { settings: { sampleApp: { enabled: true, image: IMAGE, metricsExporter: "statsd" } } }), /sampleApp\.metricsExporter: expected prometheus \(scraped on \/metrics\) or otlp/);
    });

    it("refuses enabled without an image, or an image without a tag, naming the key", async () => {
        await assert.rejects(runStack("dev", { settings: { sampleApp: { enabled: true } } }), /sampleApp\.image: .*required when sampleApp\.enabled/);
        await assert.rejects(runStack("dev", { settings: { sampleApp: { enabled: true, image: "plg-sample-app:latest" } } }), /sampleApp\.image: expected an image with an explicit tag/);
        await assert.rejects(runStack("dev", { settings: { sampleApp: { enabled: true, image: "plg-sample-app" } } }), /sampleApp\.image/);
    });
});
