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
    /** Where Alloy pushes log lines. */
    lokiPush: `${svcUrl(loki.gateway.service, loki.namespace, loki.gateway.port)}/loki/api/v1/push`,
} as const;

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
