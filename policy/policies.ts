/**
 * The platform's promises as CrossGuard policies. Each is an exported object so tests call its
 * validate function directly (constructing a PolicyPack starts a policy server); index.ts is the
 * only place the pack is built. Every policy is mandatory: each guards something the README promises
 * (a violation means the program, or a change to it, broke that promise).
 *
 * Properties reach a policy as plain JSON (secrets unwrapped); AWS-provider inputs nested in
 * objects may arrive as JSON text, which the readers in ./inspect accept.
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    asList,
    broadGrants,
    effectiveTags,
    isExactVersion,
    isRecord,
    isTrue,
    parseMaybeJson,
    providerDefaultTags,
    secretLookingValues,
    statementsOf,
    type Props,
} from "./inspect";

/** Settings an organisation may change per stack or policy group (`pulumi preview --policy-pack-config`). */
export interface PlatformPolicyConfig {
    /** Stack tag, and AWS tag, naming the environment (the deployments program sets the stack tag). */
    readonly environmentKey: string;
    /** Environments held to production rules. */
    readonly productionEnvironments: readonly string[];
    /** Tags every taggable AWS resource must carry (the provider's default tags count). */
    readonly requiredTags: readonly string[];
}

export const DEFAULT_CONFIG: PlatformPolicyConfig = {
    environmentKey: "environment",
    productionEnvironments: ["prod"],
    requiredTags: ["project", "environment", "owner"],
};

const configSchema = {
    properties: {
        environmentKey: { type: "string" as const, default: DEFAULT_CONFIG.environmentKey },
        productionEnvironments: { type: "array" as const, items: { type: "string" as const }, default: [...DEFAULT_CONFIG.productionEnvironments] },
        requiredTags: { type: "array" as const, items: { type: "string" as const }, default: [...DEFAULT_CONFIG.requiredTags] },
    },
};

function configOf(args: { getConfig<T extends object>(): T }): PlatformPolicyConfig {
    return { ...DEFAULT_CONFIG, ...args.getConfig<Partial<PlatformPolicyConfig>>() };
}

/** Which environment this stack is: its stack tag, else the AWS default tag its providers apply. */
function environmentOf(stackTags: ReadonlyMap<string, string>, providers: readonly (Props | undefined)[], key: string): string | undefined {
    const tagged = stackTags.get(key);
    if (tagged) return tagged;
    for (const p of providers) {
        const env = providerDefaultTags(p)[key];
        if (env) return env;
    }
    return undefined;
}

function isProduction(env: string | undefined, cfg: PlatformPolicyConfig): boolean {
    return env !== undefined && cfg.productionEnvironments.includes(env);
}

const AWS_PROVIDER = "pulumi:providers:aws";

// ---------------------------------------------------------------- S3

const BUCKET = "aws:s3/bucket:Bucket";

/** The resources of `type` that configure `bucket` (their `bucket` input comes from it). */
function attachedTo(bucket: PolicyResource, resources: readonly PolicyResource[], type: string): PolicyResource[] {
    return resources.filter(
        (r) => r.type === type && ((r.propertyDependencies.bucket ?? []).includes(bucket) || (typeof r.props.bucket === "string" && r.props.bucket === bucket.props.bucket)),
    );
}

/** A stack policy over every bucket and the resources configuring it. */
function everyBucket(check: (bucket: PolicyResource, resources: readonly PolicyResource[]) => string | undefined) {
    return (args: StackValidationArgs, report: ReportViolation) => {
        for (const bucket of args.resources.filter((r) => r.type === BUCKET)) {
            const problem = check(bucket, args.resources);
            if (problem) report(`S3 bucket ${bucket.name}: ${problem}`, bucket.urn);
        }
    };
}

export const s3CustomerKmsEncryption: StackValidationPolicy = {
    name: "s3-bucket-customer-kms-encryption",
    description: "Every S3 bucket encrypts objects by default with a customer-managed KMS key (SSE-KMS), so access to the data also needs the key.",
    enforcementLevel: "mandatory",
    validateStack: everyBucket((bucket, resources) => {
        const configs = attachedTo(bucket, resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
        const rules = configs.flatMap((c) => asList(parseMaybeJson(c.props.rules))).filter(isRecord);
        const byDefault = rules.map((r) => parseMaybeJson(r.applyServerSideEncryptionByDefault)).filter(isRecord);
        const customerKey = byDefault.some(
            (d) => (d.sseAlgorithm === "aws:kms" || d.sseAlgorithm === "aws:kms:dsse") && typeof d.kmsMasterKeyId === "string" && d.kmsMasterKeyId !== "" && !d.kmsMasterKeyId.includes("alias/aws/"),
        );
        if (customerKey) return undefined;
        return "no default encryption with a customer-managed KMS key; add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and kmsMasterKeyId set to your aws.kms.Key's ARN";
    }),
};

export const s3PublicAccessBlocked: StackValidationPolicy = {
    name: "s3-bucket-public-access-blocked",
    description: "Every S3 bucket has all four public-access-block settings on: logs are never public.",
    enforcementLevel: "mandatory",
    validateStack: everyBucket((bucket, resources) => {
        const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
        const blocks = attachedTo(bucket, resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        if (blocks.some((b) => flags.every((f) => isTrue(b.props[f])))) return undefined;
        const missing = blocks.length === 0 ? flags : flags.filter((f) => !blocks.some((b) => isTrue(b.props[f])));
        return `public access is not fully blocked; add an aws.s3.BucketPublicAccessBlock for it with ${missing.map((f) => `${f}: true`).join(", ")}`;
    }),
};

/** A Deny of every request that does not use TLS (`aws:SecureTransport` false), as AWS's S3 guide shows. */
function deniesPlainHttp(policyDoc: unknown): boolean {
    return (statementsOf(policyDoc) ?? []).some((s) => {
        if (s.Effect !== "Deny") return false;
        const bool = s.Condition?.Bool ?? s.Condition?.BoolIfExists;
        const secure = bool?.["aws:SecureTransport"];
        return asList(secure).some((v) => v === "false" || v === false);
    });
}

export const s3TlsOnly: StackValidationPolicy = {
    name: "s3-bucket-tls-only",
    description: "Every S3 bucket's policy denies requests that do not use TLS (aws:SecureTransport false).",
    enforcementLevel: "mandatory",
    validateStack: everyBucket((bucket, resources) => {
        const policies = attachedTo(bucket, resources, "aws:s3/bucketPolicy:BucketPolicy");
        if (policies.some((p) => deniesPlainHttp(p.props.policy))) return undefined;
        return 'no bucket policy denies plain HTTP; add an aws.s3.BucketPolicy with a Deny of s3:* on the bucket and its objects when {"Bool": {"aws:SecureTransport": "false"}}';
    }),
};

// ---------------------------------------------------------------- EKS

const CLUSTER = "aws:eks/cluster:Cluster";

export const eksSecretsEncryption: ResourceValidationPolicy = {
    name: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes Secrets with a KMS key.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== CLUSTER) return;
        const configs = asList(parseMaybeJson(args.props.encryptionConfig)).filter(isRecord);
        const ok = configs.some((c) => {
            const provider = parseMaybeJson(c.provider);
            return asList(parseMaybeJson(c.resources)).includes("secrets") && isRecord(provider) && typeof provider.keyArn === "string" && provider.keyArn !== "";
        });
        if (!ok) report(`EKS cluster ${args.name}: Kubernetes Secrets are not encrypted with a KMS key; set encryptionConfig { provider: { keyArn: <aws.kms.Key ARN> }, resources: ["secrets"] }`);
    },
};

/** The control-plane logs the platform promises (README "The cluster"); audit is the one an incident needs. */
export const REQUIRED_CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"] as const;

export const eksControlPlaneLogs: ResourceValidationPolicy = {
    name: "eks-control-plane-audit-logs",
    description: "EKS clusters ship the api, audit and authenticator control-plane logs to CloudWatch.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== CLUSTER) return;
        const enabled = asList(parseMaybeJson(args.props.enabledClusterLogTypes));
        const missing = REQUIRED_CONTROL_PLANE_LOGS.filter((t) => !enabled.includes(t));
        if (missing.length) report(`EKS cluster ${args.name}: control-plane logs ${missing.join(", ")} are off; add them to enabledClusterLogTypes`);
    },
};

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export const eksNoOpenPublicEndpointInProd: ResourceValidationPolicy = {
    name: "eks-no-open-public-endpoint-in-prod",
    description: "In production, the EKS API endpoint is private, or public only from listed CIDRs (never 0.0.0.0/0).",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: (args, report) => {
        if (args.type !== CLUSTER) return;
        const cfg = configOf(args);
        if (!isProduction(environmentOf(args.stackTags, [args.provider?.props], cfg.environmentKey), cfg)) return;
        const vpc = parseMaybeJson(args.props.vpcConfig);
        const v = isRecord(vpc) ? vpc : {};
        // EKS turns the public endpoint on when endpointPublicAccess is not given.
        if (v.endpointPublicAccess !== undefined && !isTrue(v.endpointPublicAccess)) return;
        const cidrs = asList(parseMaybeJson(v.publicAccessCidrs)).filter((c): c is string => typeof c === "string");
        if (cidrs.length === 0 || cidrs.some((c) => OPEN_CIDRS.includes(c))) {
            report(
                `EKS cluster ${args.name}: the public API endpoint is open to the internet in production; set vpcConfig.publicAccessCidrs to your office/VPN ranges or endpointPublicAccess: false (cluster.endpoint in the stack settings)`,
            );
        }
    },
};

// ---------------------------------------------------------------- IAM

/** Identity policies and where each resource type holds its document. */
const IDENTITY_POLICY_DOCS: Record<string, (props: Props) => unknown[]> = {
    "aws:iam/policy:Policy": (p) => [p.policy],
    "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
    "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
    "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
    "aws:iam/role:Role": (p) => asList(parseMaybeJson(p.inlinePolicies)).filter(isRecord).map((ip) => ip.policy),
};

export const iamNoBroadGrants: ResourceValidationPolicy = {
    name: "iam-no-wildcard-grants",
    description: "IAM identity policies name their actions (no `*` or `service:*`, no NotAction) and never allow S3 or KMS actions on every resource.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const docs = IDENTITY_POLICY_DOCS[args.type];
        if (!docs) return;
        for (const problem of docs(args.props).flatMap(broadGrants)) report(`${args.type.split(":").pop()} ${args.name}: ${problem}`);
    },
};

// ---------------------------------------------------------------- nodes

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

export const nodesImdsV2AndEncryptedRoot: ResourceValidationPolicy = {
    name: "eks-nodes-imdsv2-encrypted-root",
    description:
        "Managed node groups launch from a launch template that requires IMDSv2 with a hop limit of 1 (pods cannot reach the node role) and encrypts the root volume (EKS user guide, launch templates).",
    enforcementLevel: "mandatory",
    validateResource: [
        (args, report) => {
            if (args.type !== NODE_GROUP) return;
            const lt = parseMaybeJson(args.props.launchTemplate);
            if (!isRecord(lt) || (lt.id === undefined && lt.name === undefined)) {
                report(
                    `EKS node group ${args.name}: no launch template, so IMDS is reachable from pods and the root volume is encrypted only if the account encrypts EBS by default; set launchTemplate { id, version } to a template requiring IMDSv2 with an encrypted root volume`,
                );
            }
        },
        (args, report) => {
            if (args.type !== LAUNCH_TEMPLATE) return;
            const md = parseMaybeJson(args.props.metadataOptions);
            const m = isRecord(md) ? md : {};
            if (m.httpTokens !== "required") report(`launch template ${args.name}: IMDSv1 is allowed; set metadataOptions.httpTokens: "required"`);
            const hops = Number(m.httpPutResponseHopLimit ?? 1);
            if (!(hops <= 1)) report(`launch template ${args.name}: metadataOptions.httpPutResponseHopLimit is ${hops}, so pods reach the node's credentials; set it to 1`);
            const mappings = asList(parseMaybeJson(args.props.blockDeviceMappings)).filter(isRecord);
            const unencrypted = mappings.filter((b) => {
                const ebs = parseMaybeJson(b.ebs);
                return !(isRecord(ebs) && isTrue(ebs.encrypted));
            });
            if (mappings.length === 0) report(`launch template ${args.name}: the root volume is not declared, so it is encrypted only if the account encrypts EBS by default; add blockDeviceMappings with ebs.encrypted: true`);
            for (const b of unencrypted) report(`launch template ${args.name}: volume ${String(b.deviceName ?? "?")} is not encrypted; set ebs.encrypted: true (and kmsKeyId)`);
        },
    ],
};

// ---------------------------------------------------------------- Helm and Kubernetes

const HELM_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

export const helmPinnedVersion: ResourceValidationPolicy = {
    name: "helm-release-pinned-version",
    description: "Every Helm release names an exact chart version, so a preview never shows a chart upgrade nobody asked for.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!HELM_TYPES.includes(args.type)) return;
        const version = args.props.version;
        if (!isExactVersion(version)) {
            const given = version === undefined || version === "" ? "no version (the repository's latest)" : `"${String(version)}"`;
            report(`Helm release ${args.name} (chart ${String(args.props.chart ?? "?")}): ${given}; set version to an exact chart version such as 1.2.3 (components/charts.ts)`);
        }
    },
};

export const noSecretsInValuesOrConfigMaps: ResourceValidationPolicy = {
    name: "no-secrets-in-helm-values-or-configmaps",
    description:
        "Helm values and ConfigMaps hold no credential: secrets reach the cluster only in Kubernetes Secrets (Helm stores values in its release Secret and shows them in `helm get values`; ConfigMaps are readable with view rights).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        let found: string[] = [];
        if (HELM_TYPES.includes(args.type)) found = secretLookingValues(parseMaybeJson(args.props.values), "values");
        else if (args.type === "kubernetes:core/v1:ConfigMap") found = secretLookingValues(args.props.data, "data");
        else return;
        for (const f of found) {
            report(`${args.type.split(":").pop()} ${args.name}: ${f}; move it to a Kubernetes Secret and reference it (existingSecret, *_file paths, $__file{...}), from a Pulumi secret`);
        }
    },
};

// ---------------------------------------------------------------- production state

/** Resources whose deletion loses data or everything inside them. */
export const STATEFUL_TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:eks/cluster:Cluster",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem",
    "aws:ebs/volume:Volume",
    "kubernetes:core/v1:PersistentVolumeClaim",
    // A namespace takes its volume claims with it; a release its StatefulSets' claims.
    "kubernetes:core/v1:Namespace",
    "kubernetes:helm.sh/v3:Release",
] as const;

export const prodStatefulProtected: StackValidationPolicy = {
    name: "prod-stateful-resources-protected",
    description: "In production, resources holding data (buckets, keys, the cluster, namespaces, releases, volumes) are protected: `pulumi destroy` and replacements refuse until unprotected.",
    enforcementLevel: "mandatory",
    configSchema,
    validateStack: (args, report) => {
        const cfg = configOf(args);
        const providers = args.resources.filter((r) => r.type === AWS_PROVIDER).map((r) => r.props);
        if (!isProduction(environmentOf(args.stackTags, providers, cfg.environmentKey), cfg)) return;
        for (const r of args.resources) {
            if ((STATEFUL_TYPES as readonly string[]).includes(r.type) && !r.opts.protect) {
                report(`${r.type.split(":").pop()} ${r.name} holds production data but is not protected; pass { protect: true } in its resource options`, r.urn);
            }
        }
    },
};

// ---------------------------------------------------------------- tags

/** AWS types the platform creates that carry tags; any other AWS resource with a tags input counts too. */
const TAGGABLE_TYPES = new Set([
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:eks/addon:Addon",
    "aws:eks/accessEntry:AccessEntry",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:cloudwatch/logGroup:LogGroup",
]);

export const awsRequiredTags: ResourceValidationPolicy = {
    name: "aws-required-tags",
    description: "Every taggable AWS resource carries the required tags (project, environment, owner by default), directly or through the provider's default tags: cost and ownership stay traceable.",
    enforcementLevel: "mandatory",
    configSchema,
    validateResource: (args: ResourceValidationArgs, report) => {
        if (!args.type.startsWith("aws:") || !(TAGGABLE_TYPES.has(args.type) || "tags" in args.props)) return;
        const tags = effectiveTags(args.props, args.provider?.props);
        const missing = configOf(args).requiredTags.filter((k) => !tags[k]);
        if (missing.length) report(`${args.type.split(":").pop()} ${args.name}: missing tags ${missing.join(", ")}; add them to the stack's aws.tags (the provider's default tags) or to the resource's tags`);
    },
};

/** Every policy of the pack, in the order the pack lists them. */
export const POLICIES: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
    s3CustomerKmsEncryption,
    s3PublicAccessBlocked,
    s3TlsOnly,
    eksSecretsEncryption,
    eksControlPlaneLogs,
    eksNoOpenPublicEndpointInProd,
    iamNoBroadGrants,
    nodesImdsV2AndEncryptedRoot,
    helmPinnedVersion,
    noSecretsInValuesOrConfigMaps,
    prodStatefulProtected,
    awsRequiredTags,
];
