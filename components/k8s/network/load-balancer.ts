/**
 * Where Grafana's load balancer sends from (pure): the one fact both Grafana's NetworkPolicy (which
 * addresses reach Grafana :3000) and Grafana's Ingress (which subnets the ALB is put in) follow.
 *
 * The ALB sends to its targets (target-type ip: the pods) from its nodes' private addresses in the
 * subnets it is placed in (Elastic Load Balancing user guide, "Subnets for your Application Load
 * Balancer"). With the VPC CNI every pod has an address of its node's subnet too, so a source
 * CIDR tells the ALB from the pods only when the ALB's subnets hold no pods.
 */
import { type Settings, clusterTargetOf } from "../../../config";
import { planSubnets } from "../../aws/cluster-builders";

export type GrafanaLoadBalancerPlacement =
    /**
     * No load balancer: no grafana.hostname, or a cluster by kubeconfig. Grafana is reached by
     * `kubectl port-forward`, which the kubelet serves inside the pod's network namespace, where
     * NetworkPolicies do not apply: no address is admitted to Grafana :3000 but Prometheus.
     */
    | { readonly kind: "none" }
    /**
     * Internet-facing on a VPC the program creates: the ALB is pinned to the public subnets
     * (which hold no pods: the node groups and the control plane are in the private ones) and
     * only their CIDRs reach Grafana.
     */
    | { readonly kind: "publicSubnets"; readonly cidrs: readonly string[] }
    /**
     * The VPC's CIDR (the known limit): an internal ALB shares the private subnets with the pods,
     * and on an existing VPC or a brought cluster the controller picks subnets by tags the program
     * does not control.
     */
    | { readonly kind: "vpc" };

/** Where Grafana's load balancer is, from the settings (mirrors when components/platform.ts creates Grafana's Ingress). */
export function grafanaLoadBalancerPlacement(settings: Settings): GrafanaLoadBalancerPlacement {
    const g = settings.grafana;
    const target = clusterTargetOf(settings);
    if (g.hostname === undefined || g.tlsCertificateArn === undefined || target === "kubeconfig") return { kind: "none" };
    const net = settings.network;
    if (g.scheme === "internet-facing" && target === "created" && net.mode === "create") {
        // The same plan components/aws/network.ts creates the public subnets from.
        const plan = planSubnets({ vpcCidr: net.cidr, azCount: net.azCount, privateSubnetCidrs: net.privateSubnetCidrs, publicSubnetCidrs: net.publicSubnetCidrs });
        return { kind: "publicSubnets", cidrs: plan.public };
    }
    return { kind: "vpc" };
}
