import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess } from "./cluster-types";
import { irsaTrustPolicy, podIdentityTrustPolicy, type PolicyDocument } from "./policies";

export type WorkloadIdentityMode = "podIdentity" | "irsa";

export interface WorkloadRoleArgs {
    /** Pod Identity (default on EKS) or IRSA. */
    readonly mode: WorkloadIdentityMode;
    /** Namespace of the bound service account. */
    readonly namespace: string;
    /** Name of the one service account that may assume the role. */
    readonly serviceAccount: string;
    /** The role's inline least-privilege policy (at least one of policy or managedPolicyArns). */
    readonly policy?: pulumi.Input<PolicyDocument>;
    /** AWS managed policies to attach, for workloads AWS ships a maintained policy for (EBS CSI driver). */
    readonly managedPolicyArns?: pulumi.Input<string>[];
    /**
     * Create the Pod Identity association (default true). False when something else creates it,
     * e.g. an EKS add-on's `podIdentityAssociations`: a second association for the same service account fails.
     */
    readonly createAssociation?: boolean;
    /** EKS cluster name (Pod Identity association). */
    readonly clusterName: pulumi.Input<string>;
    /** EKS cluster ARN (Pod Identity trust condition on the `eks-cluster-arn` session tag). */
    readonly clusterArn: pulumi.Input<string>;
    /** IAM OIDC provider ARN (IRSA only). */
    readonly oidcProviderArn?: pulumi.Input<string>;
    /** Cluster OIDC issuer URL (IRSA only). */
    readonly oidcIssuerUrl?: pulumi.Input<string>;
    /** AWS provider. */
    readonly provider: aws.Provider;
    /** Resources the association must wait for (the eks-pod-identity-agent add-on). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The cluster side of a WorkloadRole's arguments, from the cluster's access (cluster-types.ts). */
export function clusterIdentity(
    cluster: Pick<ClusterAccess, "name" | "arn" | "oidcProviderArn" | "oidcIssuerUrl">,
): Pick<WorkloadRoleArgs, "clusterName" | "clusterArn" | "oidcProviderArn" | "oidcIssuerUrl"> {
    return {
        clusterName: cluster.name,
        clusterArn: cluster.arn,
        ...(cluster.oidcProviderArn ? { oidcProviderArn: cluster.oidcProviderArn } : {}),
        oidcIssuerUrl: cluster.oidcIssuerUrl,
    };
}

/**
 * An IAM role bound to exactly one Kubernetes service account, through EKS Pod Identity or IRSA,
 * with one inline least-privilege policy.
 */
export class WorkloadRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly roleArn: pulumi.Output<string>;
    /** Annotations the service account needs (IRSA's role-arn; none for Pod Identity). */
    public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: WorkloadRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:WorkloadRole", name, {}, opts);
        const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };

        if (args.policy === undefined && !args.managedPolicyArns?.length) {
            throw new Error(`WorkloadRole ${name}: needs policy or managedPolicyArns`);
        }
        let trust: pulumi.Output<PolicyDocument>;
        if (args.mode === "irsa") {
            if (args.oidcProviderArn === undefined || args.oidcIssuerUrl === undefined) {
                throw new Error(`WorkloadRole ${name}: IRSA needs oidcProviderArn and oidcIssuerUrl`);
            }
            trust = pulumi
                .all([args.oidcProviderArn, args.oidcIssuerUrl])
                .apply(([arn, issuer]) => irsaTrustPolicy(arn, issuer, args.namespace, args.serviceAccount));
        } else {
            trust = pulumi.output(args.clusterArn).apply((cluster) => podIdentityTrustPolicy(cluster, args.namespace, args.serviceAccount));
        }

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `Workload role for ${args.namespace}/${args.serviceAccount} (${args.mode})`,
                assumeRolePolicy: trust.apply((t) => JSON.stringify(t)),
                maxSessionDuration: 3600,
            },
            base,
        );
        if (args.policy !== undefined) {
            new aws.iam.RolePolicy(
                `${name}-policy`,
                { role: this.role.name, policy: pulumi.output(args.policy).apply((p) => JSON.stringify(p)) },
                base,
            );
        }
        (args.managedPolicyArns ?? []).forEach((policyArn, i) => {
            new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: this.role.name, policyArn }, base);
        });
        if (args.mode === "podIdentity" && args.createAssociation !== false) {
            new aws.eks.PodIdentityAssociation(
                `${name}-association`,
                { clusterName: args.clusterName, namespace: args.namespace, serviceAccount: args.serviceAccount, roleArn: this.role.arn },
                { ...base, dependsOn: args.dependsOn ?? [] },
            );
        }
        this.roleArn = this.role.arn;
        this.serviceAccountAnnotations =
            args.mode === "irsa"
                ? this.role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }))
                : pulumi.output<Record<string, string>>({});
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
