/**
 * IAM and bucket policy documents as pure builders: plain strings in, policy objects out.
 * Least privilege by construction: every statement names its actions and resources; no `*`.
 */

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | Record<string, string | string[]>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** Deny every request to the bucket that does not use TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** Actions Loki needs on its object store: list, read, write, delete (compactor retention). */
export const LOKI_BUCKET_ACTIONS = ["s3:ListBucket"] as const;
export const LOKI_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;
/** KMS actions SSE-KMS reads and writes need. */
export const KMS_DATA_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

/** Read/write on exactly these buckets' objects and the key that encrypts them. */
export function objectStorePolicy(bucketArns: readonly string[], kmsKeyArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListBuckets", Effect: "Allow", Action: [...LOKI_BUCKET_ACTIONS], Resource: [...bucketArns] },
            { Sid: "ReadWriteObjects", Effect: "Allow", Action: [...LOKI_OBJECT_ACTIONS], Resource: bucketArns.map((a) => `${a}/*`) },
            { Sid: "UseBucketKey", Effect: "Allow", Action: [...KMS_DATA_ACTIONS], Resource: kmsKeyArn },
        ],
    };
}

/**
 * Trust for EKS Pod Identity, bound to one cluster, namespace and service account (EKS user guide,
 * "Create IAM role with trust policy required by EKS Pod Identity"): Pod Identity tags the AssumeRole
 * session with `eks-cluster-arn`, `kubernetes-namespace` and `kubernetes-service-account`, and the
 * conditions match those request tags. An association with `disableSessionTags` could not assume it.
 */
export function podIdentityTrustPolicy(clusterArn: string, namespace: string, serviceAccount: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EksPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: {
                    StringEquals: {
                        "aws:RequestTag/eks-cluster-arn": clusterArn,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": serviceAccount,
                    },
                },
            },
        ],
    };
}

/** Trust for IRSA: only the given service account, only tokens minted for STS. */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EksIrsa",
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/** Trust for an AWS service principal (EKS control plane, EC2 nodes). */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    };
}
