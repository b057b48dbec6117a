import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Settings, awsOf } from "../../../config";
import { loadBalancerController as lbc } from "../../endpoints";
import { chartRelease } from "../../k8s/helm";
import { platformNamespace, protectedInProd } from "../../k8s/namespace";
import type { ClusterAccess } from "../cluster-types";
import { WorkloadRole } from "../workload-role";
import { buildLoadBalancerControllerValues, loadBalancerControllerPolicy } from "./values";

const RESOURCES = {
    dev: { requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "256Mi" } },
    prod: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
} as const;

export interface LoadBalancerControllerArgs {
    readonly settings: Settings;
    readonly cluster: ClusterAccess;
    readonly awsProvider: aws.Provider;
    /** What the release waits for (nodes, add-ons). */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Settings-only part of the values (cluster name and VPC resolved by the caller): also read by the capacity estimate. */
export function loadBalancerControllerValues(settings: Settings, clusterName: string, vpcId: string): Record<string, unknown> {
    const prod = settings.environment === "prod";
    return buildLoadBalancerControllerValues({ clusterName, region: awsOf(settings).region, vpcId, replicas: prod ? 2 : 1, resources: RESOURCES[settings.environment] });
}

/** The AWS Load Balancer Controller with its own workload role (the upstream policy for its version). */
export class LoadBalancerController extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:LoadBalancerController", name, {}, opts);
        const { settings, cluster } = args;
        const role = new WorkloadRole(
            `${name}-lbc`,
            {
                mode: settings.cluster.workloadIdentity,
                namespace: lbc.namespace,
                serviceAccount: lbc.serviceAccount,
                policy: loadBalancerControllerPolicy(),
                clusterName: cluster.name,
                clusterArn: cluster.arn,
                ...(cluster.oidcProviderArn ? { oidcProviderArn: cluster.oidcProviderArn } : {}),
                oidcIssuerUrl: cluster.oidcIssuerUrl,
                provider: args.awsProvider,
            },
            { parent: this },
        );
        // prod: deleting it would leave Grafana's load balancer unmanaged (like every platform release, protected).
        const k8sOpts: pulumi.CustomResourceOptions = { parent: this, provider: cluster.provider, ...protectedInProd(settings.environment) };
        const ns = (this.namespace = platformNamespace(`${name}-namespace`, lbc.namespace, { ...k8sOpts, dependsOn: args.dependsOn }));
        const values = pulumi
            .all([cluster.name, cluster.vpcId, role.serviceAccountAnnotations])
            .apply(([clusterName, vpcId, annotations]) => {
                const v = loadBalancerControllerValues(settings, clusterName, vpcId);
                return { ...v, serviceAccount: { ...(v.serviceAccount as object), annotations } };
            });
        this.release = chartRelease(
            `${name}-release`,
            "awsLoadBalancerController",
            { name: lbc.release, namespace: ns.metadata.name, values, timeoutSeconds: 600 },
            { ...k8sOpts, dependsOn: [...args.dependsOn, role] },
        );
        this.registerOutputs({});
    }
}
