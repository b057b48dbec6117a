import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "./policies";

export interface LogStorageArgs {
    /** Days Loki keeps logs; the lifecycle expires objects after this plus `lifecycleMarginDays`. */
    readonly retentionDays: number;
    /** Extra days objects outlive Loki's retention, so the compactor always deletes first. */
    readonly lifecycleMarginDays: number;
    /** Production: protect and retain buckets and key; dev: destroy with the stack, contents included. */
    readonly production: boolean;
    /** AWS provider (region, default tags). */
    readonly provider: aws.Provider;
}

/** Days after which the lifecycle rule expires objects. */
export function lifecycleExpirationDays(retentionDays: number, marginDays: number): number {
    return retentionDays + marginDays;
}

/** What one encrypted bucket is for, and how long its objects live. */
interface EncryptedBucketArgs {
    /** KMS key description, e.g. "Encrypts Loki log objects". */
    readonly keyDescription: string;
    /** Alias suffix: alias/<project>-<stack>-<aliasSuffix>. */
    readonly aliasSuffix: string;
    /** Resource name of the bucket (its children are named after it). */
    readonly bucketResourceName: string;
    /** Days the application keeps objects; the lifecycle expires them `lifecycleMarginDays` later. */
    readonly retentionDays: number;
    readonly lifecycleMarginDays: number;
    readonly production: boolean;
    readonly provider: aws.Provider;
}

/**
 * The platform's rules for a bucket, in one place (every bucket of the platform is made here): a
 * customer-managed KMS key (rotation on) and a bucket with SSE-KMS and an S3 Bucket Key (fewer KMS
 * calls), all public access blocked, BucketOwnerEnforced (ACLs off), TLS-only access, a lifecycle
 * that expires objects `lifecycleMarginDays` after the application's own retention (so S3 never
 * deletes what the application still serves) and aborts stale multipart uploads. Production:
 * protect and retain bucket and key; dev: destroy them with the stack, contents included. Follows
 * the S3 user guide's "Security best practices for Amazon S3" (block public access, disable ACLs,
 * enforce encryption in transit with aws:SecureTransport) and "Reducing the cost of SSE-KMS with
 * Amazon S3 Bucket Keys".
 */
function encryptedBucket(parent: pulumi.Resource, name: string, args: EncryptedBucketArgs): { kmsKey: aws.kms.Key; bucket: aws.s3.Bucket } {
    const keep: pulumi.CustomResourceOptions = args.production ? { protect: true, retainOnDelete: true } : {};
    const base: pulumi.CustomResourceOptions = { parent, provider: args.provider };

    const kmsKey = new aws.kms.Key(
        `${name}-key`,
        {
            description: `${args.keyDescription} (${pulumi.getStack()})`,
            enableKeyRotation: true,
            deletionWindowInDays: args.production ? 30 : 7,
        },
        { ...base, ...keep },
    );
    new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${pulumi.getProject()}-${pulumi.getStack()}-${args.aliasSuffix}`, targetKeyId: kmsKey.keyId }, base);

    const id = args.bucketResourceName;
    const bucket = new aws.s3.Bucket(id, { forceDestroy: !args.production }, { ...base, ...keep });
    const ownership = new aws.s3.BucketOwnershipControls(`${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, base);
    const publicBlock = new aws.s3.BucketPublicAccessBlock(
        `${id}-public-access`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        base,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${id}-encryption`,
        {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKey.arn }, bucketKeyEnabled: true }],
        },
        base,
    );
    new aws.s3.BucketPolicy(
        `${id}-tls-only`,
        { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
        // The public-access block must exist first or S3 may evaluate the policy as public.
        { ...base, dependsOn: [publicBlock, ownership] },
    );
    new aws.s3.BucketLifecycleConfiguration(
        `${id}-lifecycle`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-after-retention",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days: lifecycleExpirationDays(args.retentionDays, args.lifecycleMarginDays) },
                },
                { id: "abort-incomplete-multipart", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
            ],
        },
        base,
    );
    return { kmsKey, bucket };
}

/** A component holding one encrypted bucket and its key (encryptedBucket's rules). */
abstract class EncryptedStorage extends pulumi.ComponentResource {
    /** The KMS key encrypting every object. */
    public readonly kmsKey: aws.kms.Key;
    /** Name of the bucket. */
    public readonly bucketName: pulumi.Output<string>;
    /** ARN of the bucket. */
    public readonly bucketArn: pulumi.Output<string>;

    protected constructor(type: string, name: string, args: Omit<EncryptedBucketArgs, "bucketResourceName"> & { readonly bucketSuffix: string }, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        const { bucketSuffix, ...rest } = args;
        const { kmsKey, bucket } = encryptedBucket(this, name, { ...rest, bucketResourceName: `${name}-${bucketSuffix}` });
        this.kmsKey = kmsKey;
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, kmsKeyArn: this.kmsKey.arn });
    }
}

/**
 * Encrypted object storage for Loki: one bucket for chunks and index (encryptedBucket's rules),
 * with a lifecycle consistent with Loki's retention. The ruler needs no bucket: its rules are
 * mounted from ConfigMaps (local rule storage), and the chart asks for a ruler bucket only when
 * the ruler's storage is object storage.
 */
export class LogStorage extends EncryptedStorage {
    constructor(name: string, args: LogStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        // Named `-chunks` since the ruler bucket existed: renaming would replace the bucket holding the logs.
        super("plg:aws:LogStorage", name, { keyDescription: "Encrypts Loki log objects", aliasSuffix: "logs", bucketSuffix: "chunks", ...args }, opts);
    }
}

export interface MetricsStorageArgs {
    /**
     * The longest Thanos retention (the 1h resolution's), days. A block is written after the samples
     * it holds, so an object older than this plus the margin only holds samples the Compactor has
     * already deleted: the lifecycle is a backstop, never first.
     */
    readonly retentionDays: number;
    /** Extra days objects outlive that retention. */
    readonly lifecycleMarginDays: number;
    readonly production: boolean;
    readonly provider: aws.Provider;
}

/** Encrypted object storage for Thanos: one bucket of Prometheus blocks, with the log bucket's rules. */
export class MetricsStorage extends EncryptedStorage {
    constructor(name: string, args: MetricsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:MetricsStorage", name, { keyDescription: "Encrypts Thanos metric blocks", aliasSuffix: "metrics", bucketSuffix: "blocks", ...args }, opts);
    }
}
