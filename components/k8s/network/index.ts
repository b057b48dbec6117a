import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GrafanaLoadBalancerPlacement } from "./load-balancer";
import { type NetworkPolicyObject, buildNetworkPolicies } from "./policies";

export interface NetworkPoliciesArgs {
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** The VPC's CIDR (load balancer and control-plane sources); on a cluster by kubeconfig, where the API server calls from. */
    readonly vpcCidr: pulumi.Input<string>;
    /** Where Grafana's load balancer sends from (grafanaLoadBalancerPlacement). */
    readonly grafanaLoadBalancer: GrafanaLoadBalancerPlacement;
    /** Whether the AWS Load Balancer Controller (and its namespace) is installed. */
    readonly loadBalancerController: boolean;
    /** Whether Thanos runs (metrics.longTerm.enabled). */
    readonly longTermMetrics?: boolean;
    /** Whether the OTLP gateway runs (otlp.enabled). */
    readonly otlpGateway?: boolean;
    /** The platform namespaces, which must exist first. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Default-deny ingress in every platform namespace, then the platform's flows (./policies.ts). */
export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:NetworkPolicies", name, {}, opts);
        const lbc = args.loadBalancerController;
        const longTermMetrics = args.longTermMetrics ?? false;
        const otlpGateway = args.otlpGateway ?? false;
        const grafanaLoadBalancer = args.grafanaLoadBalancer;
        const built = pulumi
            .output(args.vpcCidr)
            .apply((vpcCidr) => buildNetworkPolicies({ vpcCidr, loadBalancerController: lbc, longTermMetrics, otlpGateway, grafanaLoadBalancer }));
        // Which policies exist does not depend on the CIDR (only their ipBlocks do): name them from any build.
        const shape: NetworkPolicyObject[] = buildNetworkPolicies({ vpcCidr: "0.0.0.0/0", loadBalancerController: lbc, longTermMetrics, otlpGateway, grafanaLoadBalancer });
        shape.forEach(({ metadata }, i) => {
            const spec = built.apply((all) => (all[i] as NetworkPolicyObject).spec as unknown as Spec);
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${metadata.namespace}-${metadata.name}`,
                { metadata: { name: metadata.name, namespace: metadata.namespace }, spec },
                { parent: this, provider: args.provider, dependsOn: args.dependsOn },
            );
        });
        this.registerOutputs({});
    }
}
