import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ClusterSettings, type Settings, awsOf, clusterNameOf } from "../../config";
import {
    type AddonName,
    ADDON_CONFIGURATION,
    CLUSTER_ADDONS,
    CLUSTER_ADMIN_ACCESS_POLICY,
    CLUSTER_ROLE_MANAGED_POLICIES,
    CONTROL_PLANE_LOG_TYPES,
    EBS_CSI_MANAGED_POLICY,
    EBS_CSI_SERVICE_ACCOUNT,
    NODE_ROLE_MANAGED_POLICIES,
    VIEW_ACCESS_POLICY,
    accessPolicyArn,
    adminPrincipals,
    amiTypeFor,
    buildKubeconfig,
    clusterEncryptionPolicy,
    controlPlaneLogGroupName,
    controlPlaneLogKeyPolicy,
    managedPolicyArn,
    nodeGroupLayout,
    nodeLaunchTemplateSpec,
    nodeVolumeKeyPolicy,
    AUTO_SCALING_SERVICE_LINKED_ROLE,
    storageClassSpec,
    viewPrincipals,
} from "./cluster-builders";
import { addonVersionsFor } from "../../config/profiles";
import type { ClusterAccess } from "./cluster-types";
import { Network } from "./network";
import { serviceTrustPolicy } from "./policies";
import { WorkloadRole } from "./workload-role";

export interface EksClusterArgs {
    /** Validated settings of the stack (config/index.ts loadConfig().settings). */
    readonly settings: Settings;
    /** AWS provider every AWS resource and lookup uses (region, default tags). */
    readonly provider: aws.Provider;
    /** Extra tags on every taggable AWS resource (on top of the provider's default tags). */
    readonly tags?: Record<string, string>;
}

/** Fields of ClusterAccess that differ between a created and a brought cluster. */
type ClusterCore = Pick<ClusterAccess, "name" | "arn" | "endpoint" | "oidcIssuerUrl" | "oidcProviderArn" | "vpcId" | "nodeRoleArn" | "ready"> & {
    /** Certificate authority data for the kubeconfig. */
    readonly caData: pulumi.Output<string>;
    /** What the Kubernetes provider must wait for before it can talk to the cluster. */
    readonly providerDependsOn: pulumi.Resource[];
};

/**
 * The cluster the platform lands on: either created (VPC unless adopted, KMS-encrypted secrets,
 * control-plane logs, IAM roles, managed node groups, EKS add-ons, access entries) or brought
 * (`cluster.existing`, looked up, nothing created but a StorageClass). Either way it exposes
 * `access`: the Kubernetes provider every Kubernetes resource uses, and what identity plumbing needs.
 */
export class EksCluster extends pulumi.ComponentResource {
    /** What the rest of the platform needs from the cluster. */
    public readonly access: ClusterAccess;
    /** The created network (mode create, cluster not brought). */
    public readonly network?: Network;
    /** The created EKS cluster (absent when brought). */
    public readonly cluster?: aws.eks.Cluster;
    /** The created managed node groups (perZone groups count once per zone); empty when brought. */
    public readonly nodeGroups: aws.eks.NodeGroup[] = [];
    /** Launch template of each configured node group, in config order; empty when brought. */
    public readonly nodeLaunchTemplates: aws.ec2.LaunchTemplate[] = [];

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:EksCluster", name, {}, opts);
        const s = args.settings;
        const awsOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const invokeOpts: pulumi.InvokeOutputOptions = { parent: this, provider: args.provider };
        const existing = s.cluster.existing;

        let core: ClusterCore;
        let kubeconfigRoleArn: string | undefined;
        let contextName: string | undefined;
        if (existing === undefined) {
            const created = this.createCluster(name, args, awsOpts, invokeOpts);
            this.network = created.network;
            this.cluster = created.cluster;
            this.nodeGroups = created.nodeGroups;
            this.nodeLaunchTemplates = created.launchTemplates;
            core = created.core;
        } else {
            core = lookUpCluster(existing, s.cluster.workloadIdentity, invokeOpts);
            kubeconfigRoleArn = existing.roleArn;
            contextName = existing.kubeconfigContext;
        }

        const region = awsOf(s).region;
        const kubeconfig = pulumi.secret(
            pulumi.all([core.name, core.endpoint, core.caData]).apply(([clusterName, endpoint, caData]) =>
                JSON.stringify(
                    buildKubeconfig({ clusterName, endpoint, certificateAuthorityData: caData, region, roleArn: kubeconfigRoleArn, contextName }),
                ),
            ),
        );
        const provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig,
                enableServerSideApply: true,
                // Replace the provider (and so every Kubernetes resource) only when the cluster itself changes.
                clusterIdentifier: core.arn,
            },
            { parent: this, dependsOn: core.providerDependsOn },
        );

        const sc = storageClassSpec({ brought: existing !== undefined, production: s.environment === "prod" });
        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-${sc.name}`,
            {
                metadata: { name: sc.name, annotations: sc.annotations },
                provisioner: sc.provisioner,
                parameters: sc.parameters,
                volumeBindingMode: sc.volumeBindingMode,
                allowVolumeExpansion: sc.allowVolumeExpansion,
                reclaimPolicy: sc.reclaimPolicy,
            },
            { parent: this, provider },
        );

        this.access = {
            name: core.name,
            arn: core.arn,
            endpoint: core.endpoint,
            kubeconfig,
            oidcIssuerUrl: core.oidcIssuerUrl,
            oidcProviderArn: core.oidcProviderArn,
            vpcId: core.vpcId,
            vpcCidr:
                existing === undefined && s.network.mode === "create"
                    ? pulumi.output(s.network.cidr)
                    : aws.ec2.getVpcOutput({ id: core.vpcId }, invokeOpts).cidrBlock,
            nodeRoleArn: core.nodeRoleArn,
            provider,
            storageClassName: sc.name,
            ready: [...core.ready, storageClass],
        };
        this.registerOutputs({ name: core.name, endpoint: core.endpoint, kubeconfig, oidcIssuerUrl: core.oidcIssuerUrl, vpcId: core.vpcId });
    }

    private createCluster(
        name: string,
        args: EksClusterArgs,
        awsOpts: pulumi.CustomResourceOptions,
        invokeOpts: pulumi.InvokeOutputOptions,
    ): { core: ClusterCore; network?: Network; cluster: aws.eks.Cluster; nodeGroups: aws.eks.NodeGroup[]; launchTemplates: aws.ec2.LaunchTemplate[] } {
        const s = args.settings;
        const c = s.cluster;
        // A created cluster always has cluster.name (config/checks.ts requires it without cluster.existing).
        const clusterName = clusterNameOf(s);
        const prod = s.environment === "prod";
        const tags = args.tags ?? {};
        // Losing the cluster or its secrets key in prod is not undoable: make `pulumi destroy` refuse.
        const keep: pulumi.CustomResourceOptions = prod ? { protect: true } : {};
        const partition = aws.getPartitionOutput({}, invokeOpts).partition;
        const identity = aws.getCallerIdentityOutput({}, invokeOpts);

        // Network: created, or adopted from config.
        let network: Network | undefined;
        let vpcId: pulumi.Output<string>;
        let privateSubnetIds: pulumi.Input<string>[];
        if (s.network.mode === "create") {
            network = new Network(
                `${name}-network`,
                { settings: s.network, clusterName, region: awsOf(s).region, partition, provider: args.provider, tags },
                { parent: this },
            );
            vpcId = network.vpcId;
            privateSubnetIds = network.privateSubnetIds;
        } else {
            vpcId = pulumi.output(s.network.vpcId);
            privateSubnetIds = s.network.privateSubnetIds;
        }

        // Secrets encryption key and control-plane log group (created first so its retention is ours).
        const secretsKey = new aws.kms.Key(
            `${name}-secrets-key`,
            {
                description: `Envelope encryption of Kubernetes secrets in EKS cluster ${clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: prod ? 30 : 7,
                tags,
            },
            { ...awsOpts, ...keep },
        );
        new aws.kms.Alias(`${name}-secrets-key-alias`, { name: `alias/eks/${clusterName}-secrets`, targetKeyId: secretsKey.keyId }, awsOpts);
        // Audit logs name users and resources: encrypted with a customer key CloudWatch Logs may use for this group only.
        const logKey = new aws.kms.Key(
            `${name}-control-plane-logs-key`,
            {
                description: `Encryption of the control-plane log group of EKS cluster ${clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: prod ? 30 : 7,
                policy: pulumi
                    .all([partition, identity.accountId])
                    .apply(([p, account]) => JSON.stringify(controlPlaneLogKeyPolicy(p, account, awsOf(s).region, clusterName))),
                tags,
            },
            { ...awsOpts, ...keep },
        );
        new aws.kms.Alias(`${name}-control-plane-logs-key-alias`, { name: `alias/eks/${clusterName}-control-plane-logs`, targetKeyId: logKey.keyId }, awsOpts);
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            { name: controlPlaneLogGroupName(clusterName), retentionInDays: c.logRetentionDays, kmsKeyId: logKey.arn, tags },
            awsOpts,
        );

        // Control-plane role: the EKS managed policy, plus use of the secrets key only.
        const clusterRole = new aws.iam.Role(
            `${name}-cluster-role`,
            { description: `EKS control plane of ${clusterName}`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")), tags },
            awsOpts,
        );
        const clusterRolePolicies: pulumi.Resource[] = CLUSTER_ROLE_MANAGED_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-cluster-role-${policy}`,
                    { role: clusterRole.name, policyArn: partition.apply((p) => managedPolicyArn(p, policy)) },
                    awsOpts,
                ),
        );
        clusterRolePolicies.push(
            new aws.iam.RolePolicy(
                `${name}-cluster-role-secrets-key`,
                { role: clusterRole.name, policy: secretsKey.arn.apply((arn) => JSON.stringify(clusterEncryptionPolicy(arn))) },
                awsOpts,
            ),
        );

        const cluster = new aws.eks.Cluster(
            `${name}-cluster`,
            {
                name: clusterName,
                version: c.kubernetesVersion,
                roleArn: clusterRole.arn,
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                bootstrapSelfManagedAddons: false,
                encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
                enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
                // STANDARD: at the end of standard support EKS upgrades the control plane instead of billing extended support.
                upgradePolicy: { supportType: c.supportType },
                deletionProtection: c.deletionProtection,
                vpcConfig: {
                    subnetIds: privateSubnetIds,
                    endpointPrivateAccess: c.endpoint.privateAccess,
                    endpointPublicAccess: c.endpoint.publicAccess,
                    ...(c.endpoint.publicAccess && c.endpoint.publicAccessCidrs.length > 0 ? { publicAccessCidrs: c.endpoint.publicAccessCidrs } : {}),
                },
                tags,
            },
            { ...awsOpts, ...keep, dependsOn: [logGroup, ...clusterRolePolicies] },
        );
        const issuer = cluster.identities.apply((ids) => {
            const url = ids[0]?.oidcs?.[0]?.issuer;
            if (url === undefined) throw new Error(`EKS cluster ${clusterName} reports no OIDC issuer`);
            return url;
        });

        // Admins and the deployment role get cluster-admin; preview principals (the roles pull-request
        // previews run with) read-only access. Access entries: no aws-auth ConfigMap in API mode.
        const access: pulumi.Resource[] = [];
        const admins = adminPrincipals(c.adminPrincipalArns, c.deployerRoleArn);
        const grants = [
            ...admins.map((principal) => ({ principal, policy: CLUSTER_ADMIN_ACCESS_POLICY, suffix: "admin" })),
            ...viewPrincipals(c.previewPrincipalArns, admins).map((principal) => ({ principal, policy: VIEW_ACCESS_POLICY, suffix: "view" })),
        ];
        for (const { principal, policy, suffix } of grants) {
            const entry = new aws.eks.AccessEntry(
                `${name}-access-${principal.slug}`,
                { clusterName: cluster.name, principalArn: principal.arn, type: "STANDARD", tags },
                awsOpts,
            );
            const association = new aws.eks.AccessPolicyAssociation(
                `${name}-access-${principal.slug}-${suffix}`,
                {
                    clusterName: cluster.name,
                    principalArn: entry.principalArn,
                    policyArn: partition.apply((p) => accessPolicyArn(p, policy)),
                    accessScope: { type: "cluster" },
                },
                awsOpts,
            );
            access.push(entry, association);
        }

        // Node role: exactly the managed policies a worker node needs.
        const nodeRole = new aws.iam.Role(
            `${name}-node-role`,
            { description: `EKS managed nodes of ${clusterName}`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")), tags },
            awsOpts,
        );
        const nodeRolePolicies = NODE_ROLE_MANAGED_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-role-${policy}`,
                    { role: nodeRole.name, policyArn: partition.apply((p) => managedPolicyArn(p, policy)) },
                    awsOpts,
                ),
        );

        // Pinned per Kubernetes version (config/profiles.ts): an upgrade is a reviewed config change, never a side effect of `up`.
        const addonVersions = addonVersionsFor(c.kubernetesVersion, c.addonVersions);
        const addon = (addonName: AddonName, dependsOn: pulumi.Resource[], extra: Partial<aws.eks.AddonArgs> = {}): aws.eks.Addon =>
            new aws.eks.Addon(
                `${name}-addon-${addonName}`,
                {
                    clusterName: cluster.name,
                    addonName,
                    addonVersion: addonVersions[addonName],
                    // The cluster has no self-managed copies (bootstrapSelfManagedAddons false): nothing of ours to preserve.
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    tags,
                    ...extra,
                },
                { ...awsOpts, dependsOn },
            );

        // DaemonSets first: without the CNI, nodes never become Ready and the node group fails to create.
        const beforeNodes = CLUSTER_ADDONS.filter((a) => a.phase === "beforeNodes").map((a) => addon(a.name, [], ADDON_CONFIGURATION[a.name]));
        const podIdentityAgent = beforeNodes[CLUSTER_ADDONS.findIndex((a) => a.name === "eks-pod-identity-agent")] as aws.eks.Addon;

        // Node root volumes: a key of their own, so the Auto Scaling service-linked role that must use it
        // gets no hold on the key that protects Kubernetes secrets. The role is looked up, not assumed:
        // in an account that never ran Auto Scaling it does not exist and KMS would refuse the policy
        // mid-deployment; the lookup stops the preview instead, before anything is created.
        const autoScalingRole = aws.iam.getRoleOutput({ name: AUTO_SCALING_SERVICE_LINKED_ROLE }, invokeOpts);
        const nodeVolumeKey = new aws.kms.Key(
            `${name}-node-volume-key`,
            {
                description: `Root volumes of the managed nodes of EKS cluster ${clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: prod ? 30 : 7,
                policy: pulumi
                    .all([partition, identity.accountId, autoScalingRole.arn])
                    .apply(([p, account, roleArn]) => JSON.stringify(nodeVolumeKeyPolicy(p, account, roleArn))),
                tags,
            },
            { ...awsOpts, ...keep },
        );
        new aws.kms.Alias(`${name}-node-volume-key-alias`, { name: `alias/eks/${clusterName}-node-volumes`, targetKeyId: nodeVolumeKey.keyId }, awsOpts);

        const launchTemplates: aws.ec2.LaunchTemplate[] = [];
        const nodeGroups: aws.eks.NodeGroup[] = [];
        for (const g of c.nodeGroups) {
            const lt = nodeLaunchTemplateSpec({ diskSizeGiB: g.diskSizeGiB, kmsKeyArn: nodeVolumeKey.arn, name: `${clusterName}-${g.name}`, tags });
            const launchTemplate = new aws.ec2.LaunchTemplate(
                `${name}-ng-${g.name}-lt`,
                {
                    description: `Managed node group ${g.name} of EKS cluster ${clusterName}`,
                    metadataOptions: lt.metadataOptions,
                    blockDeviceMappings: lt.blockDeviceMappings,
                    tagSpecifications: lt.tagSpecifications,
                    updateDefaultVersion: true,
                    tags,
                },
                awsOpts,
            );
            launchTemplates.push(launchTemplate);
            for (const slice of nodeGroupLayout(g.placement, privateSubnetIds.length)) {
                nodeGroups.push(
                    new aws.eks.NodeGroup(
                        `${name}-ng-${g.name}${slice.suffix}`,
                        {
                            clusterName: cluster.name,
                            nodeRoleArn: nodeRole.arn,
                            subnetIds: slice.subnetIndexes.map((i) => privateSubnetIds[i] as pulumi.Input<string>),
                            amiType: amiTypeFor(g.instanceTypes),
                            instanceTypes: g.instanceTypes,
                            capacityType: g.capacityType,
                            // A new template version (disk, IMDS, key) rolls the nodes; disk size lives in the template.
                            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply((v) => String(v)) },
                            labels: g.labels,
                            // No autoscaler runs: the configured sizes are the truth and every `up` applies them.
                            scalingConfig: { minSize: g.minSize, desiredSize: g.desiredSize, maxSize: g.maxSize },
                            updateConfig: { maxUnavailable: 1 },
                            tags: { ...tags, Name: `${clusterName}-${g.name}${slice.suffix}` },
                        },
                        { ...awsOpts, dependsOn: [...nodeRolePolicies, ...beforeNodes] },
                    ),
                );
            }
        }

        // EBS CSI controller: its own role through Pod Identity; the add-on creates the association.
        const ebsCsiRole = new WorkloadRole(
            `${name}-ebs-csi`,
            {
                mode: "podIdentity",
                namespace: "kube-system",
                serviceAccount: EBS_CSI_SERVICE_ACCOUNT,
                managedPolicyArns: [partition.apply((p) => managedPolicyArn(p, EBS_CSI_MANAGED_POLICY))],
                createAssociation: false,
                clusterName: cluster.name,
                clusterArn: cluster.arn,
                provider: args.provider,
            },
            { parent: this },
        );
        const afterNodes = CLUSTER_ADDONS.filter((a) => a.phase === "afterNodes").map((a) =>
            a.name === "aws-ebs-csi-driver"
                ? addon(a.name, [...nodeGroups, podIdentityAgent, ebsCsiRole], {
                      podIdentityAssociations: [{ roleArn: ebsCsiRole.roleArn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }],
                  })
                : addon(a.name, nodeGroups),
        );

        // IRSA only: the cluster's OIDC issuer as an IAM identity provider.
        let oidcProviderArn: pulumi.Output<string> | undefined;
        if (c.workloadIdentity === "irsa") {
            const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuer, clientIdLists: ["sts.amazonaws.com"], tags }, awsOpts);
            oidcProviderArn = oidc.arn;
        }

        return {
            network,
            cluster,
            nodeGroups,
            launchTemplates,
            core: {
                name: cluster.name,
                arn: cluster.arn,
                endpoint: cluster.endpoint,
                caData: cluster.certificateAuthority.data,
                oidcIssuerUrl: issuer,
                oidcProviderArn,
                vpcId,
                nodeRoleArn: nodeRole.arn,
                providerDependsOn: [...access, ...nodeGroups],
                ready: [...beforeNodes, ...nodeGroups, ...afterNodes],
            },
        };
    }
}

/** A brought cluster: looked up, nothing created. */
function lookUpCluster(
    existing: NonNullable<ClusterSettings["existing"]>,
    workloadIdentity: ClusterSettings["workloadIdentity"],
    invokeOpts: pulumi.InvokeOutputOptions,
): ClusterCore {
    const found = aws.eks.getClusterOutput({ name: existing.name }, invokeOpts);
    const issuer = found.identities.apply((ids) => {
        const url = ids[0]?.oidcs?.[0]?.issuer;
        if (url === undefined) throw new Error(`EKS cluster ${existing.name} reports no OIDC issuer`);
        return url;
    });
    let oidcProviderArn: pulumi.Output<string> | undefined;
    if (workloadIdentity === "irsa") {
        oidcProviderArn =
            existing.oidcProviderArn !== undefined
                ? pulumi.output(existing.oidcProviderArn)
                : aws.iam.getOpenIdConnectProviderOutput({ url: issuer }, invokeOpts).arn;
    }
    return {
        name: found.name,
        arn: found.arn,
        endpoint: found.endpoint,
        caData: found.certificateAuthorities.apply((cas) => {
            const data = cas[0]?.data;
            if (data === undefined) throw new Error(`EKS cluster ${existing.name} reports no certificate authority`);
            return data;
        }),
        oidcIssuerUrl: issuer,
        oidcProviderArn,
        vpcId: found.vpcConfig.vpcId,
        providerDependsOn: [],
        ready: [],
    };
}
