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

/**
 * Encrypted object storage for Loki: a customer-managed KMS key (rotation on) and one bucket for
 * chunks and index with SSE-KMS, all public access blocked, BucketOwnerEnforced, TLS-only access,
 * and a lifecycle consistent with Loki's retention. The ruler needs no bucket: its rules are
 * mounted from ConfigMaps (local rule storage), and the chart asks for a ruler bucket only when
 * the ruler's storage is object storage.
 */
export class LogStorage extends pulumi.ComponentResource {
    /** The KMS key encrypting every object. */
    public readonly kmsKey: aws.kms.Key;
    /** Name of the chunks and index bucket. */
    public readonly bucketName: pulumi.Output<string>;
    /** ARN of the chunks and index bucket. */
    public readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: LogStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:aws:LogStorage", name, {}, opts);
        const keep: pulumi.CustomResourceOptions = args.production ? { protect: true, retainOnDelete: true } : {};
        const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };

        this.kmsKey = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts Loki log objects (${pulumi.getStack()})`,
                enableKeyRotation: true,
                deletionWindowInDays: args.production ? 30 : 7,
            },
            { ...base, ...keep },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${pulumi.getProject()}-${pulumi.getStack()}-logs`, targetKeyId: this.kmsKey.keyId }, base);

        // Named `-chunks` since the ruler bucket existed: renaming would replace the bucket holding the logs.
        const id = `${name}-chunks`;
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
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.kmsKey.arn }, bucketKeyEnabled: true }],
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
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName, kmsKeyArn: this.kmsKey.arn });
    }
}
