import type { Environment } from "./schema";

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
        kubernetesVersion: "1.34",
        adminPrincipalArns: [],
        workloadIdentity: "podIdentity",
    },
    metrics: { scrapeInterval: "30s" },
    logs: {
        lifecycleMarginDays: 7,
        tenantId: "platform",
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
        groupBy: ["alertname", "namespace"],
        groupWait: "30s",
        groupInterval: "5m",
        slack: { channel: "#alerts" },
        httpStatusLabel: "http_status",
        errorRateThreshold: 0.05,
        latencyP95ThresholdSeconds: 0.5,
        availabilityObjective: 0.999,
        runbookBaseUrl: "https://runbooks.example.com/plg",
    },
    grafana: { persistenceSizeGiB: 10 },
};

const dev = {
    network: { natGateways: "single" },
    cluster: {
        endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: [], deployerInVpc: false },
        logRetentionDays: 7,
        nodeGroups: [
            {
                name: "system",
                instanceTypes: ["m6i.large", "m5.large"],
                capacityType: "SPOT",
                minSize: 2,
                desiredSize: 2,
                maxSize: 4,
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
};

const prod = {
    network: { natGateways: "perAz" },
    cluster: {
        // Private on; public only from the CIDRs the stack file lists (validation refuses 0.0.0.0/0 in prod).
        endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: [], deployerInVpc: false },
        logRetentionDays: 90,
        nodeGroups: [
            {
                name: "system",
                instanceTypes: ["m6i.xlarge"],
                capacityType: "ON_DEMAND",
                minSize: 3,
                desiredSize: 3,
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
