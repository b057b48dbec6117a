/**
 * Every Helm chart the platform installs: repository, chart name and pinned version.
 * The one place a chart version is written; bump here and nowhere else.
 */
export interface ChartRef {
    /** Helm repository URL. */
    readonly repo: string;
    /** Chart name in that repository. */
    readonly chart: string;
    /** Exact chart version (never a range). */
    readonly version: string;
}

const PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts";

export const charts = {
    prometheusOperatorCrds: { repo: PROMETHEUS_COMMUNITY, chart: "prometheus-operator-crds", version: "31.0.1" },
    kubePrometheusStack: { repo: PROMETHEUS_COMMUNITY, chart: "kube-prometheus-stack", version: "88.5.3" },
    // The OSS Loki chart moved to grafana-community in 2026; grafana/loki is Enterprise-only now.
    loki: { repo: "https://grafana-community.github.io/helm-charts", chart: "loki", version: "18.11.0" },
    alloy: { repo: "https://grafana.github.io/helm-charts", chart: "alloy", version: "1.11.1" },
    // Its IAM policy is pinned to the same version: components/aws/load-balancer-controller/.
    awsLoadBalancerController: { repo: "https://aws.github.io/eks-charts", chart: "aws-load-balancer-controller", version: "3.5.0" },
    // Long-term metrics: stevehipwell's chart (maintained, official quay.io/thanos images, every component
    // opt-in, restricted security contexts by default). Its appVersion is THANOS_VERSION below.
    thanos: { repo: "https://stevehipwell.github.io/helm-charts", chart: "thanos", version: "1.24.1" },
} as const satisfies Record<string, ChartRef>;

export type ChartKey = keyof typeof charts;

/**
 * The Thanos version: the thanos chart's appVersion (its default image tag) and the Prometheus
 * sidecar's image, so the sidecar and the components it talks to never differ. Bump with the chart.
 */
export const THANOS_VERSION = "v0.42.4";
