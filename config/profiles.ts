import type { AddonName } from "../components/aws/cluster-builders";
import type { AddonVersionOverrides, Environment, KubernetesVersion } from "./schema";

/**
 * What `environment: dev|prod` fills in when a key is absent from the stack file.
 * Objects merge key by key; arrays and scalars in the stack file replace the profile's.
 * Keys with no sensible default (aws.region, cluster.name) are not here: the stack file must set them.
 */
export type Profile = Record<string, unknown>;

const common = {
    aws: { tags: {} },
    network: { mode: "create", cidr: "10.0.0.0/16", azCount: 3 },
    cluster: {
        kubernetesVersion: "1.35",
        adminPrincipalArns: [],
        previewPrincipalArns: [],
        workloadIdentity: "podIdentity",
        addonVersions: {},
        // EXTENDED keeps an old version running at several times the control-plane price: opt in per stack.
        supportType: "STANDARD",
    },
    metrics: { scrapeInterval: "30s" },
    logs: {
        lifecycleMarginDays: 7,
        tenantId: "platform",
        // Every team's tenant gets logs.limits unless it is named here.
        teamLimits: {},
        distributed: {
            ingester: 3,
            distributor: 3,
            querier: 3,
            queryFrontend: 2,
            queryScheduler: 2,
            compactor: 1,
            indexGateway: 2,
            ruler: 2,
        },
    },
    alerting: {
        teams: [],
        groupBy: ["alertname", "namespace"],
        groupWait: "30s",
        groupInterval: "5m",
        slack: { channel: "#alerts" },
        // Off until a heartbeat URL is configured (prod warns while it is off: config/checks.ts).
        heartbeat: { enabled: false },
        httpStatusLabel: "http_status",
        errorRateThreshold: 0.05,
        latencyP95ThresholdSeconds: 0.5,
        availabilityObjective: 0.999,
        runbookBaseUrl: "https://runbooks.example.com/plg",
    },
    grafana: {
        persistenceSizeGiB: 10,
        scheme: "internet-facing",
        inboundCidrs: [],
        sso: { provider: "none", allowed: [], adminGroups: [], editorGroups: [], allowSignUp: false },
        database: { allocatedStorageGiB: 20, engineVersion: "17", performanceInsights: false },
    },
    sampleApp: { enabled: false, replicas: 2, metricsExporter: "prometheus" },
    otlp: { enabled: true },
};

const dev = {
    network: { natGateways: "single" },
    cluster: {
        endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: [], publicAccessFromAnywhere: false, deployerInVpc: false },
        logRetentionDays: 7,
        deletionProtection: false,
        nodeGroups: [
            {
                // Single-replica pods on EBS volumes (Prometheus, Alertmanager, Loki, Grafana) on spot nodes:
                // one group per zone keeps a node in the zone of every volume when spot reclaims one.
                // Five interchangeable 2 vCPU / 8 GiB types give spot several capacity pools per zone.
                // Three nodes (about 5.8 vCPU / 20 GiB allocatable) hold dev's requests, EKS add-ons
                // included (at most ~3 vCPU / 6 GiB), with well over 20% headroom; `npm run render -- dev`
                // prints the current figures. Two nodes (3.9 vCPU) would not.
                name: "system",
                placement: "perZone",
                instanceTypes: ["m6i.large", "m6a.large", "m5.large", "m5a.large", "m7i.large"],
                capacityType: "SPOT",
                minSize: 1,
                desiredSize: 1,
                maxSize: 2,
                diskSizeGiB: 50,
                labels: { "plg.io/pool": "system" },
            },
        ],
    },
    metrics: {
        prometheusReplicas: 1,
        retention: "7d",
        retentionSize: "18GB",
        volumeSizeGiB: 20,
        resources: { cpu: "250m", memory: "1Gi" },
        alertmanagerReplicas: 1,
        // Off: dev's history is short-lived; turning it on costs a bucket and five small pods.
        longTerm: {
            enabled: false,
            retentionDays: { raw: 7, fiveMinutes: 30, oneHour: 90 },
            lifecycleMarginDays: 7,
            compactorVolumeSizeGiB: 20,
            storeGatewayVolumeSizeGiB: 10,
        },
    },
    logs: {
        mode: "monolithic",
        replicas: 1,
        retentionDays: 7,
        volumeSizeGiB: 10,
        limits: {
            ingestionRateMb: 4,
            ingestionBurstMb: 8,
            maxGlobalStreamsPerUser: 5000,
            maxLabelNamesPerSeries: 15,
            maxQueryLength: "721h",
            maxQueryParallelism: 16,
            maxEntriesLimitPerQuery: 5000,
        },
        caches: { chunksCacheMemoryMb: 512, resultsCacheMemoryMb: 256 },
    },
    alerting: { repeatInterval: "12h", slack: { enabled: true }, pagerduty: { enabled: false } },
    // One Grafana on SQLite (its PVC); the RDS keys apply only when a dev stack sets type: rds.
    grafana: { database: { type: "sqlite", replicas: 1, instanceClass: "db.t4g.micro", multiAz: false, backupRetentionDays: 1 } },
    otlp: { replicas: 1, resources: { cpu: "50m", memory: "256Mi" } },
};

const prod = {
    network: { natGateways: "perAz" },
    cluster: {
        // Private on; public only from the CIDRs the stack file lists (validation refuses 0.0.0.0/0 in prod).
        endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: [], publicAccessFromAnywhere: false, deployerInVpc: false },
        logRetentionDays: 90,
        deletionProtection: true,
        nodeGroups: [
            {
                // On-demand nodes are not reclaimed, and Auto Scaling replaces a failed one in the zone it left.
                // Four, not three: with long-term metrics (Thanos: sidecars, Query, Query Frontend, Store
                // Gateway, Compactor, about 1.5 vCPU / 5 GiB) three m6i.xlarge would be ~90% requested;
                // four keep the 20% headroom (README "What each environment gets").
                name: "system",
                placement: "spread",
                instanceTypes: ["m6i.xlarge"],
                capacityType: "ON_DEMAND",
                minSize: 4,
                desiredSize: 4,
                maxSize: 6,
                diskSizeGiB: 100,
                labels: { "plg.io/pool": "system" },
            },
        ],
    },
    metrics: {
        prometheusReplicas: 2,
        retention: "15d",
        retentionSize: "90GB",
        volumeSizeGiB: 100,
        resources: { cpu: "1", memory: "8Gi" },
        alertmanagerReplicas: 3,
        // A year of history on S3: raw for a month, 5m for a quarter, 1h for the year (README "Long-term metrics").
        longTerm: {
            enabled: true,
            retentionDays: { raw: 30, fiveMinutes: 90, oneHour: 365 },
            lifecycleMarginDays: 7,
            compactorVolumeSizeGiB: 100,
            storeGatewayVolumeSizeGiB: 20,
        },
    },
    logs: {
        mode: "monolithic",
        replicas: 3,
        retentionDays: 30,
        volumeSizeGiB: 50,
        limits: {
            ingestionRateMb: 16,
            ingestionBurstMb: 32,
            maxGlobalStreamsPerUser: 20000,
            maxLabelNamesPerSeries: 15,
            maxQueryLength: "721h",
            maxQueryParallelism: 32,
            maxEntriesLimitPerQuery: 5000,
        },
        caches: { chunksCacheMemoryMb: 4096, resultsCacheMemoryMb: 1024 },
    },
    alerting: { repeatInterval: "4h", slack: { enabled: true }, pagerduty: { enabled: true } },
    // Grafana without a single point of failure: two replicas sharing a Multi-AZ RDS PostgreSQL.
    grafana: { database: { type: "rds", replicas: 2, instanceClass: "db.t4g.small", multiAz: true, backupRetentionDays: 7 } },
    otlp: { replicas: 2, resources: { cpu: "200m", memory: "512Mi" } },
};

/** Deep merge: plain objects merge key by key; anything else in `over` replaces `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
    if (isPlainObject(base) && isPlainObject(over)) {
        const out: Record<string, unknown> = { ...base };
        for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
        return out;
    }
    return over === undefined ? base : over;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function profileFor(environment: Environment): Profile {
    return deepMerge(common, environment === "prod" ? prod : dev) as Profile;
}

/**
 * EKS add-on versions per Kubernetes version, pinned so a preview shows only reviewed changes. From the
 * EKS user guide's version tables (managing-vpc-cni, managing-coredns, managing-kube-proxy); the
 * eks-pod-identity-agent and aws-ebs-csi-driver builds are the ones `describe-addon-versions` lists as
 * default for 1.35 and are compatible with every version here. Raise them here after reading the
 * add-ons' release notes; a stack overrides one with `cluster.addonVersions`.
 */
export const ADDON_VERSIONS: Readonly<Record<KubernetesVersion, Readonly<Record<AddonName, string>>>> = {
    "1.31": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.31.14-eksbuild.9",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        coredns: "v1.11.4-eksbuild.33",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
    "1.32": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.32.13-eksbuild.5",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        coredns: "v1.11.4-eksbuild.33",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
    "1.33": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.33.10-eksbuild.2",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        coredns: "v1.12.4-eksbuild.1",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
    "1.34": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.34.6-eksbuild.2",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        coredns: "v1.13.2-eksbuild.4",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
    "1.35": {
        "vpc-cni": "v1.21.1-eksbuild.7",
        "kube-proxy": "v1.35.3-eksbuild.2",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        coredns: "v1.13.2-eksbuild.4",
        "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
    },
};

/** The version of every add-on for the cluster's Kubernetes version, with the stack's overrides. */
export function addonVersionsFor(kubernetesVersion: KubernetesVersion, overrides: AddonVersionOverrides): Record<AddonName, string> {
    const pinned = { ...ADDON_VERSIONS[kubernetesVersion] };
    for (const [name, version] of Object.entries(overrides) as [AddonName, string | undefined][]) {
        if (version !== undefined) pinned[name] = version;
    }
    return pinned;
}
