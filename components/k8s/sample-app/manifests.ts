/**
 * The guide's sample service (examples/sample-app) as Kubernetes objects: a Deployment, a Service
 * and a ServiceMonitor (or, with metrics pushed over OTLP, the OpenTelemetry variables pointing it
 * at the OTLP gateway instead), so a new environment can be verified end to end by generating
 * traffic. Pure data: index.ts creates them.
 *
 * A ServiceMonitor (not a PodMonitor) so the series carry `service` as well as `namespace` and
 * `job` (= the Service's name), which the rules aggregate by; the app names its route label
 * `route` because the target's own `endpoint` label (the port name) would otherwise rename it.
 */
import type * as k8s from "@pulumi/kubernetes";
import { urls } from "../../endpoints";
import { APP_SOURCE_POD_LABELS } from "../../labels";

/** Names and port of the sample service. */
export const SAMPLE_APP = {
    namespace: "sample-app",
    name: "sample-app",
    /** Container and Service port; the name is what the ServiceMonitor endpoint refers to. */
    port: 8080,
    portName: "http",
    metricsPath: "/metrics",
} as const;

export interface SampleAppInput {
    /** Container image with an explicit tag or digest, e.g. `<registry>/plg-sample-app:0.1.0`. */
    readonly image: string;
    /** Pod replicas. */
    readonly replicas: number;
    /** Namespace labels (Pod Security Admission). */
    readonly namespaceLabels: Readonly<Record<string, string>>;
    /**
     * How the metrics reach Prometheus (config sampleApp.metricsExporter): scraped on /metrics, or
     * pushed over OTLP to the gateway every `exportIntervalMillis` (metrics.scrapeInterval, so the
     * rules' rate windows see as many samples as from a scrape).
     */
    readonly metrics: { readonly exporter: "prometheus" } | { readonly exporter: "otlp"; readonly exportIntervalMillis: number };
}

export interface SampleAppManifests {
    readonly namespace: k8s.types.input.core.v1.Namespace;
    readonly deployment: k8s.types.input.apps.v1.Deployment;
    readonly service: k8s.types.input.core.v1.Service;
    /** A monitoring.coreos.com/v1 ServiceMonitor (a CRD: no generated type); none when the metrics are pushed (a scrape would count them twice). */
    readonly serviceMonitor?: k8s.apiextensions.CustomResourceArgs;
}

/** The pod's own facts (downward API), for OTEL_RESOURCE_ATTRIBUTES: defined before it references them. */
const POD_FIELDS = { POD_IP: "status.podIP", POD_NAME: "metadata.name", POD_NAMESPACE: "metadata.namespace" } as const;

/**
 * The standard OpenTelemetry variables the service reads (examples/sample-app/src/metrics.ts) to
 * push its metrics to the gateway's OTLP/HTTP port. `service.name` is the Service's name, which the
 * gateway's conversion makes the `job` label, as a ServiceMonitor target's is. The pod says who it
 * is itself (namespace, name, address, container; k8sattributes keeps attributes a sender set), so
 * each replica's series stay apart even when the gateway's pod cache misses (after a restart it
 * does not wait for it), and `service.instance.id` = the pod's name gives them an `instance` label
 * too: without one, two replicas would write one series and their counters would look like resets.
 */
function otlpEnv(exportIntervalMillis: number): k8s.types.input.core.v1.EnvVar[] {
    if (!Number.isInteger(exportIntervalMillis) || exportIntervalMillis <= 0) throw new Error(`exportIntervalMillis must be a positive integer, got ${exportIntervalMillis}`);
    return [
        ...Object.entries(POD_FIELDS).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
        { name: "OTEL_METRICS_EXPORTER", value: "otlp" },
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: urls.otlpHttp },
        { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/json" },
        { name: "OTEL_METRIC_EXPORT_INTERVAL", value: String(exportIntervalMillis) },
        { name: "OTEL_SERVICE_NAME", value: SAMPLE_APP.name },
        {
            name: "OTEL_RESOURCE_ATTRIBUTES",
            value: `service.instance.id=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME),k8s.pod.ip=$(POD_IP),k8s.container.name=${SAMPLE_APP.name}`,
        },
    ];
}

/** The objects; the pod passes the `restricted` Pod Security Standard. */
export function buildSampleAppManifests(input: SampleAppInput): SampleAppManifests {
    const { namespace, name, port, portName, metricsPath } = SAMPLE_APP;
    // Alloy takes the logs' `app` label from the first of these pod labels present.
    const selector = { [APP_SOURCE_POD_LABELS[0]]: name };
    const metadata = { name, namespace, labels: { ...selector, "app.kubernetes.io/part-of": "plg-observability" } };
    return {
        namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { ...input.namespaceLabels } } },
        deployment: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata,
            spec: {
                replicas: input.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels: metadata.labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name,
                                image: input.image,
                                env: [
                                    { name: "PORT", value: String(port) },
                                    { name: "SERVICE_NAME", value: name },
                                    ...(input.metrics.exporter === "otlp" ? otlpEnv(input.metrics.exportIntervalMillis) : []),
                                ],
                                ports: [{ name: portName, containerPort: port, protocol: "TCP" }],
                                readinessProbe: { httpGet: { path: "/", port: portName }, periodSeconds: 10 },
                                livenessProbe: { httpGet: { path: "/", port: portName }, periodSeconds: 20, failureThreshold: 3 },
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    capabilities: { drop: ["ALL"] },
                                },
                            },
                        ],
                        // main.ts drains within 10 s of SIGTERM.
                        terminationGracePeriodSeconds: 15,
                    },
                },
            },
        },
        service: {
            apiVersion: "v1",
            kind: "Service",
            metadata,
            spec: { selector, ports: [{ name: portName, port, targetPort: portName, protocol: "TCP" }] },
        },
        ...(input.metrics.exporter === "prometheus"
            ? {
                  serviceMonitor: {
                      apiVersion: "monitoring.coreos.com/v1",
                      kind: "ServiceMonitor",
                      metadata,
                      // No interval: Prometheus' global one (metrics.scrapeInterval), which the rules' windows are checked against.
                      spec: { selector: { matchLabels: selector }, namespaceSelector: { matchNames: [namespace] }, endpoints: [{ port: portName, path: metricsPath }] },
                  },
              }
            : {}),
    };
}
