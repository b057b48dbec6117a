/**
 * Namespaces, release names, service names, ports and in-cluster URLs: one source of truth.
 * Every chart gets an explicit fullnameOverride taken from here, so a service name never
 * drifts with a chart version, and no in-cluster URL is spelled twice.
 */
export const namespaces = {
    monitoring: "monitoring",
    logging: "logging",
    /** The node agents that need the host (node-exporter, Alloy), apart: the only privileged namespace (k8s/pod-security.ts). */
    nodeAgents: "node-agents",
    /** The AWS Load Balancer Controller, apart from kube-system so it gets the platform's Pod Security and network policies. */
    loadBalancerController: "load-balancer-controller",
} as const;

const CLUSTER_DOMAIN = "svc.cluster.local";

function svcUrl(service: string, namespace: string, port: number, scheme = "http"): string {
    return `${scheme}://${service}.${namespace}.${CLUSTER_DOMAIN}:${port}`;
}

/** kube-prometheus-stack: release and fullnameOverride (the chart derives service names from it). */
export const kps = {
    namespace: namespaces.monitoring,
    release: "kube-prometheus-stack",
    crdsRelease: "prometheus-operator-crds",
    fullname: "kps",
    prometheus: { service: "kps-prometheus", port: 9090 },
    alertmanager: { service: "kps-alertmanager", port: 9093 },
    grafana: { fullname: "grafana", service: "grafana", port: 80 },
    /** node-exporter (a kps subchart) runs in the node agents' namespace. */
    nodeExporter: { namespace: namespaces.nodeAgents },
    /** Kubernetes Secret holding Alertmanager receiver credentials, mounted via alertmanagerSpec.secrets. */
    receiverSecretName: "alertmanager-receivers",
    /** Kubernetes Secret holding the Grafana admin user and password. */
    grafanaAdminSecretName: "grafana-admin",
    /** Kubernetes Secret holding Grafana's SSO client secret. */
    grafanaSsoSecretName: "grafana-sso",
} as const;

/** Loki: release, fullnameOverride and the service account bound to the workload role. */
export const loki = {
    namespace: namespaces.logging,
    release: "loki",
    fullname: "loki",
    serviceAccount: "loki",
    gateway: { service: "loki-gateway", port: 80 },
} as const;

/**
 * Thanos (long-term metrics): release, fullnameOverride, the service accounts bound to its roles, and
 * the Prometheus side: the service account its sidecar's uploads run as (kps names it
 * `<fullname>-prometheus`) and the headless Service kps creates for the sidecars' gRPC (`thanosService`).
 */
export const thanos = {
    namespace: namespaces.monitoring,
    release: "thanos",
    fullname: "thanos",
    /** The Secret holding the object-store configuration (bucket, region; no credential), read by the sidecars and Thanos. */
    objstoreSecretName: "thanos-objstore",
    objstoreSecretKey: "objstore.yml",
    prometheusServiceAccount: `${kps.fullname}-prometheus`,
    sidecarDiscoveryService: `${kps.fullname}-thanos-discovery`,
    storeGatewayServiceAccount: "thanos-store-gateway",
    compactorServiceAccount: "thanos-compact",
    queryFrontend: { service: "thanos-query-frontend", port: 10902 },
    /** StoreAPI (gRPC) of the sidecars and the Store Gateway, and every component's HTTP port (API, metrics). */
    grpcPort: 10901,
    httpPort: 10902,
} as const;

/** AWS Load Balancer Controller: release, fullnameOverride and the service account bound to its role. */
export const loadBalancerController = {
    namespace: namespaces.loadBalancerController,
    release: "aws-load-balancer-controller",
    fullname: "aws-load-balancer-controller",
    serviceAccount: "aws-load-balancer-controller",
    /** Its admission webhook (TargetGroupBinding, Service and Ingress validation), called by the API server. */
    webhookPort: 9443,
    /** Its metrics. */
    metricsPort: 8080,
} as const;

/** Alloy: release and fullnameOverride. */
export const alloy = {
    namespace: namespaces.nodeAgents,
    release: "alloy",
    fullname: "alloy",
    serviceAccount: "alloy",
} as const;

/**
 * The OTLP gateway: a second Alloy release (a Deployment, not the node DaemonSet) that receives
 * OpenTelemetry from applications. In `monitoring` (Pod Security restricted): it needs no host access.
 */
export const otlpGateway = {
    namespace: namespaces.monitoring,
    release: "alloy-otlp",
    fullname: "alloy-otlp",
    serviceAccount: "alloy-otlp",
    /** OTLP/gRPC and OTLP/HTTP, the OpenTelemetry defaults (SDKs' OTEL_EXPORTER_OTLP_ENDPOINT). */
    grpcPort: 4317,
    httpPort: 4318,
} as const;

export const urls = {
    prometheus: svcUrl(kps.prometheus.service, kps.namespace, kps.prometheus.port),
    alertmanager: svcUrl(kps.alertmanager.service, kps.namespace, kps.alertmanager.port),
    /**
     * Every Alertmanager replica, by DNS SRV on the operator's headless service (port `http-web`):
     * the Loki ruler sends each alert to all replicas, as Prometheus does, not to one behind a Service.
     */
    alertmanagerReplicasSrv: `http://_http-web._tcp.alertmanager-operated.${kps.namespace}.${CLUSTER_DOMAIN}`,
    /** Loki gateway base URL: queries (Grafana) and the ruler API. */
    lokiGateway: svcUrl(loki.gateway.service, loki.namespace, loki.gateway.port),
    /** Thanos Query Frontend: what Grafana's `prometheus` datasource reads when metrics.longTerm is on. */
    thanosQueryFrontend: svcUrl(thanos.queryFrontend.service, thanos.namespace, thanos.queryFrontend.port),
    /** Every Prometheus replica's Thanos sidecar (StoreAPI), by DNS SRV on kps' headless discovery Service. */
    thanosSidecarsSrv: `dnssrv+_grpc._tcp.${thanos.sidecarDiscoveryService}.${thanos.namespace}.${CLUSTER_DOMAIN}`,
    /** Where Alloy pushes log lines. */
    lokiPush: `${svcUrl(loki.gateway.service, loki.namespace, loki.gateway.port)}/loki/api/v1/push`,
    /** Loki's OTLP intake through the gateway (the exporter appends /v1/logs). */
    lokiOtlp: `${svcUrl(loki.gateway.service, loki.namespace, loki.gateway.port)}/otlp`,
    /** What applications export to: OTLP/gRPC and OTLP/HTTP on the gateway's Service. */
    otlpGrpc: svcUrl(otlpGateway.fullname, otlpGateway.namespace, otlpGateway.grpcPort),
    otlpHttp: svcUrl(otlpGateway.fullname, otlpGateway.namespace, otlpGateway.httpPort),
} as const;

/**
 * Remote-write URL of one Prometheus replica, by its pod's DNS name under the operator's governing
 * headless Service `prometheus-operated` (StatefulSet `prometheus-<fullname>-prometheus`): each
 * replica of an HA pair answers only for itself, so a writer must write to every one.
 */
export function prometheusReplicaWriteUrl(replica: number): string {
    return `http://prometheus-${kps.prometheus.service}-${replica}.prometheus-operated.${kps.namespace}.${CLUSTER_DOMAIN}:${kps.prometheus.port}/api/v1/write`;
}

/** Mount path of a Secret listed in alertmanagerSpec.secrets (operator convention). */
export function alertmanagerSecretPath(secretName: string, key: string): string {
    return `/etc/alertmanager/secrets/${secretName}/${key}`;
}

/** Grafana datasource uids: fixed, referred to by dashboards and links, never by name. */
export const datasourceUids = {
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    loki: "loki",
} as const;

/**
 * The Loki datasource of a team's tenant (alerting.teams): a team's dashboards read only its own
 * logs through it. The platform tenant keeps `datasourceUids.loki`.
 */
export function teamLokiDatasourceUid(team: string): string {
    return `loki-${team}`;
}

/** Where a team's rules and dashboards live in the repository: teams/<team>/{prometheus,loki,dashboards}/. */
export const TEAMS_DIRECTORY = "teams";
