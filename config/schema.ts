import { z } from "zod";
import { ADDON_VERSION_PATTERN, type AddonName, CLUSTER_ADDONS } from "../components/aws/cluster-builders";
import {
    CLOUDWATCH_RETENTION_DAYS,
    acmCertificateArn,
    awsRegion,
    byteSize,
    cidr,
    dnsLabel,
    duration,
    hostname,
    httpsUrl,
    iamPrincipalArn,
    iamRoleArn,
    kubernetesLabels,
    labelName,
    lokiTenantId,
    oidcProviderArn,
    positiveInt,
} from "./validators";

/**
 * The one description of every setting of a stack. Keys live under the project namespace
 * (`plg-observability:<key>`). `environment` picks a profile (config/profiles.ts) that fills in
 * every absent key; anything in the stack file overrides the profile. Unknown keys are errors.
 */

/** EKS versions this program is tested against (add-on versions are pinned per version in config/profiles.ts). */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.31", "1.32", "1.33", "1.34", "1.35"] as const;

const awsSchema = z
    .strictObject({
        region: awsRegion.describe("AWS region every resource is created in."),
        tags: z
            .record(z.string().min(1).max(128), z.string().max(256))
            .describe("Tags added to every AWS resource (provider default tags)."),
    })
    .describe("AWS account-level settings.");

const createNetwork = z.strictObject({
    mode: z.literal("create").describe("Create a VPC for the cluster."),
    cidr: cidr.describe("VPC CIDR block."),
    azCount: positiveInt(2, 6).describe("Number of availability zones to spread subnets over."),
    natGateways: z
        .enum(["perAz", "single"], { message: "expected perAz or single" })
        .describe("One NAT gateway per AZ (HA) or a single shared one (cheaper)."),
    privateSubnetCidrs: z
        .array(cidr)
        .optional()
        .describe("Explicit private subnet CIDRs, one per AZ; computed from the VPC CIDR when absent."),
    publicSubnetCidrs: z
        .array(cidr)
        .optional()
        .describe("Explicit public subnet CIDRs, one per AZ; computed from the VPC CIDR when absent."),
});

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: "expected a subnet id such as subnet-0123456789abcdef0" });

const existingNetwork = z.strictObject({
    mode: z.literal("existing").describe("Use an existing VPC; nothing network-related is created."),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { message: "expected a VPC id such as vpc-0123456789abcdef0" }),
    privateSubnetIds: z.array(subnetId).describe("Private subnets for nodes (at least 2, in different AZs)."),
    publicSubnetIds: z.array(subnetId).describe("Public subnets for internet-facing load balancers (may be empty)."),
});

const networkSchema = z
    .discriminatedUnion("mode", [createNetwork, existingNetwork], { message: "expected mode create or existing" })
    .describe("The VPC: created, or an existing one adopted.");

const nodeGroupSchema = z.strictObject({
    name: dnsLabel.describe("Node group name (suffix of the AWS node group name)."),
    instanceTypes: z
        .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "expected an EC2 instance type such as m6i.large" }))
        .min(1, { message: "expected at least one instance type" }),
    capacityType: z.enum(["ON_DEMAND", "SPOT"], { message: "expected ON_DEMAND or SPOT" }),
    minSize: positiveInt(0, 100),
    desiredSize: positiveInt(0, 100),
    maxSize: positiveInt(1, 100),
    diskSizeGiB: positiveInt(20, 2000).describe("Encrypted gp3 root volume of each node (set in the node group's launch template)."),
    labels: kubernetesLabels.describe("Kubernetes labels on the nodes."),
    placement: z
        .enum(["spread", "perZone"], { message: "expected spread or perZone" })
        .default("spread")
        .describe(
            "spread: one managed node group over every private subnet; perZone: one group per private subnet (zone), sizes apply per zone, so every zone keeps a node for its EBS volumes.",
        ),
});

const addonVersion = z.string().regex(ADDON_VERSION_PATTERN, { message: "expected an EKS add-on version such as v1.21.1-eksbuild.7" });

/** Optional per-stack override of each add-on's pinned version. */
const addonVersionsSchema = z.strictObject(
    Object.fromEntries(CLUSTER_ADDONS.map((a) => [a.name, addonVersion.optional()])) as Record<AddonName, z.ZodOptional<typeof addonVersion>>,
);

const clusterSchema = z
    .strictObject({
        name: z
            .string()
            .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { message: "expected an EKS cluster name (letters, digits, - and _; at most 100)" })
            .describe("EKS cluster name; also the `cluster` label on every metric and log line."),
        kubernetesVersion: z
            .enum(SUPPORTED_KUBERNETES_VERSIONS, { message: `expected one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}` })
            .describe("Pinned Kubernetes minor version."),
        endpoint: z.strictObject({
            privateAccess: z.boolean().describe("Reach the API server from inside the VPC."),
            publicAccess: z.boolean().describe("Reach the API server from the internet (restricted by publicAccessCidrs)."),
            publicAccessCidrs: z.array(cidr).describe("CIDRs allowed to the public endpoint; empty means 0.0.0.0/0."),
            deployerInVpc: z
                .boolean()
                .describe("The machine running `pulumi up` reaches the VPC (VPN, peering, in-VPC runner); required for a private-only endpoint."),
        }),
        logRetentionDays: z
            .number()
            .refine((n) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(n), {
                message: `expected a CloudWatch retention value (${CLOUDWATCH_RETENTION_DAYS.join(", ")})`,
            })
            .describe("Retention of the control-plane log group."),
        nodeGroups: z.array(nodeGroupSchema).min(1, { message: "expected at least one node group" }),
        addonVersions: addonVersionsSchema.describe(
            "Per-add-on version overrides; absent add-ons use the version pinned for kubernetesVersion in config/profiles.ts.",
        ),
        supportType: z
            .enum(["STANDARD", "EXTENDED"], { message: "expected STANDARD or EXTENDED" })
            .describe("EKS upgrade policy: STANDARD upgrades the control plane at the end of standard support; EXTENDED keeps the version at extra hourly cost."),
        deletionProtection: z.boolean().describe("EKS refuses to delete the cluster until this is turned off."),
        adminPrincipalArns: z.array(iamPrincipalArn).describe("IAM principals granted cluster-admin through access entries."),
        deployerRoleArn: iamRoleArn.optional().describe("IAM role Pulumi Deployments assume; granted cluster-admin."),
        workloadIdentity: z
            .enum(["podIdentity", "irsa"], { message: "expected podIdentity or irsa" })
            .describe("How pods get AWS credentials: EKS Pod Identity (default) or IRSA."),
        existing: z
            .strictObject({
                name: z.string().min(1).describe("Name of the existing EKS cluster to install into."),
                oidcProviderArn: oidcProviderArn.optional().describe("IAM OIDC provider of the cluster (IRSA only); looked up when absent."),
                kubeconfigContext: z.string().optional().describe("Context name written in the generated kubeconfig."),
                roleArn: iamRoleArn.optional().describe("Role assumed by `aws eks get-token` to reach the cluster."),
            })
            .optional()
            .describe("Bring your own cluster: no VPC, cluster or node group is created."),
    })
    .describe("The EKS cluster.");

const resourcesSchema = z.strictObject({
    cpu: z.string().regex(/^\d+(\.\d+)?m?$/, { message: "expected a CPU quantity such as 500m or 2" }),
    memory: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, { message: "expected a memory quantity such as 512Mi or 4Gi" }),
});

const metricsSchema = z
    .strictObject({
        prometheusReplicas: positiveInt(1, 5).describe("Prometheus replicas (an HA pair or more in prod)."),
        retention: duration.describe("How long Prometheus keeps samples."),
        retentionSize: byteSize.describe("Disk budget before Prometheus drops the oldest blocks."),
        volumeSizeGiB: positiveInt(10, 16384).describe("gp3 volume per Prometheus replica."),
        resources: resourcesSchema.describe("Prometheus requests (limits: memory = request)."),
        alertmanagerReplicas: positiveInt(1, 5).describe("Alertmanager replicas (clustered)."),
        scrapeInterval: duration.describe(
            "How often Prometheus scrapes every target and evaluates the rules; at most 1m15s, so the alert rules' 5m rate windows hold 4 scrapes.",
        ),
    })
    .describe("Prometheus and Alertmanager.");

const logsSchema = z
    .strictObject({
        mode: z
            .enum(["monolithic", "distributed", "simpleScalable"], { message: "expected monolithic, distributed or simpleScalable" })
            .describe("Loki deployment mode; simpleScalable is deprecated upstream."),
        replicas: positiveInt(1, 9).describe("Loki replicas in monolithic mode (>= 2 is HA monolithic)."),
        distributed: z
            .strictObject({
                ingester: positiveInt(1, 100),
                distributor: positiveInt(1, 100),
                querier: positiveInt(1, 100),
                queryFrontend: positiveInt(1, 10),
                queryScheduler: positiveInt(1, 10),
                compactor: positiveInt(1, 1),
                indexGateway: positiveInt(1, 20),
                ruler: positiveInt(1, 20),
            })
            .describe("Replicas per component in distributed mode."),
        retentionDays: positiveInt(1, 3650).describe("Days Loki keeps logs (compactor retention)."),
        lifecycleMarginDays: positiveInt(1, 30).describe("Extra days the S3 lifecycle keeps objects after Loki's retention."),
        tenantId: lokiTenantId.describe("X-Scope-OrgID used by every writer and reader."),
        volumeSizeGiB: positiveInt(5, 4096).describe("gp3 volume per Loki pod (WAL, index cache)."),
        limits: z.strictObject({
            ingestionRateMb: positiveInt(1, 1000),
            ingestionBurstMb: positiveInt(1, 2000),
            maxGlobalStreamsPerUser: positiveInt(100, 10_000_000),
            maxLabelNamesPerSeries: positiveInt(5, 30),
            maxQueryLength: duration,
            maxQueryParallelism: positiveInt(1, 512),
            maxEntriesLimitPerQuery: positiveInt(100, 100_000),
        }),
        caches: z.strictObject({
            chunksCacheMemoryMb: positiveInt(0, 65536).describe("Memcached memory for chunks; 0 disables the cache."),
            resultsCacheMemoryMb: positiveInt(0, 65536).describe("Memcached memory for query results; 0 disables the cache."),
        }),
    })
    .describe("Loki.");

const alertingSchema = z
    .strictObject({
        groupBy: z.array(labelName).min(1).describe("Labels Alertmanager groups notifications by."),
        groupWait: duration,
        groupInterval: duration,
        repeatInterval: duration,
        slack: z.strictObject({
            enabled: z.boolean(),
            channel: z.string().regex(/^#[a-z0-9_-]{1,80}$/, { message: "expected a Slack channel such as #alerts" }),
        }),
        pagerduty: z.strictObject({ enabled: z.boolean().describe("Page on critical alerts (needs secret pagerdutyRoutingKey).") }),
        httpStatusLabel: labelName.describe("Label of http_requests_total holding the HTTP status code."),
        errorRateThreshold: z.number().gt(0).lt(1).describe("5xx ratio above which HighErrorRate fires."),
        latencyP95ThresholdSeconds: z.number().gt(0).max(600),
        availabilityObjective: z
            .number({ message: "expected a ratio such as 0.999" })
            .min(0.95, { message: "expected a ratio from 0.95 to 0.99999" })
            .max(0.99999, { message: "expected a ratio from 0.95 to 0.99999" })
            .describe("SLO availability objective for burn-rate alerts."),
        runbookBaseUrl: httpsUrl.describe("Base URL of the runbooks; each alert links <base>/<alert>."),
    })
    .describe("Alert rules and Alertmanager routing.");

const grafanaSchema = z
    .strictObject({
        hostname: hostname.optional().describe("Public hostname, with tlsCertificateArn: an ALB ingress (needs the AWS Load Balancer Controller) and external links."),
        tlsCertificateArn: acmCertificateArn.optional().describe("ACM certificate for the ingress; required with hostname."),
        persistenceSizeGiB: positiveInt(1, 100),
    })
    .describe("Grafana.");

export const settingsSchema = z.strictObject({
    environment: z.enum(["dev", "prod"], { message: "expected dev or prod" }).describe("Profile of defaults."),
    aws: awsSchema,
    network: networkSchema,
    cluster: clusterSchema,
    metrics: metricsSchema,
    logs: logsSchema,
    alerting: alertingSchema,
    grafana: grafanaSchema,
});

export type Settings = z.infer<typeof settingsSchema>;
export type Environment = Settings["environment"];
export type NetworkSettings = Settings["network"];
export type ClusterSettings = Settings["cluster"];
export type NodeGroupSettings = ClusterSettings["nodeGroups"][number];
export type KubernetesVersion = ClusterSettings["kubernetesVersion"];
export type AddonVersionOverrides = ClusterSettings["addonVersions"];
export type MetricsSettings = Settings["metrics"];
export type LogsSettings = Settings["logs"];
export type AlertingSettings = Settings["alerting"];
export type GrafanaSettings = Settings["grafana"];

/** Top-level keys that hold plain (non-secret) settings. */
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof Settings)[];

/**
 * Secret keys: declared `secret: true` in Pulumi.yaml, read with getSecret, kept as secret Outputs.
 * `offlinePlaceholder` is what render uses when the real value is not available offline.
 */
export const SECRET_KEYS = {
    slackWebhookUrl: {
        description: "Slack incoming-webhook URL for alert notifications.",
        looksValid: (v: string) => /^https:\/\/hooks\.slack\.com\/services\/\S+$/.test(v),
        expected: "an https://hooks.slack.com/services/... URL",
        offlinePlaceholder: "https://hooks.slack.com/services/OFFLINE/RENDER/PLACEHOLDER",
    },
    pagerdutyRoutingKey: {
        description: "PagerDuty Events API v2 routing (integration) key.",
        looksValid: (v: string) => /^[A-Za-z0-9]{32}$/.test(v),
        expected: "a 32-character PagerDuty routing key",
        offlinePlaceholder: "0123456789abcdef0123456789abcdef",
    },
} as const;

export type SecretKey = keyof typeof SECRET_KEYS;
