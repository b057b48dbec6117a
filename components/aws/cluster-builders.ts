/**
 * Pure builders for the network and EKS cluster: plain data in, plain objects/strings out.
 * No Pulumi here, so every rule (subnet layout, kubeconfig shape, policy sets) is tested directly.
 */
import { cidrContains, parseCidr } from "../../config/validators";
import type { PolicyDocument, PolicyStatement } from "./policies";

// ---------------------------------------------------------------- network

/** Where subnets come from: the VPC CIDR plus any explicit lists from config. */
export interface SubnetPlanInput {
    /** VPC CIDR, e.g. 10.0.0.0/16. */
    readonly vpcCidr: string;
    /** Number of availability zones (one private and one public subnet each). */
    readonly azCount: number;
    /** Explicit private subnet CIDRs (one per AZ); computed when absent. */
    readonly privateSubnetCidrs?: readonly string[];
    /** Explicit public subnet CIDRs (one per AZ); computed when absent. */
    readonly publicSubnetCidrs?: readonly string[];
}

/** Subnet CIDRs per AZ index. */
export interface SubnetPlan {
    /** Private subnet CIDR of AZ i (nodes, pods, internal load balancers). */
    readonly private: string[];
    /** Public subnet CIDR of AZ i (NAT gateways, internet-facing load balancers). */
    readonly public: string[];
}

/** The VPC is cut into this many equal blocks: private subnets take one each, public ones share the last. */
const VPC_BLOCKS = 8;
/** The last block is cut again into this many public subnets. */
const PUBLIC_SLOTS = 8;
/** AWS's smallest subnet. */
const MIN_SUBNET_PREFIX = 28;
/** Largest AZ count the layout fits (private blocks 0..n-1 must not reach the public block). */
export const MAX_COMPUTED_AZS = VPC_BLOCKS - 1;
/** Longest VPC prefix for which computed public subnets are still at least /28. */
export const MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS = MIN_SUBNET_PREFIX - Math.log2(VPC_BLOCKS) - Math.log2(PUBLIC_SLOTS);

function intToIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/**
 * Private subnet i = block i of 8 (a /19 in a /16: pods take VPC IPs with the VPC CNI, so private
 * subnets get the room); public subnet i = slot i of the last block cut in 8 (a /22 in a /16: only
 * NAT gateways and load balancers live there). Deterministic, so adding nothing never moves a subnet.
 * Explicit lists from config win; a computed list must not overlap an explicit one.
 */
export function planSubnets(input: SubnetPlanInput): SubnetPlan {
    const vpc = parseCidr(input.vpcCidr);
    if (!vpc) throw new Error(`planSubnets: ${input.vpcCidr} is not an IPv4 CIDR`);
    const needComputed = input.privateSubnetCidrs === undefined || input.publicSubnetCidrs === undefined;
    if (needComputed) {
        if (input.azCount > MAX_COMPUTED_AZS) throw new Error(`planSubnets: at most ${MAX_COMPUTED_AZS} AZs fit the computed layout, given ${input.azCount}`);
        if (vpc.prefix > MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS) {
            throw new Error(
                `planSubnets: a /${vpc.prefix} VPC is too small for computed subnets (public ones would be smaller than /${MIN_SUBNET_PREFIX}); use at most /${MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS} or list the subnet CIDRs`,
            );
        }
    }
    const blockSize = 2 ** (32 - vpc.prefix) / VPC_BLOCKS;
    const blockPrefix = vpc.prefix + Math.log2(VPC_BLOCKS);
    const publicBase = vpc.base + (VPC_BLOCKS - 1) * blockSize;
    const slotSize = blockSize / PUBLIC_SLOTS;
    const slotPrefix = blockPrefix + Math.log2(PUBLIC_SLOTS);
    const azs = Array.from({ length: input.azCount }, (_, i) => i);
    const plan: SubnetPlan = {
        private: input.privateSubnetCidrs ? [...input.privateSubnetCidrs] : azs.map((i) => `${intToIp(vpc.base + i * blockSize)}/${blockPrefix}`),
        public: input.publicSubnetCidrs ? [...input.publicSubnetCidrs] : azs.map((i) => `${intToIp(publicBase + i * slotSize)}/${slotPrefix}`),
    };
    const all = [...plan.private, ...plan.public];
    for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) {
            const a = all[i] as string;
            const b = all[j] as string;
            if (cidrContains(a, b) || cidrContains(b, a)) {
                throw new Error(`planSubnets: subnet CIDRs ${a} and ${b} overlap (a computed list collides with an explicit one: list both or neither)`);
            }
        }
    }
    return plan;
}

/** Which subnets the AWS Load Balancer Controller / in-tree service controller picks. */
export type SubnetRole = "public" | "private";

/** Tags that let load balancers find the subnets and mark them as used by the cluster. */
export function subnetTags(role: SubnetRole, clusterName: string): Record<string, string> {
    return {
        [role === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
        [`kubernetes.io/cluster/${clusterName}`]: "shared",
    };
}

/** NAT gateway placement: one per AZ (an AZ outage leaves the others online) or one shared. */
export type NatMode = "perAz" | "single";

/** How many NAT gateways (and EIPs) the network has. */
export function natGatewayCount(mode: NatMode, azCount: number): number {
    return mode === "perAz" ? azCount : 1;
}

/** Index of the NAT gateway the private subnet of AZ `azIndex` routes through. */
export function natGatewayForAz(mode: NatMode, azIndex: number): number {
    return mode === "perAz" ? azIndex : 0;
}

/** Reverse-DNS prefix of VPC endpoint service names per partition (the provider's getPartition reverseDnsPrefix). */
const ENDPOINT_SERVICE_PREFIX: Readonly<Record<string, string>> = {
    aws: "com.amazonaws",
    "aws-us-gov": "com.amazonaws",
    "aws-cn": "cn.com.amazonaws",
};

/**
 * Service name of the regional S3 gateway endpoint (Amazon VPC user guide, "Gateway endpoints for
 * Amazon S3": `com.amazonaws.<region>.s3`; China regions prefix `cn.`).
 */
export function s3GatewayEndpointServiceName(partition: string, region: string): string {
    const prefix = ENDPOINT_SERVICE_PREFIX[partition];
    if (prefix === undefined) {
        throw new Error(`s3GatewayEndpointServiceName: partition ${partition} is not supported (known: ${Object.keys(ENDPOINT_SERVICE_PREFIX).join(", ")})`);
    }
    return `${prefix}.${region}.s3`;
}

// ---------------------------------------------------------------- IAM

/** AWS managed policies of the EKS control-plane role: exactly this one. */
export const CLUSTER_ROLE_MANAGED_POLICIES = ["AmazonEKSClusterPolicy"] as const;

/**
 * AWS managed policies of the node role: join the cluster, run the VPC CNI, pull from ECR.
 * No SSM core policy: every pod that reaches IMDS gets the node role, so each extra policy widens that.
 */
export const NODE_ROLE_MANAGED_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"] as const;

/** Name of the service-linked role EC2 Auto Scaling launches managed-node-group instances with. */
export const AUTO_SCALING_SERVICE_LINKED_ROLE = "AWSServiceRoleForAutoScaling";

/** The service-linked role EC2 Auto Scaling launches managed-node-group instances with. */
export function autoScalingServiceLinkedRoleArn(partition: string, accountId: string): string {
    return `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/${AUTO_SCALING_SERVICE_LINKED_ROLE}`;
}

/** The KMS default key policy's statement: the account root, so IAM policies govern the key for everyone else. */
function accountRootKeyStatement(partition: string, accountId: string): PolicyStatement {
    return { Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" };
}

/**
 * Key policy of the node root-volume key. EC2 Auto Scaling user guide, "Required AWS KMS key policy
 * for use with encrypted volumes" (example 1): its service-linked role must use the key and create
 * grants for AWS resources, or instances fail to launch. The account-root statement (KMS default key
 * policy) keeps IAM policies in charge of everyone else.
 * KMS refuses a policy naming a role that does not exist: an account that never ran an Auto Scaling
 * group needs `aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com` once
 * (the cluster looks the role up, so a preview already stops there, before anything is created).
 */
export function nodeVolumeKeyPolicy(partition: string, accountId: string, autoScalingRoleArn = autoScalingServiceLinkedRoleArn(partition, accountId)): PolicyDocument {
    const autoScaling = { AWS: autoScalingRoleArn };
    return {
        Version: "2012-10-17",
        Statement: [
            accountRootKeyStatement(partition, accountId),
            {
                Sid: "AutoScalingUseOfTheKey",
                Effect: "Allow",
                Principal: autoScaling,
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: "*",
            },
            {
                Sid: "AutoScalingAttachmentOfPersistentResources",
                Effect: "Allow",
                Principal: autoScaling,
                Action: "kms:CreateGrant",
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        ],
    };
}

/** AWS managed policy of the EBS CSI controller (path included). */
export const EBS_CSI_MANAGED_POLICY = "service-role/AmazonEBSCSIDriverPolicy";

/** `arn:<partition>:iam::aws:policy/<name>`. */
export function managedPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/** EKS access policy granting cluster-admin. */
export const CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy";

/** EKS access policy granting read-only access to most Kubernetes objects, Secrets excluded (EKS user guide, "Access policy permissions"). */
export const VIEW_ACCESS_POLICY = "AmazonEKSViewPolicy";

/** `arn:<partition>:eks::aws:cluster-access-policy/<name>`. */
export function accessPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/${name}`;
}

/** KMS actions the control plane needs on the key that envelope-encrypts Kubernetes secrets. */
export const SECRETS_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"] as const;

/** Inline policy of the cluster role: use exactly the secrets key (AmazonEKSClusterPolicy has no KMS rights). */
export function clusterEncryptionPolicy(keyArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "EncryptSecrets", Effect: "Allow", Action: [...SECRETS_KEY_ACTIONS], Resource: keyArn }],
    };
}

/** A principal granted cluster-admin through an access entry, with a stable resource-name suffix. */
export interface AdminPrincipal {
    /** IAM role or user ARN. */
    readonly arn: string;
    /** Suffix for Pulumi resource names: stable when the list is reordered. */
    readonly slug: string;
}

/** `arn:aws:iam::123456789012:role/path/Admin` -> `123456789012-role-path-admin`. */
export function principalSlug(arn: string): string {
    const m = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(.+)$/.exec(arn);
    if (!m) throw new Error(`principalSlug: ${arn} is not an IAM role or user ARN`);
    const name = (m[3] as string).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return `${m[1]}-${m[2]}-${name}`;
}

/** Admin ARNs plus the deployer role, deduplicated (one access entry per principal is all EKS allows). */
export function adminPrincipals(adminPrincipalArns: readonly string[], deployerRoleArn?: string): AdminPrincipal[] {
    const arns = [...new Set([...adminPrincipalArns, ...(deployerRoleArn === undefined ? [] : [deployerRoleArn])])];
    return arns.map((arn) => ({ arn, slug: principalSlug(arn) }));
}

/** Preview principals that are not already admins (an admin keeps cluster-admin: one entry per principal). */
export function viewPrincipals(previewPrincipalArns: readonly string[], admins: readonly AdminPrincipal[]): AdminPrincipal[] {
    const adminArns = new Set(admins.map((a) => a.arn));
    return [...new Set(previewPrincipalArns)].filter((arn) => !adminArns.has(arn)).map((arn) => ({ arn, slug: principalSlug(arn) }));
}

// ---------------------------------------------------------------- cluster

/** Control-plane log types shipped to CloudWatch. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator"] as const;

/** EKS writes control-plane logs here; the program creates it first to own its retention. */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/**
 * Key policy of the control-plane log group's key. CloudWatch Logs user guide, "Encrypt log data in
 * CloudWatch Logs using AWS KMS" (step 2): the regional service principal logs.<region>.amazonaws.com
 * may use the key only for this log group, via the encryption context CloudWatch Logs sends
 * (kms:EncryptionContext:aws:logs:arn). The account-root statement keeps IAM policies in charge of the rest.
 */
export function controlPlaneLogKeyPolicy(partition: string, accountId: string, region: string, clusterName: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            accountRootKeyStatement(partition, accountId),
            {
                Sid: "CloudWatchLogsUseForControlPlaneLogs",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: {
                    ArnEquals: {
                        "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:${controlPlaneLogGroupName(clusterName)}`,
                    },
                },
            },
        ],
    };
}

/** When an add-on is installed relative to the managed node groups. */
export type AddonPhase = "beforeNodes" | "afterNodes";

/** An EKS managed add-on the cluster installs. */
export interface AddonSpec {
    /** EKS add-on name. */
    readonly name: string;
    /**
     * beforeNodes: DaemonSets nodes need to become Ready (without the CNI a node group never finishes);
     * afterNodes: Deployments, whose add-on only turns ACTIVE once pods are scheduled.
     */
    readonly phase: AddonPhase;
}

/** Service account of the EBS CSI controller (bound to its Pod Identity role). */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

/** bootstrapSelfManagedAddons is off, so these are the cluster's only system add-ons. */
export const CLUSTER_ADDONS = [
    { name: "vpc-cni", phase: "beforeNodes" },
    { name: "kube-proxy", phase: "beforeNodes" },
    { name: "eks-pod-identity-agent", phase: "beforeNodes" },
    { name: "coredns", phase: "afterNodes" },
    { name: "aws-ebs-csi-driver", phase: "afterNodes" },
] as const satisfies readonly AddonSpec[];

/** Name of an add-on the cluster installs. */
export type AddonName = (typeof CLUSTER_ADDONS)[number]["name"];

/**
 * Add-on configuration values. The VPC CNI's network policy agent enforces NetworkPolicies only
 * when turned on (EKS user guide, "Limit pod traffic with Kubernetes network policies": the
 * vpc-cni add-on's `enableNetworkPolicy`); without it the platform's policies would be ignored.
 */
export const ADDON_CONFIGURATION: Partial<Record<AddonName, { configurationValues: string }>> = {
    "vpc-cni": { configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) },
};

/** An EKS add-on version as `aws eks describe-addon-versions` lists it. */
export const ADDON_VERSION_PATTERN = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;

/** EKS managed node group AMI families for the instance types given. */
export type AmiType = "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";

/** True for Graviton types (a `g` after the generation digit: m7g, c6gn, t4g, r8gd). */
export function isGraviton(instanceType: string): boolean {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

/**
 * AL2023 (the only Amazon Linux for EKS >= 1.33) on the architecture of the instance types;
 * a node group cannot mix architectures.
 */
export function amiTypeFor(instanceTypes: readonly string[]): AmiType {
    const arm = instanceTypes.filter(isGraviton).length;
    if (arm > 0 && arm < instanceTypes.length) {
        throw new Error(`amiTypeFor: a node group cannot mix arm64 and x86_64 instance types, given ${instanceTypes.join(", ")}`);
    }
    return arm > 0 ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/**
 * How a configured node group meets the zones: `spread` is one managed node group over every private
 * subnet (EC2 Auto Scaling balances zones but replaces a node wherever capacity is); `perZone` is one
 * group per private subnet, so each zone keeps its own minimum (an EBS volume is zonal: its pod needs
 * a node in that zone).
 */
export type NodePlacement = "spread" | "perZone";

/** One managed node group of a configured group: name suffix and the private subnets (by zone index) it uses. */
export interface NodeGroupSlice {
    /** Appended to the group's resource name ("" for spread; the zone index for perZone). */
    readonly suffix: string;
    /** Indexes into the private subnet list, one subnet per zone. */
    readonly subnetIndexes: number[];
}

/** The managed node groups a configured group becomes over `subnetCount` private subnets. */
export function nodeGroupLayout(placement: NodePlacement, subnetCount: number): NodeGroupSlice[] {
    const all = Array.from({ length: subnetCount }, (_, i) => i);
    return placement === "spread" ? [{ suffix: "", subnetIndexes: all }] : all.map((i) => ({ suffix: `-z${i}`, subnetIndexes: [i] }));
}

/** Root device of the AL2023 EKS-optimized AMIs (x86_64 and arm64). */
export const AL2023_ROOT_DEVICE = "/dev/xvda";

/** What a node group's launch template sets, as plain data (`Key` is the key ARN, or an Output of it). */
export interface NodeLaunchTemplateSpec<Key> {
    metadataOptions: { httpEndpoint: "enabled"; httpTokens: "required"; httpPutResponseHopLimit: 1 };
    blockDeviceMappings: {
        deviceName: string;
        ebs: { volumeSize: number; volumeType: "gp3"; encrypted: "true"; kmsKeyId: Key; deleteOnTermination: "true" };
    }[];
    tagSpecifications: { resourceType: "instance" | "volume"; tags: Record<string, string> }[];
}

/**
 * Launch template of a managed node group (terraform-aws-eks eks-managed-node-group defaults:
 * IMDSv2 required, hop limit 1; the EKS user guide "Customize managed nodes with launch templates"
 * for what must stay out of it: subnets, instance profile, shutdown behaviour, and, with several
 * instance types, the instance type). Disk size lives here, so the node group must not set diskSize.
 *
 * Hop limit 1 keeps the node role's credentials from pods: a pod's packets cross one more hop (its
 * network namespace) and IMDS responses die on the way. The add-ons that read IMDS still work:
 * aws-node (VPC CNI), kube-proxy and eks-pod-identity-agent run with hostNetwork (no extra hop);
 * the EBS CSI node and controller fall back to Kubernetes metadata (node providerID and topology
 * labels, which EKS nodes carry) when IMDS does not answer (aws-ebs-csi-driver docs/install.md,
 * "Metadata"); the platform's workloads get AWS credentials from Pod Identity or IRSA. This is also
 * what EKS sets on AL2023 managed nodes without a custom template (EKS user guide, AL2023 page).
 */
export function nodeLaunchTemplateSpec<Key>(input: {
    diskSizeGiB: number;
    kmsKeyArn: Key;
    name: string;
    tags: Readonly<Record<string, string>>;
}): NodeLaunchTemplateSpec<Key> {
    const tags = { ...input.tags, Name: input.name };
    return {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
            {
                deviceName: AL2023_ROOT_DEVICE,
                ebs: { volumeSize: input.diskSizeGiB, volumeType: "gp3", encrypted: "true", kmsKeyId: input.kmsKeyArn, deleteOnTermination: "true" },
            },
        ],
        tagSpecifications: [
            { resourceType: "instance", tags },
            { resourceType: "volume", tags },
        ],
    };
}

// ---------------------------------------------------------------- kubeconfig

/** What a kubeconfig for an EKS cluster needs. */
export interface KubeconfigInput {
    /** EKS cluster name (get-token argument and default context name). */
    readonly clusterName: string;
    /** API server URL. */
    readonly endpoint: string;
    /** Base64 CA bundle of the API server. */
    readonly certificateAuthorityData: string;
    /** Region of the cluster. */
    readonly region: string;
    /** Role `aws eks get-token` assumes first (brought clusters reached through another role). */
    readonly roleArn?: string;
    /** Context (and cluster/user entry) name; the cluster name when absent. */
    readonly contextName?: string;
}

/** The kubeconfig document (kubectl's v1 Config), exec-plugin authentication. */
export interface Kubeconfig {
    /** Always v1. */
    apiVersion: "v1";
    /** Always Config. */
    kind: "Config";
    /** The one cluster entry. */
    clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
    /** The one context entry. */
    contexts: { name: string; context: { cluster: string; user: string } }[];
    /** The context used. */
    "current-context": string;
    /** The one user entry: a token from `aws eks get-token`. */
    users: {
        name: string;
        user: {
            exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1";
                command: "aws";
                args: string[];
                interactiveMode: "Never";
            };
        };
    }[];
}

/** API version of the exec credential the AWS CLI returns. */
export const EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";

/**
 * A kubeconfig that authenticates with `aws eks get-token` (short-lived tokens, no static secret):
 * it works for whoever runs Pulumi, as long as that principal has an access entry.
 */
export function buildKubeconfig(input: KubeconfigInput): Kubeconfig {
    const name = input.contextName ?? input.clusterName;
    // kubectl parses the ExecCredential as JSON, whatever the deployer's CLI default output (pulumi-eks does the same).
    const args = ["eks", "get-token", "--cluster-name", input.clusterName, "--region", input.region, "--output", "json"];
    if (input.roleArn !== undefined) args.push("--role-arn", input.roleArn);
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name, cluster: { server: input.endpoint, "certificate-authority-data": input.certificateAuthorityData } }],
        contexts: [{ name, context: { cluster: name, user: name } }],
        "current-context": name,
        users: [{ name, user: { exec: { apiVersion: EXEC_API_VERSION, command: "aws", args, interactiveMode: "Never" } } }],
    };
}

// ---------------------------------------------------------------- storage

/** Name of the platform's StorageClass on a created cluster (made the default). */
export const DEFAULT_STORAGE_CLASS = "gp3";
/** Name on a brought cluster: not default, and not `gp3`, which such clusters often already have. */
export const BROUGHT_CLUSTER_STORAGE_CLASS = "plg-gp3";

/** The platform's StorageClass as plain data. */
export interface StorageClassSpec {
    /** StorageClass name. */
    name: string;
    /** Annotations (the default-class marker when default). */
    annotations: Record<string, string>;
    /** CSI provisioner. */
    provisioner: "ebs.csi.aws.com";
    /** EBS CSI parameters. */
    parameters: { type: "gp3"; encrypted: "true" };
    /** Bind in the zone the pod lands in (EBS volumes are zonal). */
    volumeBindingMode: "WaitForFirstConsumer";
    /** PVCs may grow. */
    allowVolumeExpansion: true;
    /** Retain keeps a prod volume when its PVC is deleted by mistake. */
    reclaimPolicy: "Delete" | "Retain";
}

/** Encrypted gp3 through the EBS CSI driver (encrypted with the account's EBS key). */
export function storageClassSpec(input: { brought: boolean; production: boolean }): StorageClassSpec {
    return {
        name: input.brought ? BROUGHT_CLUSTER_STORAGE_CLASS : DEFAULT_STORAGE_CLASS,
        // Marking a class default on a cluster we do not own would change every other team's PVCs.
        annotations: input.brought ? {} : { "storageclass.kubernetes.io/is-default-class": "true" },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: input.production ? "Retain" : "Delete",
    };
}
