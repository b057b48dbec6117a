import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * What the rest of the platform needs from a cluster, created or brought: the Kubernetes
 * provider every Kubernetes resource uses, identity plumbing, and the default StorageClass.
 */
export interface ClusterAccess {
    /** EKS cluster name. */
    readonly name: pulumi.Output<string>;
    /** EKS cluster ARN. */
    readonly arn: pulumi.Output<string>;
    /** API server endpoint. */
    readonly endpoint: pulumi.Output<string>;
    /** Kubeconfig JSON (secret) using `aws eks get-token`. */
    readonly kubeconfig: pulumi.Output<string>;
    /** OIDC issuer URL of the cluster. */
    readonly oidcIssuerUrl: pulumi.Output<string>;
    /** IAM OIDC provider ARN (created or looked up); undefined when IRSA is not in use. */
    readonly oidcProviderArn?: pulumi.Output<string>;
    /** VPC id (created, adopted or the existing cluster's). */
    readonly vpcId: pulumi.Output<string>;
    /** The VPC's CIDR: where the EKS control plane's ENIs and the load balancer's nodes connect from (NetworkPolicy ipBlocks). */
    readonly vpcCidr: pulumi.Output<string>;
    /** Node IAM role ARN; undefined for a brought cluster. */
    readonly nodeRoleArn?: pulumi.Output<string>;
    /** Provider every Kubernetes resource of the platform uses (server-side apply on). */
    readonly provider: k8s.Provider;
    /** Name of the encrypted gp3 StorageClass every PVC of the platform uses. */
    readonly storageClassName: string;
    /** Resources a Pod Identity association or Helm release must wait for (add-ons, node groups, StorageClass). */
    readonly ready: pulumi.Resource[];
}
