/**
 * Helm values of the Thanos release (chart `thanos` in charts.ts, stevehipwell, official
 * quay.io/thanos images) and the object-store configuration it shares with the Prometheus
 * sidecars: pure builders.
 *
 * Every key used here is read by the chart's templates (templates/query/deployment.yaml,
 * query-frontend/, store-gateway/statefulset.yaml, compact/statefulset.yaml): the tests check the
 * rendered manifests (test/thanos.test.ts).
 */
import { THANOS_VERSION } from "../../charts";
import { thanos, urls } from "../../endpoints";
import type { ResourceRequirements } from "../metrics/values";

/** Object-store configuration of Thanos (Thanos docs, "Object Storage & Data Format", S3). */
export interface ObjstoreInput {
    readonly bucket: string;
    readonly region: string;
}

/**
 * The S3 object-store configuration, as the YAML Thanos reads (`--objstore.config-file`) — no access
 * key: `aws_sdk_auth` makes the S3 client take credentials from the AWS SDK's default chain, which
 * picks up the pod's EKS Pod Identity (or IRSA) credentials of its workload role. Encryption is the
 * bucket's default (SSE-KMS with the bucket key), so no `sse_config` is needed.
 */
export function buildObjstoreConfig(input: ObjstoreInput): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(input.bucket)) throw new Error(`thanos objstore: expected an S3 bucket name, given ${JSON.stringify(input.bucket)}`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(input.region)) throw new Error(`thanos objstore: expected an AWS region, given ${JSON.stringify(input.region)}`);
    return [
        "type: S3",
        "config:",
        `  bucket: ${input.bucket}`,
        `  endpoint: s3.${input.region}.amazonaws.com`,
        `  region: ${input.region}`,
        "  aws_sdk_auth: true",
        "",
    ].join("\n");
}

/** Requests and limits of each Thanos container. */
export interface ThanosResources {
    /** The sidecar in each Prometheus pod (set in the Prometheus resource, see metrics/values.ts). */
    readonly sidecar: ResourceRequirements;
    readonly query: ResourceRequirements;
    readonly queryFrontend: ResourceRequirements;
    readonly storeGateway: ResourceRequirements;
    readonly compactor: ResourceRequirements;
}

/** Settings of the Thanos release. */
export interface ThanosValuesInput {
    readonly storageClass: string;
    /** The external label each Prometheus replica sets (the operator's `replicaExternalLabelName`): Query deduplicates on it. */
    readonly replicaLabel: string;
    /** Compactor retention per resolution, days. */
    readonly retentionDays: { readonly raw: number; readonly fiveMinutes: number; readonly oneHour: number };
    readonly compactorVolumeSizeGiB: number;
    readonly storeGatewayVolumeSizeGiB: number;
    /** Replicas of Query, Query Frontend and Store Gateway (the Compactor is a singleton). */
    readonly replicas: number;
    /** PodDisruptionBudgets and zone spreading (prod: replicas >= 2). */
    readonly highAvailability: boolean;
    readonly resources: ThanosResources;
    /** Annotations of the service accounts bound to workload roles (IRSA's role-arn; none for Pod Identity). */
    readonly serviceAccountAnnotations: { readonly storeGateway: Readonly<Record<string, string>>; readonly compactor: Readonly<Record<string, string>> };
}

const ZONE = "topology.kubernetes.io/zone";

/** The chart's values for Query, Query Frontend, Store Gateway and Compactor. */
export function buildThanosValues(input: ThanosValuesInput): Record<string, unknown> {
    if (input.highAvailability && input.replicas < 2) throw new Error("thanos: highAvailability needs replicas >= 2 (a PDB on 1 replica blocks node drains)");
    const r = input.retentionDays;
    const ha = (): Record<string, unknown> =>
        input.highAvailability
            ? {
                  podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
                  // The chart adds the component's selector labels to the constraint.
                  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: "DoNotSchedule" }],
              }
            : {};
    const volume = (sizeGiB: number) => ({ enabled: true, storageClass: input.storageClass, size: `${sizeGiB}Gi`, accessMode: "ReadWriteOnce" });
    return {
        fullnameOverride: thanos.fullname,
        image: { tag: THANOS_VERSION },
        // The Secret is the program's (thanos/index.ts): the sidecars read the same one.
        objstoreConfig: { create: false, name: thanos.objstoreSecretName, key: thanos.objstoreSecretKey },
        serviceMonitor: { enabled: true },
        // Query merges the HA pair's series by dropping this label (--query.replica-label); the
        // Compactor deduplicates their blocks on it too (--deduplication.replica-label).
        additionalReplicaLabels: [input.replicaLabel],
        // Recent data from every Prometheus replica's sidecar; the Store Gateway (found by the chart) serves the bucket.
        additionalEndpoints: [urls.thanosSidecarsSrv],
        query: {
            enabled: true,
            replicas: input.replicas,
            resources: input.resources.query,
            // Long ranges read the 5m/1h blocks instead of raw samples.
            extraArgs: ["--query.auto-downsampling"],
            ...ha(),
        },
        queryFrontend: {
            enabled: true,
            replicas: input.replicas,
            resources: input.resources.queryFrontend,
            extraArgs: ["--query-range.request-downsampled"],
            ...ha(),
        },
        storeGateway: {
            enabled: true,
            replicas: input.replicas,
            resources: input.resources.storeGateway,
            serviceAccount: { create: true, name: thanos.storeGatewayServiceAccount, annotations: { ...input.serviceAccountAnnotations.storeGateway } },
            persistence: volume(input.storeGatewayVolumeSizeGiB),
            ...ha(),
        },
        compact: {
            enabled: true,
            resources: input.resources.compactor,
            serviceAccount: { create: true, name: thanos.compactorServiceAccount, annotations: { ...input.serviceAccountAnnotations.compactor } },
            persistence: volume(input.compactorVolumeSizeGiB),
            // Vertical compaction merges the HA pair's overlapping blocks; `penalty` is the Thanos
            // docs' function for HA Prometheus replicas ("Compactor: Vertical Compaction").
            deduplication: { enabled: true, func: "penalty" },
            // Downsampling is on by default (raw -> 5m after 40h, 5m -> 1h after 10d).
            extraArgs: [`--retention.resolution-raw=${r.raw}d`, `--retention.resolution-5m=${r.fiveMinutes}d`, `--retention.resolution-1h=${r.oneHour}d`],
        },
    };
}
