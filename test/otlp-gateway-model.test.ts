/**
 * The model of the OTLP gateway's metrics path that the end-to-end test puts in place of Alloy
 * (test/support/otlp-gateway-model.ts), held to upstream's own test cases, so the e2e proves the
 * sample service's OTLP metrics against the conversion Alloy performs and not against a guess.
 *
 * Name cases: opentelemetry-collector-contrib pkg/translator/prometheus normalize_name_test.go
 * (TestByte, TestByteCounter, TestRatio, TestOTelReceivers, BuildCompliantMetricName cases) and
 * Alloy v1.18.1 internal/component/otelcol/exporter/prometheus/internal/convert/convert_test.go
 * ("Monotonic sum: add_metric_suffixes = true"). Label cases: normalize_label_test.go TestSanitize
 * (the drop-sanitization gate off, its default). Histogram cases: Alloy v1.18.1 convert.go
 * consumeHistogram (`le` = strconv.FormatFloat(bound, 'f', -1, 64), cumulative bucket counts, a
 * +Inf bucket equal to the count, `_sum` only when the point has one).
 */
import assert from "node:assert/strict";
import { buildOtlpGatewayConfig } from "../components/k8s/collector/otlp";
import { OtlpGatewayModel, prometheusLabel, prometheusName } from "./support/otlp-gateway-model";
import type { OtlpExport, OtlpKeyValue } from "./support/otlp-receiver";

const kv = (attrs: Record<string, string>): OtlpKeyValue[] => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));

describe("OTLP gateway model (the e2e's stand-in for Alloy's metrics path)", () => {
    it("names metrics as upstream's tests say", () => {
        const cases: [string, string, "counter" | "gauge" | "histogram", string][] = [
            ["system.filesystem.usage", "By", "gauge", "system_filesystem_usage_bytes"],
            ["system.io", "By", "counter", "system_io_bytes_total"],
            ["network_transmitted_bytes_total", "By", "counter", "network_transmitted_bytes_total"],
            ["hw.gpu.memory.utilization", "1", "gauge", "hw_gpu_memory_utilization_ratio"],
            ["hw.fan.speed_ratio", "1", "gauge", "hw_fan_speed_ratio"],
            ["objects", "1", "counter", "objects_total"],
            ["apache.requests", "1", "counter", "apache_requests_total"],
            ["bigip.virtual_server.request.count", "{requests}", "counter", "bigip_virtual_server_request_count_total"],
            ["system.disk.operation_time", "s", "counter", "system_disk_operation_time_seconds_total"],
            ["active_directory.ds.ldap.bind.last_successful.time", "ms", "gauge", "active_directory_ds_ldap_bind_last_successful_time_milliseconds"],
            ["redis.latest_fork", "us", "gauge", "redis_latest_fork_microseconds"],
            ["nginx.requests", "requests", "gauge", "nginx_requests"],
            ["apache.workers", "connections", "gauge", "apache_workers_connections"],
            ["3.14 digits", "", "gauge", "_3_14_digits"],
            ["envoy__rule_engine_zlib_buf_error", "", "gauge", "envoy_rule_engine_zlib_buf_error"],
            ["test_metric_total", "seconds", "counter", "test_metric_seconds_total"],
        ];
        for (const [name, unit, kind, want] of cases) assert.equal(prometheusName(name, unit, kind), want, `${name} (${unit}, ${kind})`);
        // What the model does not know, it refuses rather than guesses.
        assert.throws(() => prometheusName("system.io", "By/s", "gauge"), /not modelled/);
        assert.throws(() => prometheusName(":foo::bar", "", "gauge"), /not modelled/);
    });

    it("names labels as upstream's tests say", () => {
        for (const [name, want] of [["_test", "key_test"], ["0test", "key_0test"], ["test", "test"], ["test_/", "test__"], ["__test", "__test"], ["http.route", "http_route"]]) {
            assert.equal(prometheusLabel(name as string), want, name);
        }
    });

    const config = buildOtlpGatewayConfig({ clusterName: "plg-prod", tenantId: "platform", prometheusReplicas: 2 });
    const pod = { ip: "10.0.3.7", namespace: "shop", name: "checkout-7d9f8-abcde", labels: { "app.kubernetes.io/name": "checkout" } };
    const counterExport = (resource: Record<string, string>, remoteAddress: string, temporality: 1 | 2 = 2): OtlpExport => ({
        at: 0,
        remoteAddress,
        resourceMetrics: [
            {
                resource: { attributes: kv(resource) },
                scopeMetrics: [
                    {
                        scope: { name: "checkout-meter", version: "" },
                        metrics: [{ name: "http_requests_total", unit: "", sum: { aggregationTemporality: temporality, isMonotonic: true, dataPoints: [{ attributes: kv({ route: "/pay", http_status: "500" }), timeUnixNano: "1", asDouble: 4 }] } }],
                    },
                ],
            },
        ],
    });

    it("follows the generated configuration: pod found by the connection, shared labels from the transform, job from service.name, one write per Prometheus replica", () => {
        const model = new OtlpGatewayModel(config, [pod]);
        const samples = model.metricsOf(counterExport({ "service.name": "checkout", "k8s.container.name": "server" }, pod.ip));
        const counter = samples.find((s) => s.labels.__name__ === "http_requests_total");
        assert.deepEqual(counter, {
            labels: { __name__: "http_requests_total", job: "checkout", otel_scope_name: "checkout-meter", route: "/pay", http_status: "500", namespace: "shop", pod: pod.name, container: "server", service: "checkout" },
            value: 4,
        });
        // Without the sender's container name there is no `container` label (no container id to look it up by).
        const bare = model.metricsOf(counterExport({ "service.name": "checkout" }, pod.ip)).find((s) => s.labels.__name__ === "http_requests_total");
        assert.equal(bare?.labels.container, undefined);
        const info = samples.find((s) => s.labels.__name__ === "target_info");
        assert.equal(info?.labels.k8s_namespace_name, "shop", "resource attributes stay on target_info");
        assert.equal(model.remoteWriteUrls.length, 2);
    });

    it("finds the pod by the k8s.pod.ip the sender reports before the connection's address; what the sender set is kept; service.instance.id is `instance`", () => {
        const other = { ip: "10.0.9.9", namespace: "proxy", name: "envoy-1", labels: {} };
        const model = new OtlpGatewayModel(config, [pod, other]);
        const byAttribute = model.metricsOf(counterExport({ "service.name": "checkout", "k8s.pod.ip": pod.ip }, other.ip)).find((s) => s.labels.__name__ === "http_requests_total");
        assert.equal(byAttribute?.labels.pod, pod.name, "the resource attribute's pod, not the connection's");
        const stated = model.metricsOf(counterExport({ "service.name": "checkout", "service.instance.id": "checkout-a", "k8s.pod.name": "checkout-a", "k8s.namespace.name": "shop" }, "10.9.9.9"));
        const counter = stated.find((s) => s.labels.__name__ === "http_requests_total");
        assert.equal(counter?.labels.pod, "checkout-a", "no lookup needed when the pod says who it is");
        assert.equal(counter?.labels.namespace, "shop");
        assert.equal(counter?.labels.instance, "checkout-a");
    });

    it("histograms: a bucket per bound (Go's shortest float form), cumulative counts, +Inf equal to the count, _sum and _count", () => {
        const model = new OtlpGatewayModel(config, [pod]);
        const samples = model.metricsOf({
            at: 0,
            remoteAddress: pod.ip,
            resourceMetrics: [
                {
                    resource: { attributes: kv({ "service.name": "checkout" }) },
                    scopeMetrics: [
                        {
                            scope: { name: "m" },
                            metrics: [
                                {
                                    name: "http_request_latency_seconds",
                                    unit: "s",
                                    histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: "1", count: "6", sum: 2.5, bucketCounts: [1, "2", 0, 3], explicitBounds: [0.005, 0.5, 1] }] },
                                },
                            ],
                        },
                    ],
                },
            ],
        });
        const of = (name: string) => samples.filter((s) => s.labels.__name__ === name).map((s) => [s.labels.le, s.value]);
        assert.deepEqual(of("http_request_latency_seconds_bucket"), [["0.005", 1], ["0.5", 3], ["1", 3], ["+Inf", 6]]);
        assert.deepEqual(of("http_request_latency_seconds_sum"), [[undefined, 2.5]]);
        assert.deepEqual(of("http_request_latency_seconds_count"), [[undefined, 6]]);
    });

    it("an unknown sender gets no pod labels; delta counters are dropped", () => {
        const model = new OtlpGatewayModel(config, [pod]);
        const counter = model.metricsOf(counterExport({ "service.name": "checkout" }, "10.9.9.9")).find((s) => s.labels.__name__ === "http_requests_total");
        assert.equal(counter?.labels.namespace, undefined);
        assert.deepEqual(model.metricsOf(counterExport({ "service.name": "checkout" }, pod.ip, 1)).map((s) => s.labels.__name__), ["target_info"]);
    });

    it("refuses a pipeline it does not model", () => {
        const changed = config.replace('otelcol.exporter.prometheus "apps" {', 'otelcol.exporter.prometheus "apps" {\n  add_metric_suffixes = false');
        assert.notEqual(changed, config);
        assert.throws(() => new OtlpGatewayModel(changed, [pod]).metricsOf(counterExport({ "service.name": "checkout" }, pod.ip)), /default arguments only/);
    });
});
