import { z } from "zod";
import { ADDON_VERSION_PATTERN, type AddonName, CLUSTER_ADDONS } from "../components/aws/cluster-builders";
import {
    CLOUDWATCH_RETENTION_DAYS,
    MAX_USER_TAGS,
    acmCertificateArn,
    awsRegion,
    awsTagKey,
    awsTagValue,
    byteSize,
    cidr,
    dnsLabel,
    duration,
    durationOrZero,
    eksClusterName,
    hostname,
    iamPrincipalArn,
    iamRoleArn,
    kubernetesLabels,
    labelName,
    lokiTenantId,
    oidcProviderArn,
    positiveInt,
    httpsUrl,
    runbookBaseUrl,
    subnetId,
    text,
    uniqueList,
    vpcId,
} from "./validators";
import { SLACK_WEBHOOK_URL, TEAM_SECRET_FIELDS, parseTeamSecrets, teamsSchema } from "./teams";
import { grafanaDatabaseSchema } from "./grafana-database";
import { LOKI_PUSH_PATH, isLokiPushUrl } from "../components/k8s/collector/replica";

/**
 * The one description of every setting of a stack. Keys live under the project namespace
 * (`plg-observability:<key>`). `environment` picks a profile (config/profiles.ts) that fills in
 * every absent key; anything in the stack file overrides the profile. Unknown keys are errors.
 */

/** EKS versions this program is tested against (add-on versions are pinned per version in config/profiles.ts). */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.31", "1.32", "1.33", "1.34", "1.35"] as const;

/**
 * When EKS ends standard support (then extended support begins, at six times the control-plane
 * price) and extended support (then EKS upgrades the cluster itself) for each version: the EKS
 * user guide's Kubernetes release calendar ("Understand the Kubernetes version lifecycle on EKS").
 * Standard support lasts 14 months from release, extended support 12 more.
 */
export const EKS_SUPPORT_ENDS: Readonly<Record<(typeof SUPPORTED_KUBERNETES_VERSIONS)[number], { readonly standard: string; readonly extended: string }>> = {
    "1.31": { standard: "2025-11-26", extended: "2026-11-26" },
    "1.32": { standard: "2026-03-23", extended: "2027-03-23" },
    "1.33": { standard: "2026-07-29", extended: "2027-07-29" },
    "1.34": { standard: "2026-12-02", extended: "2027-12-02" },
    "1.35": { standard: "2027-03-27", extended: "2028-03-27" },
};

const awsSchema = z
    .strictObject({
        region: awsRegion.describe("AWS region every resource is created in."),
        tags: z
            .record(awsTagKey, awsTagValue)
            .refine((tags) => Object.keys(tags).length <= MAX_USER_TAGS, { message: `expected at most ${MAX_USER_TAGS} tags (AWS allows 50 a resource; the program adds up to 5)` })
            .describe("Tags added to every AWS resource (provider default tags); the aws: prefix is AWS's own."),
    })
    .describe("AWS account-level settings.");

const createNetwork = z.strictObject({
    mode: z.literal("create").describe("Create a VPC for the cluster."),
    cidr: cidr.describe("VPC CIDR block."),
    azCount: positiveInt(2, 6).describe("Number of availability zones to spread subnets over."),
    natGateways: z
        .enum(["perAz", "single"], { message: "expected perAz or single" })
        .describe("One NAT gateway per AZ (HA) or a single shared one (cheaper)."),
    privateSubnetCidrs: uniqueList(cidr, "CIDR")
        .optional()
        .describe("Explicit private subnet CIDRs, one per AZ; computed from the VPC CIDR when absent."),
    publicSubnetCidrs: uniqueList(cidr, "CIDR")
        .optional()
        .describe("Explicit public subnet CIDRs, one per AZ; computed from the VPC CIDR when absent."),
});

const existingNetwork = z.strictObject({
    mode: z.literal("existing").describe("Use an existing VPC; nothing network-related is created."),
    vpcId,
    privateSubnetIds: uniqueList(subnetId, "subnet").describe("Private subnets for nodes (at least 2, in different AZs)."),
    publicSubnetIds: uniqueList(subnetId, "subnet")
        .default([])
        .describe(
            "Optional: the VPC's public subnets, checked (each once, none also private) but not used to place anything; internet-facing load balancers find public subnets by their kubernetes.io/role/elb tag.",
        ),
});

const networkSchema = z
    .discriminatedUnion("mode", [createNetwork, existingNetwork], { message: "expected mode create or existing" })
    .describe("The VPC: created, or an existing one adopted.");

const nodeGroupSchema = z.strictObject({
    name: dnsLabel.describe("Node group name (suffix of the AWS node group name)."),
    instanceTypes: z
        .array(text(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "expected an EC2 instance type such as m6i.large"))
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

const addonVersion = text(ADDON_VERSION_PATTERN, "expected an EKS add-on version such as v1.21.1-eksbuild.7");

/** Optional per-stack override of each add-on's pinned version. */
const addonVersionsSchema = z.strictObject(
    Object.fromEntries(CLUSTER_ADDONS.map((a) => [a.name, addonVersion.optional()])) as Record<AddonName, z.ZodOptional<typeof addonVersion>>,
);

const RETENTION_EXPECTED = `expected days CloudWatch Logs can keep (${CLOUDWATCH_RETENTION_DAYS.join(", ")})`;

const clusterSchema = z
    .strictObject({
        name: eksClusterName
            .optional()
            .describe(
                "EKS cluster name; also the `cluster` label on every metric and log line. Required unless the cluster is brought (cluster.existing), whose name is used instead.",
            ),
        kubernetesVersion: z
            .enum(SUPPORTED_KUBERNETES_VERSIONS, { message: `expected one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}` })
            .describe("Pinned Kubernetes minor version."),
        endpoint: z.strictObject({
            privateAccess: z.boolean().describe("Reach the API server from inside the VPC."),
            publicAccess: z.boolean().describe("Reach the API server from the internet (restricted by publicAccessCidrs)."),
            publicAccessCidrs: z.array(cidr).describe("CIDRs allowed to the public endpoint; required with publicAccess unless publicAccessFromAnywhere."),
            publicAccessFromAnywhere: z
                .boolean()
                .describe("Opt-in (dev only): let the public endpoint answer 0.0.0.0/0 (an empty publicAccessCidrs). Prod never allows it."),
            deployerInVpc: z
                .boolean()
                .describe("The machine running `pulumi up` reaches the VPC (VPN, peering, in-VPC runner); required for a private-only endpoint."),
        }),
        logRetentionDays: z
            .number({ message: RETENTION_EXPECTED })
            .refine((n) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(n), { message: RETENTION_EXPECTED })
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
        previewPrincipalArns: z
            .array(iamPrincipalArn)
            .describe("IAM principals granted read-only Kubernetes access (AmazonEKSViewPolicy): the roles pull-request previews run with."),
        workloadIdentity: z
            .enum(["podIdentity", "irsa"], { message: "expected podIdentity or irsa" })
            .describe("How pods get AWS credentials: EKS Pod Identity (default) or IRSA."),
        existing: z
            .strictObject({
                name: eksClusterName.describe("Name of the existing EKS cluster to install into; also the `cluster` label."),
                oidcProviderArn: oidcProviderArn.optional().describe("IAM OIDC provider of the cluster (IRSA only); looked up when absent."),
                kubeconfigContext: z.string().optional().describe("Context name written in the generated kubeconfig."),
                roleArn: iamRoleArn.optional().describe("Role assumed by `aws eks get-token` to reach the cluster."),
                installLoadBalancerController: z
                    .boolean()
                    .default(false)
                    .describe("Install the AWS Load Balancer Controller (with its own role) in the brought cluster; a created cluster always gets it."),
            })
            .optional()
            .describe("Bring your own cluster: no VPC, cluster or node group is created."),
        kubeconfig: z
            .strictObject({
                context: z.string().min(1, { message: "expected a context name of the kubeconfig, such as kind-kind" }).describe("Context of the kubeconfig the platform installs into."),
                path: z
                    .string()
                    .min(1, { message: "expected a file path" })
                    .optional()
                    .describe("Kubeconfig file; absent: $KUBECONFIG (its first file) or ~/.kube/config, as kubectl reads it."),
                storageClassName: text(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "expected a StorageClass name such as standard")
                    .optional()
                    .describe("StorageClass of every PVC; absent: the cluster's default StorageClass (kind: standard, k3d: local-path)."),
                apiServerCidr: cidr
                    .optional()
                    .describe("Where the API server calls the operator's admission webhook from (NetworkPolicy ipBlock); absent: 0.0.0.0/0, as a generic cluster's is not known."),
            })
            .optional()
            .describe("Any conformant Kubernetes cluster (kind, k3d, Docker Desktop) through a kubeconfig context: nothing is created in AWS."),
    })
    .describe("The cluster: an EKS cluster created or brought (existing), or any cluster by kubeconfig context.");

const resourcesSchema = z.strictObject({
    cpu: text(/^\d+(\.\d+)?m?$/, "expected a CPU quantity such as 500m or 2"),
    memory: text(/^\d+(Ki|Mi|Gi|Ti)$/, "expected a memory quantity such as 512Mi or 4Gi"),
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
        longTerm: z
            .strictObject({
                enabled: z.boolean().describe("Thanos: sidecars upload Prometheus blocks to an S3 bucket; Query, Query Frontend, Store Gateway and Compactor serve and compact them."),
                retentionDays: z
                    .strictObject({
                        raw: positiveInt(2, 3650).describe("Days the Compactor keeps raw samples (at least the local retention)."),
                        fiveMinutes: positiveInt(2, 3650).describe("Days it keeps the 5m downsampled blocks (at least raw)."),
                        oneHour: positiveInt(2, 3650).describe("Days it keeps the 1h downsampled blocks (at least fiveMinutes); the bucket lifecycle follows it."),
                    })
                    .describe("Retention per resolution (Compactor --retention.resolution-*)."),
                lifecycleMarginDays: positiveInt(1, 30).describe("Extra days the S3 lifecycle keeps objects after the longest retention."),
                compactorVolumeSizeGiB: positiveInt(10, 4096).describe("gp3 volume of the Compactor (blocks being compacted and downsampled)."),
                storeGatewayVolumeSizeGiB: positiveInt(5, 4096).describe("gp3 volume per Store Gateway (index headers)."),
            })
            .describe("Long-term metrics on S3 (Thanos)."),
    })
    .describe("Prometheus and Alertmanager.");

/** Loki's per-tenant limits (limits_config): the platform's, and a team's overrides of them. */
const logLimitsSchema = z.strictObject({
    ingestionRateMb: positiveInt(1, 1000),
    ingestionBurstMb: positiveInt(1, 2000),
    maxGlobalStreamsPerUser: positiveInt(100, 10_000_000),
    maxLabelNamesPerSeries: positiveInt(5, 30),
    maxQueryLength: durationOrZero.describe("Longest time range a query may cover; 0 lifts the limit."),
    maxQueryParallelism: positiveInt(1, 512),
    maxEntriesLimitPerQuery: positiveInt(100, 100_000),
});

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
        limits: logLimitsSchema.describe("Limits of every tenant: the platform's and, unless teamLimits says otherwise, each team's."),
        teamLimits: z
            .record(z.string(), logLimitsSchema.partial())
            .describe("Per team (an alerting.teams name): the logs.limits keys its Loki tenant gets instead (Loki runtime overrides)."),
        replicateTo: z
            .strictObject({
                url: httpsUrl.describe("Push URL of the second Loki (another region), e.g. https://logs.eu-central-1.example.com/loki/api/v1/push."),
                tenantId: lokiTenantId.describe("X-Scope-OrgID written under there."),
                auth: z.enum(["basic", "bearer"], { message: "expected basic or bearer" }).describe("basic: username + secret logReplicaCredential as the password; bearer: the secret is the token."),
                username: z.string().min(1).max(256).optional().describe("Basic auth username (auth: basic)."),
            })
            .superRefine((v, ctx) => {
                if (v.auth === "basic" && v.username === undefined) ctx.addIssue({ code: "custom", path: ["username"], message: "expected a username with auth: basic; given none" });
                if (v.auth === "bearer" && v.username !== undefined) ctx.addIssue({ code: "custom", path: ["username"], message: "expected no username with auth: bearer (the token is the secret logReplicaCredential)" });
                // The OTLP gateway derives the replica's OTLP route from it (components/k8s/collector/replica.ts).
                if (!isLokiPushUrl(v.url)) ctx.addIssue({ code: "custom", path: ["url"], message: `expected Loki's push URL, ending in ${LOKI_PUSH_PATH} with no query; given ${JSON.stringify(v.url)}` });
            })
            .optional()
            .describe("A second Loki every stream is also written to (disaster recovery); credential: secret logReplicaCredential."),
        caches: z.strictObject({
            chunksCacheMemoryMb: positiveInt(0, 65536).describe("Memcached memory for chunks; 0 disables the cache."),
            resultsCacheMemoryMb: positiveInt(0, 65536).describe("Memcached memory for query results; 0 disables the cache."),
        }),
    })
    .describe("Loki.");

const RATIO_EXPECTED = "expected a ratio between 0 and 1 (both excluded), such as 0.05";
const LATENCY_EXPECTED = "expected seconds above 0 and at most 600, such as 0.5";

const alertingSchema = z
    .strictObject({
        groupBy: uniqueList(labelName, "label")
            .min(1, { message: "expected at least one label" })
            .describe("Labels Alertmanager groups notifications by, each once."),
        groupWait: durationOrZero.describe("Wait before the first notification of a new group; 0s sends at once."),
        groupInterval: duration.describe("Wait before notifying about alerts added to a group (above zero: Alertmanager refuses 0)."),
        repeatInterval: duration.describe("Wait before re-sending a still-firing notification (at least groupInterval)."),
        slack: z.strictObject({
            enabled: z.boolean(),
            channel: text(/^#[a-z0-9_-]{1,80}$/, "expected a Slack channel such as #alerts (quoted in YAML: a bare # starts a comment)"),
        }),
        pagerduty: z.strictObject({ enabled: z.boolean().describe("Page on critical alerts (needs secret pagerdutyRoutingKey).") }),
        heartbeat: z
            .strictObject({
                enabled: z
                    .boolean()
                    .describe("Dead man's switch: the always-firing Watchdog is sent every minute to an external heartbeat URL (needs secret heartbeatUrl)."),
            })
            .describe("External heartbeat that notices when the alert path itself dies."),
        httpStatusLabel: labelName.describe("Label of http_requests_total holding the HTTP status code."),
        errorRateThreshold: z
            .number({ message: RATIO_EXPECTED })
            .gt(0, { message: RATIO_EXPECTED })
            .lt(1, { message: RATIO_EXPECTED })
            .describe("5xx ratio above which HighErrorRate fires."),
        latencyP95ThresholdSeconds: z
            .number({ message: LATENCY_EXPECTED })
            .gt(0, { message: LATENCY_EXPECTED })
            .max(600, { message: LATENCY_EXPECTED })
            .describe("p95 latency above which HighLatencyP95 fires."),
        availabilityObjective: z
            .number({ message: "expected a ratio such as 0.999" })
            .min(0.95, { message: "expected a ratio from 0.95 to 0.99999" })
            .max(0.99999, { message: "expected a ratio from 0.95 to 0.99999" })
            .describe("SLO availability objective for burn-rate alerts."),
        runbookBaseUrl: runbookBaseUrl.describe("Base URL of the runbooks; each alert links <base>/<alert>."),
        teams: teamsSchema,
    })
    .describe("Alert rules and Alertmanager routing.");

const grafanaSchema = z
    .strictObject({
        hostname: hostname.optional().describe("Public hostname, with tlsCertificateArn: an ALB ingress (needs the AWS Load Balancer Controller) and external links."),
        tlsCertificateArn: acmCertificateArn.optional().describe("ACM certificate for the ingress; required with hostname."),
        hostedZoneId: text(/^Z[A-Z0-9]{1,32}$/, "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
            .optional()
            .describe("Route 53 hosted zone holding hostname: the program keeps an alias A record there pointing at Grafana's load balancer; needs hostname and tlsCertificateArn."),
        scheme: z
            .enum(["internet-facing", "internal"], { message: "expected internet-facing or internal" })
            .describe("Grafana's load balancer: internet-facing (public subnets) or internal (reached over VPN or peering)."),
        inboundCidrs: z.array(cidr).describe("Source CIDRs allowed to Grafana's load balancer; empty: anyone who can route to it."),
        sso: z
            .strictObject({
                provider: z
                    .enum(["none", "genericOidc", "github", "google"], { message: "expected none, genericOidc, github or google" })
                    .describe("Single sign-on: generic OIDC (Okta, Entra ID, Cognito, Keycloak), GitHub or Google; the client secret is the secret ssoClientSecret."),
                clientId: z.string().min(1, { message: "expected the OAuth client id" }).optional().describe("OAuth client id (not a secret)."),
                authUrl: z.url({ protocol: /^https$/, message: "expected an https:// URL" }).optional().describe("Generic OIDC: authorization endpoint."),
                tokenUrl: z.url({ protocol: /^https$/, message: "expected an https:// URL" }).optional().describe("Generic OIDC: token endpoint."),
                apiUrl: z.url({ protocol: /^https$/, message: "expected an https:// URL" }).optional().describe("Generic OIDC: userinfo endpoint."),
                allowed: z.array(text(/^[A-Za-z0-9.@_-]{1,253}$/, "expected a GitHub organization or a domain")).describe("GitHub organizations or Google domains allowed in."),
                adminGroups: z.array(text(/^[A-Za-z0-9@/:._ -]{1,256}$/, "expected a group name without quotes")).describe("Groups given the Admin role."),
                editorGroups: z.array(text(/^[A-Za-z0-9@/:._ -]{1,256}$/, "expected a group name without quotes")).describe("Groups given the Editor role (everyone else: Viewer)."),
                allowSignUp: z.boolean().describe("Create a Grafana user on a first SSO login."),
            })
            .describe("Grafana single sign-on; with it on, the login form and basic auth are off."),
        persistenceSizeGiB: positiveInt(1, 100).describe("Volume of Grafana's SQLite database (grafana.database.type sqlite), GiB."),
        database: grafanaDatabaseSchema,
    })
    .describe("Grafana.");

/** An image reference with an explicit tag or digest (`latest` moves under a running Deployment). */
const IMAGE_EXPECTED = "expected an image with an explicit tag or digest, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/plg-sample-app:0.1.0";
const imageReference = text(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*((:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64})$/,
    IMAGE_EXPECTED,
);

const sampleAppSchema = z
    .strictObject({
        enabled: z.boolean({ message: "expected true or false" }).describe("Deploy the sample service (examples/sample-app), scraped by a ServiceMonitor or pushing OTLP (metricsExporter), to verify an environment."),
        image: imageReference.optional().describe("The sample service's image (build examples/sample-app/Dockerfile and push it); required when enabled."),
        replicas: positiveInt(1, 10).describe("Pods of the sample service."),
        metricsExporter: z
            .enum(["prometheus", "otlp"], { message: "expected prometheus (scraped on /metrics) or otlp (pushed to the OTLP gateway)" })
            .describe("How the sample service's metrics reach Prometheus: scraped on /metrics by a ServiceMonitor, or pushed over OTLP to the gateway (needs otlp.enabled); its OTEL_METRICS_EXPORTER."),
    })
    .superRefine((v, ctx) => {
        if (v.enabled && v.image === undefined) ctx.addIssue({ code: "custom", path: ["image"], message: `${IMAGE_EXPECTED}, required when sampleApp.enabled is true; given none` });
    })
    .describe("The guide's sample service, off by default.");

const otlpSchema = z
    .strictObject({
        enabled: z.boolean({ message: "expected true or false" }).describe("Run the OTLP gateway (Alloy Deployment, gRPC 4317 / HTTP 4318) in the monitoring namespace."),
        replicas: positiveInt(1, 6).describe("Gateway pods; 2 or more get a PDB and a zone spread."),
        tracesEndpoint: z
            .string()
            .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: "expected an http(s):// OTLP/HTTP base URL such as http://tempo.tracing:4318" })
            .optional()
            .describe("OTLP/HTTP base URL traces are forwarded to (/v1/traces appended); absent: spans are counted per service and dropped."),
        resources: resourcesSchema.describe("Requests of the gateway's Alloy container (the memory is also its limit)."),
    })
    .describe("OpenTelemetry intake.");

export const settingsSchema = z.strictObject({
    environment: z.enum(["dev", "prod"], { message: "expected dev or prod" }).describe("Profile of defaults."),
    // Absent only with cluster.kubeconfig (config/checks.ts): nothing is created in AWS then.
    aws: awsSchema.optional(),
    network: networkSchema,
    cluster: clusterSchema,
    metrics: metricsSchema,
    logs: logsSchema,
    alerting: alertingSchema,
    grafana: grafanaSchema,
    sampleApp: sampleAppSchema,
    otlp: otlpSchema,
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
export type AwsSettings = NonNullable<Settings["aws"]>;

/** Top-level keys that hold plain (non-secret) settings. */
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof Settings)[];

/**
 * Secret keys: declared `secret: true` in Pulumi.yaml, read with getSecret, kept as secret Outputs.
 * `offlinePlaceholder` is what render uses when the real value is not available offline.
 */
export const SECRET_KEYS = {
    slackWebhookUrl: {
        description: "Slack incoming-webhook URL for alert notifications.",
        looksValid: (v: string) => SLACK_WEBHOOK_URL.test(v),
        expected: "an https://hooks.slack.com/services/... URL",
        offlinePlaceholder: "https://hooks.slack.com/services/OFFLINE/RENDER/PLACEHOLDER",
    },
    pagerdutyRoutingKey: {
        description: "PagerDuty Events API v2 routing (integration) key.",
        looksValid: (v: string) => /^[A-Za-z0-9]{32}$/.test(v),
        expected: "a 32-character PagerDuty routing key",
        offlinePlaceholder: "0123456789abcdef0123456789abcdef",
    },
    ssoClientSecret: {
        description: "OAuth client secret of Grafana's single sign-on application.",
        // Okta, Entra ID, Cognito, Keycloak, GitHub and Google secrets: 16+ characters of these, no ':' (so no URL or ARN looks like one).
        looksValid: (v: string) => /^[A-Za-z0-9._~+/=-]{16,256}$/.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v),
        expected: "the OAuth client secret (16 or more letters, digits and . _ ~ + / = -)",
        offlinePlaceholder: "offline-render-placeholder-sso-client-secret-0",
    },
    heartbeatUrl: {
        description: "Heartbeat (dead man's switch) URL Alertmanager posts the Watchdog alert to: healthchecks.io, Opsgenie or PagerDuty heartbeat.",
        looksValid: (v: string) => /^https:\/\/[^\s/]+\.[^\s/]+\/\S*$/.test(v),
        expected: "an https:// heartbeat URL such as https://hc-ping.com/<uuid>",
        offlinePlaceholder: "https://heartbeat.invalid/offline-render-placeholder",
    },
    logReplicaCredential: {
        description: "Password (auth: basic) or bearer token (auth: bearer) Alloy writes to logs.replicateTo with.",
        // Grafana Cloud tokens, generated passwords (openssl rand -base64 24): 16+ of these, letters and digits, no ':' (no URL or ARN looks like one).
        looksValid: (v: string) => /^[A-Za-z0-9._~+/=-]{16,4096}$/.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v),
        expected: "the second Loki's password or token (16 or more letters, digits and . _ ~ + / = -, such as `openssl rand -base64 24` prints)",
        offlinePlaceholder: "offline-render-placeholder-log-replica-credential-0",
    },
    teamSecrets: {
        description: `Credentials of the teams' receivers, one secret mapping: teamSecrets.<team>.<field> with field ${Object.keys(TEAM_SECRET_FIELDS).join(", ")} (config/teams.ts).`,
        // Its form only: config/teams.ts checks each team and field, naming its path.
        looksValid: (v: string) => parseTeamSecrets(v) !== undefined,
        expected: "a mapping team -> field -> value, set with `pulumi config set --secret --path 'teamSecrets.<team>.<field>' <value>`",
        // Render replaces it with one for the teams the stack file names (tools/stack-config.ts).
        offlinePlaceholder: "{}",
    },
} as const;

export type SecretKey = keyof typeof SECRET_KEYS;
