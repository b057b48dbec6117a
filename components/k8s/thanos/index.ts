import type * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../../../config";
import { MetricsStorage } from "../../aws/buckets";
import type { ClusterAccess } from "../../aws/cluster-types";
import { type ThanosBucketUser, thanosBucketPolicy } from "../../aws/thanos-policies";
import { WorkloadRole, clusterIdentity } from "../../aws/workload-role";
import { kps, thanos } from "../../endpoints";
import { PROMETHEUS_REPLICA_LABEL } from "../../labels";
import { chartRelease } from "../helm";
import { protectedInProd } from "../namespace";
import { type ThanosResources, type ThanosValuesInput, buildThanosValues } from "./values";

/**
 * Requests and limits per environment: starting points from kube-thanos' manifests, for a few
 * hundred thousand series. The Store Gateway and the Compactor grow with the bucket (index headers,
 * blocks being compacted), Query with query fan-out. Memory limits leave room for spikes; no CPU limits.
 */
const RESOURCES: Record<Settings["environment"], ThanosResources> = {
    dev: {
        sidecar: { requests: { cpu: "25m", memory: "64Mi" }, limits: { memory: "256Mi" } },
        query: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        queryFrontend: { requests: { cpu: "25m", memory: "64Mi" }, limits: { memory: "256Mi" } },
        storeGateway: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        compactor: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    },
    prod: {
        sidecar: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        query: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } },
        queryFrontend: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        storeGateway: { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "2Gi" } },
        compactor: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    },
};

/** The sidecar's resources (set in the Prometheus resource by kps values). */
export function thanosSidecarResources(settings: Settings): ThanosResources["sidecar"] {
    return RESOURCES[settings.environment].sidecar;
}

/** The Thanos release's input from settings (annotations resolved by the caller): also read by the capacity estimate. */
export function thanosValuesInput(settings: Settings, storageClass: string, serviceAccountAnnotations: ThanosValuesInput["serviceAccountAnnotations"]): ThanosValuesInput {
    const prod = settings.environment === "prod";
    const lt = settings.metrics.longTerm;
    return {
        storageClass,
        replicaLabel: PROMETHEUS_REPLICA_LABEL,
        retentionDays: lt.retentionDays,
        compactorVolumeSizeGiB: lt.compactorVolumeSizeGiB,
        storeGatewayVolumeSizeGiB: lt.storeGatewayVolumeSizeGiB,
        replicas: prod ? 2 : 1,
        highAvailability: prod,
        resources: RESOURCES[settings.environment],
        serviceAccountAnnotations,
    };
}

/** The service account of each component that touches the bucket. */
const BUCKET_USERS: Readonly<Record<ThanosBucketUser, string>> = {
    sidecar: thanos.prometheusServiceAccount,
    storeGateway: thanos.storeGatewayServiceAccount,
    compactor: thanos.compactorServiceAccount,
};

export interface ThanosStorageArgs {
    readonly settings: Settings;
    readonly cluster: ClusterAccess;
    readonly awsProvider: aws.Provider;
}

/**
 * The AWS side of long-term metrics: the metrics bucket (the log bucket's guarantees) and one
 * workload role per component that touches it (the Prometheus service account for the sidecars,
 * the Store Gateway's, the Compactor's), each with only its own actions (aws/thanos-policies.ts).
 * Like Loki's role, the roles and associations need only the cluster.
 */
export class ThanosStorage extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** Role ARN per component. */
    public readonly roleArns: Readonly<Record<ThanosBucketUser, pulumi.Output<string>>>;
    /** Service-account annotations per component (IRSA's role-arn; empty under Pod Identity). */
    public readonly serviceAccountAnnotations: Readonly<Record<ThanosBucketUser, pulumi.Output<Record<string, string>>>>;

    constructor(name: string, args: ThanosStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:ThanosStorage", name, {}, opts);
        const { settings, cluster } = args;
        const lt = settings.metrics.longTerm;
        const storage = new MetricsStorage(
            `${name}-bucket`,
            {
                retentionDays: Math.max(lt.retentionDays.raw, lt.retentionDays.fiveMinutes, lt.retentionDays.oneHour),
                lifecycleMarginDays: lt.lifecycleMarginDays,
                production: settings.environment === "prod",
                provider: args.awsProvider,
            },
            { parent: this },
        );
        this.bucketName = storage.bucketName;
        this.kmsKeyArn = storage.kmsKey.arn;
        const roles = {} as Record<ThanosBucketUser, WorkloadRole>;
        for (const [user, serviceAccount] of Object.entries(BUCKET_USERS) as [ThanosBucketUser, string][]) {
            roles[user] = new WorkloadRole(
                `${name}-${user}`,
                {
                    mode: settings.cluster.workloadIdentity,
                    namespace: thanos.namespace,
                    serviceAccount,
                    policy: pulumi.all([storage.bucketArn, storage.kmsKey.arn]).apply(([bucket, key]) => thanosBucketPolicy(user, bucket, key)),
                    ...clusterIdentity(cluster),
                    provider: args.awsProvider,
                },
                { parent: this },
            );
        }
        this.roleArns = { sidecar: roles.sidecar.roleArn, storeGateway: roles.storeGateway.roleArn, compactor: roles.compactor.roleArn };
        this.serviceAccountAnnotations = {
            sidecar: roles.sidecar.serviceAccountAnnotations,
            storeGateway: roles.storeGateway.serviceAccountAnnotations,
            compactor: roles.compactor.serviceAccountAnnotations,
        };
        this.registerOutputs({ bucketName: this.bucketName });
    }
}

export interface ThanosArgs {
    readonly settings: Settings;
    readonly storage: ThanosStorage;
    readonly storageClass: string;
    readonly provider: k8s.Provider;
    /** Nodes, add-ons, the CRDs (its ServiceMonitors) and the object-store Secret. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The Thanos release in `monitoring` (Pod Security restricted, like Prometheus): Query (deduplicating
 * the HA pair on `prometheus_replica`), Query Frontend (what Grafana reads), Store Gateway and
 * Compactor (retention per resolution, downsampling). Rules and alerts stay in Prometheus.
 */
export class Thanos extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ThanosArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:Thanos", name, {}, opts);
        const a = args.storage.serviceAccountAnnotations;
        const values = pulumi
            .all([a.storeGateway, a.compactor])
            .apply(([storeGateway, compactor]) => buildThanosValues(thanosValuesInput(args.settings, args.storageClass, { storeGateway, compactor })));
        this.release = chartRelease(
            `${name}-release`,
            "thanos",
            { name: thanos.release, namespace: kps.namespace, values, timeoutSeconds: 600 },
            { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, args.storage], ...protectedInProd(args.settings.environment) },
        );
        this.registerOutputs({});
    }
}
