/**
 * NetworkPolicies of the platform (pure builder): default-deny ingress in every platform namespace,
 * then exactly the flows the platform needs. Enforced by the VPC CNI's network policy agent
 * (components/aws/cluster-builders.ts ADDON_CONFIGURATION). Ingress only: what a pod may reach is
 * decided at the receiving end, and every receiver here is ours.
 *
 * Kubelet probes need no rule: a pod's own node may always reach it, whatever the policies
 * (Kubernetes "Network Policies": "the only allowed connections into the pod are those from the
 * pod's node and those allowed by the ingress list"). node-exporter runs on the host network, where
 * policies do not apply; its rule documents the one flow it serves.
 */
import { alloy, kps, loadBalancerController as lbc, loki, namespaces, otlpGateway, thanos } from "../../endpoints";
import type { GrafanaLoadBalancerPlacement } from "./load-balancer";

/** Container ports the flows use (the charts' own port names in comments). */
export const POLICY_PORTS = {
    /** Prometheus `web`, Alertmanager `web`. */
    prometheusWeb: 9090,
    alertmanagerWeb: 9093,
    /** Alertmanager cluster gossip (`mesh-tcp`, `mesh-udp`). */
    alertmanagerMesh: 9094,
    /** The operator's config-reloader sidecar (`reloader-web`). */
    reloaderWeb: 8080,
    /** Grafana `grafana`. */
    grafana: 3000,
    /** Grafana unified alerting's HA gossip between replicas (`gossip-tcp`, `gossip-udp`). */
    grafanaGossip: 9094,
    /** kube-state-metrics `http`. */
    kubeStateMetrics: 8080,
    /** Operator `https`: its admission webhook and its metrics. */
    operatorHttps: 10250,
    /** node-exporter `metrics`. */
    nodeExporter: 9100,
    /** Alloy `http-metrics`. */
    alloy: 12345,
    /** Loki gateway `http` (nginx). */
    lokiGateway: 8080,
    /** The OTLP gateway's `otlp-grpc` and `otlp-http`. */
    otlpGrpc: otlpGateway.grpcPort,
    otlpHttp: otlpGateway.httpPort,
    /** Thanos StoreAPI (`grpc`: sidecars, Store Gateway) and HTTP (`http`: API and metrics of every component). */
    thanosGrpc: thanos.grpcPort,
    thanosHttp: thanos.httpPort,
    /** Loki `http-metrics` (API and metrics), gateway exporter, memcached exporter. */
    lokiMetrics: [3100, 4040, 9150],
} as const;

/** Pod labels the policies select on: stable across chart versions (names, not chart labels). */
export const POD_LABELS = {
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    grafana: { "app.kubernetes.io/name": "grafana" },
    kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics" },
    operator: { app: `${kps.release}-operator` },
    nodeExporter: { "app.kubernetes.io/name": "prometheus-node-exporter" },
    alloy: { "app.kubernetes.io/name": "alloy" },
    /** The second Alloy release (a Deployment in monitoring): the chart's selector labels. */
    otlpGateway: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": otlpGateway.release },
    loadBalancerController: { "app.kubernetes.io/name": "aws-load-balancer-controller" },
    loki: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": loki.release },
    lokiGateway: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": loki.release, "app.kubernetes.io/component": "gateway" },
    /** The Thanos chart's selector labels, per component. */
    thanosQuery: { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": thanos.release, "app.kubernetes.io/component": "query" },
    thanosQueryFrontend: { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": thanos.release, "app.kubernetes.io/component": "query-frontend" },
    thanosStoreGateway: { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": thanos.release, "app.kubernetes.io/component": "store-gateway" },
    thanosCompactor: { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/instance": thanos.release, "app.kubernetes.io/component": "compact" },
} as const;

/** A `networking.k8s.io/v1` NetworkPolicy. */
export interface NetworkPolicyObject {
    readonly apiVersion: "networking.k8s.io/v1";
    readonly kind: "NetworkPolicy";
    readonly metadata: { readonly name: string; readonly namespace: string };
    readonly spec: {
        readonly podSelector: { readonly matchLabels?: Readonly<Record<string, string>> };
        readonly policyTypes: readonly ["Ingress"];
        readonly ingress?: readonly IngressRule[];
    };
}

/** One ingress rule: any of `from`, on any of `ports` (every port when absent). */
export interface IngressRule {
    readonly from: readonly Peer[];
    readonly ports?: readonly { readonly port: number; readonly protocol: "TCP" | "UDP" }[];
}

/** A peer: pods (of a namespace) or an address block. */
export type Peer =
    | { readonly podSelector: { readonly matchLabels: Readonly<Record<string, string>> }; readonly namespaceSelector?: { readonly matchLabels: Readonly<Record<string, string>> } }
    | { readonly ipBlock: { readonly cidr: string } }
    /** Every pod of every namespace (an empty selector). */
    | { readonly namespaceSelector: { readonly matchLabels: Readonly<Record<string, never>> } };

export interface NetworkPoliciesInput {
    /**
     * The VPC's CIDR: the EKS control plane's ENIs (webhook calls) are in it, and Grafana's ALB's
     * nodes (target-type ip) when its placement is `vpc`. On a cluster by kubeconfig: where the API server calls from.
     */
    readonly vpcCidr: string;
    /** Whether the AWS Load Balancer Controller (and its namespace) is installed. */
    readonly loadBalancerController: boolean;
    /** Whether the OTLP gateway runs (otlp.enabled). */
    readonly otlpGateway?: boolean;
    /** Whether Thanos runs (metrics.longTerm.enabled). */
    readonly longTermMetrics?: boolean;
    /** Where Grafana's load balancer sends from (./load-balancer.ts); absent: no load balancer (none reaches Grafana). */
    readonly grafanaLoadBalancer?: GrafanaLoadBalancerPlacement;
}

const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: "TCP" as const }));
/** Pods with `labels` in namespace `ns`. */
const pods = (ns: string, labels: Readonly<Record<string, string>>): Peer => ({
    podSelector: { matchLabels: labels },
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
});
const prometheus = pods(kps.namespace, POD_LABELS.prometheus);
const otlp = pods(otlpGateway.namespace, POD_LABELS.otlpGateway);

function policy(namespace: string, name: string, selector: Readonly<Record<string, string>> | undefined, ingress?: IngressRule[]): NetworkPolicyObject {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace },
        spec: { podSelector: selector ? { matchLabels: selector } : {}, policyTypes: ["Ingress"], ...(ingress ? { ingress } : {}) },
    };
}

/** Every NetworkPolicy of the platform. */
export function buildNetworkPolicies(input: NetworkPoliciesInput): NetworkPolicyObject[] {
    const P = POLICY_PORTS;
    const grafana = pods(kps.namespace, POD_LABELS.grafana);
    const vpc: Peer = { ipBlock: { cidr: input.vpcCidr } };
    const placement = input.grafanaLoadBalancer ?? { kind: "none" };
    const loadBalancer: Peer[] =
        placement.kind === "publicSubnets" ? placement.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : placement.kind === "vpc" ? [vpc] : [];
    return [
        // Nothing gets in unless a policy below lets it.
        ...Object.values(namespaces)
            .filter((ns) => input.loadBalancerController || ns !== lbc.namespace)
            .map((ns) => policy(ns, "default-deny-ingress", undefined)),

        // monitoring
        policy(kps.namespace, "prometheus", POD_LABELS.prometheus, [
            { from: [grafana, prometheus], ports: tcp(P.prometheusWeb) },
            { from: [prometheus], ports: tcp(P.reloaderWeb) },
            // The OTLP gateway remote-writes application metrics to each replica.
            ...(input.otlpGateway ? [{ from: [otlp], ports: tcp(P.prometheusWeb) }] : []),
            // Thanos Query reads recent data from each sidecar's StoreAPI; Prometheus scrapes the sidecar.
            ...(input.longTermMetrics
                ? [
                      { from: [pods(kps.namespace, POD_LABELS.thanosQuery)], ports: tcp(P.thanosGrpc) },
                      { from: [prometheus], ports: tcp(P.thanosHttp) },
                  ]
                : []),
        ]),
        // Whoever reaches Alertmanager can silence every alert: Grafana, Prometheus and the Loki ruler only.
        policy(kps.namespace, "alertmanager", POD_LABELS.alertmanager, [
            { from: [grafana, prometheus, pods(loki.namespace, POD_LABELS.loki)], ports: tcp(P.alertmanagerWeb) },
            { from: [prometheus], ports: tcp(P.reloaderWeb) },
            {
                from: [pods(kps.namespace, POD_LABELS.alertmanager)],
                ports: [
                    { port: P.alertmanagerMesh, protocol: "TCP" },
                    { port: P.alertmanagerMesh, protocol: "UDP" },
                ],
            },
        ]),
        // The load balancer's nodes (target-type ip) from where it is placed: its public subnets (no pods
        // there), or the whole VPC (pods included: the known limit). Without one, Prometheus only:
        // `kubectl port-forward` enters through the kubelet, inside the pod's network namespace.
        policy(kps.namespace, "grafana", POD_LABELS.grafana, [
            { from: [...loadBalancer, prometheus], ports: tcp(P.grafana) },
            // Replicas sharing a database de-duplicate Grafana-managed alert notifications over it (grafana.database.type rds).
            {
                from: [grafana],
                ports: [
                    { port: P.grafanaGossip, protocol: "TCP" },
                    { port: P.grafanaGossip, protocol: "UDP" },
                ],
            },
        ]),
        policy(kps.namespace, "kube-state-metrics", POD_LABELS.kubeStateMetrics, [{ from: [prometheus], ports: tcp(P.kubeStateMetrics) }]),
        // The API server calls the admission webhook from the control plane's ENIs, which EKS creates in the
        // cluster's subnets (EKS API reference, VpcConfigRequest.subnetIds), where the pods are too: no
        // address block tells the API server from a pod, so the VPC is admitted, pods included.
        // The residual risk is small: the port answers AdmissionReview requests (a caller learns whether
        // a rule object it sent would be valid) and the operator's metrics, nothing that changes state.
        policy(kps.namespace, "operator", POD_LABELS.operator, [{ from: [vpc, prometheus], ports: tcp(P.operatorHttps) }]),

        // Thanos: Grafana -> Query Frontend -> Query -> Store Gateway (and the sidecars, above); Prometheus scrapes each.
        ...(input.longTermMetrics
            ? [
                  policy(kps.namespace, "thanos-query-frontend", POD_LABELS.thanosQueryFrontend, [{ from: [grafana, prometheus], ports: tcp(P.thanosHttp) }]),
                  policy(kps.namespace, "thanos-query", POD_LABELS.thanosQuery, [
                      { from: [pods(kps.namespace, POD_LABELS.thanosQueryFrontend), prometheus], ports: tcp(P.thanosHttp) },
                  ]),
                  policy(kps.namespace, "thanos-store-gateway", POD_LABELS.thanosStoreGateway, [
                      { from: [pods(kps.namespace, POD_LABELS.thanosQuery)], ports: tcp(P.thanosGrpc) },
                      { from: [prometheus], ports: tcp(P.thanosHttp) },
                  ]),
                  policy(kps.namespace, "thanos-compact", POD_LABELS.thanosCompactor, [{ from: [prometheus], ports: tcp(P.thanosHttp) }]),
              ]
            : []),

        // node agents
        policy(alloy.namespace, "node-exporter", POD_LABELS.nodeExporter, [{ from: [prometheus], ports: tcp(P.nodeExporter) }]),
        policy(alloy.namespace, "alloy", POD_LABELS.alloy, [{ from: [prometheus], ports: tcp(P.alloy) }]),

        // OpenTelemetry from any workload of the cluster (applications live in namespaces the platform does not know).
        ...(input.otlpGateway
            ? [
                  policy(otlpGateway.namespace, "otlp-gateway", POD_LABELS.otlpGateway, [
                      { from: [{ namespaceSelector: { matchLabels: {} } }], ports: tcp(P.otlpGrpc, P.otlpHttp) },
                      { from: [prometheus], ports: tcp(P.alloy) },
                  ]),
              ]
            : []),

        // The API server calls the controller's webhook (TargetGroupBinding, Ingress and Service
        // mutation/validation) from the control plane's ENIs: VPC-wide, as the operator's above.
        ...(input.loadBalancerController
            ? [
                  policy(lbc.namespace, "aws-load-balancer-controller", POD_LABELS.loadBalancerController, [
                      { from: [vpc], ports: tcp(lbc.webhookPort) },
                      { from: [prometheus], ports: tcp(lbc.metricsPort) },
                  ]),
              ]
            : []),

        // logging: writers and readers through the gateway only; Loki's components among themselves.
        policy(loki.namespace, "loki-gateway", POD_LABELS.lokiGateway, [
            { from: [pods(alloy.namespace, POD_LABELS.alloy), grafana, ...(input.otlpGateway ? [otlp] : [])], ports: tcp(P.lokiGateway) },
        ]),
        policy(loki.namespace, "loki", POD_LABELS.loki, [
            { from: [pods(loki.namespace, POD_LABELS.loki)] },
            { from: [prometheus], ports: tcp(...P.lokiMetrics) },
        ]),
    ];
}
