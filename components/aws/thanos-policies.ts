/**
 * Least-privilege IAM policies of the three Thanos roles on the metrics bucket (pure builders).
 *
 * What each component does with the bucket, from the Thanos docs ("Object Storage & Data Format",
 * S3 section, whose "AWS Policies" example lists s3:ListBucket, s3:GetObject, s3:PutObject and
 * s3:DeleteObject as everything Thanos uses, split here by component):
 * - the sidecar (in each Prometheus pod) uploads finished 2h blocks and reads back which blocks the
 *   bucket already has: list, get, put; it never deletes. Since Thanos v0.40.0 (commit d42ecb5,
 *   "make writers only write") pkg/block/block.go's upload no longer calls cleanUp → block.Delete
 *   on a failed upload: it leaves the partial block (no meta.json, so no reader sees it), the
 *   shipper uploads it again on its next sync, and the Compactor removes partial blocks that stay
 *   incomplete (pkg/compact/clean.go). Before v0.40.0 the sidecar needed s3:DeleteObject to clean
 *   up, or logged "Partial block in system"; MIN_THANOS_VERSION_WITHOUT_SIDECAR_DELETE guards that;
 * - the Store Gateway only reads blocks (index headers are built on its own volume): list, get;
 * - the Compactor merges, downsamples and applies retention: list, get, put, delete.
 *
 * KMS (the bucket's SSE-KMS key, S3 user guide "Using server-side encryption with AWS KMS keys
 * (SSE-KMS)", "Permissions"): reading an object needs kms:Decrypt; writing one needs
 * kms:GenerateDataKey, and a multipart upload (how Thanos sends large chunk files) needs kms:Decrypt
 * too (S3 user guide "Multipart upload API and permissions").
 */
import { KMS_DATA_ACTIONS, type PolicyDocument } from "./policies";

/** The first Thanos release whose sidecar never deletes (see above): THANOS_VERSION must not go below it. */
export const MIN_THANOS_VERSION_WITHOUT_SIDECAR_DELETE = "v0.40.0";

/** The components that touch the bucket, each with its own role. */
export type ThanosBucketUser = "sidecar" | "storeGateway" | "compactor";

/** Object actions of each component (bucket-level: s3:ListBucket for all). */
export const THANOS_OBJECT_ACTIONS: Readonly<Record<ThanosBucketUser, readonly string[]>> = {
    sidecar: ["s3:GetObject", "s3:PutObject"],
    storeGateway: ["s3:GetObject"],
    compactor: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
};

/** KMS actions of each component: decrypt to read (and to complete multipart uploads), generate data keys to write. */
export const THANOS_KMS_ACTIONS: Readonly<Record<ThanosBucketUser, readonly string[]>> = {
    sidecar: [...KMS_DATA_ACTIONS],
    storeGateway: ["kms:Decrypt"],
    compactor: [...KMS_DATA_ACTIONS],
};

/** The policy of one component's role: exactly its actions on exactly the metrics bucket and its key. */
export function thanosBucketPolicy(user: ThanosBucketUser, bucketArn: string, kmsKeyArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBlocks", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] },
            { Sid: "Blocks", Effect: "Allow", Action: [...THANOS_OBJECT_ACTIONS[user]], Resource: [`${bucketArn}/*`] },
            { Sid: "BucketKey", Effect: "Allow", Action: [...THANOS_KMS_ACTIONS[user]], Resource: kmsKeyArn },
        ],
    };
}
