import assert from "node:assert/strict";
import type { PolicyDocument } from "../components/aws/policies";
import { loki } from "../components/endpoints";
import { parseSettings } from "../config";
import { readStackConfig } from "../tools/stack-config";
import { type Graph, ROOT, runStack } from "./support/graph";
import * as path from "node:path";

const BUCKET = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const KEY = "aws:kms/key:Key";

function settingsOf(stack: string) {
    const r = parseSettings(readStackConfig(ROOT, path.join(ROOT, `Pulumi.${stack}.yaml`)).config);
    if (!r.ok) throw new Error(r.problems.join("\n"));
    return r.settings;
}

function logKey(g: Graph) {
    return g.byType(KEY).find((k) => k.parent?.endsWith("-log-storage"));
}

function policyStatements(doc: unknown): PolicyDocument["Statement"] {
    return (JSON.parse(String(doc)) as PolicyDocument).Statement;
}

type Settings = ReturnType<typeof settingsOf>;

/**
 * Every bucket of the platform holds to the same storage rules: the log bucket, and the metrics
 * bucket of long-term metrics (on by default in prod; turned on in dev for this test).
 */
const STORES = [
    {
        what: "log storage",
        parentSuffix: "-log-storage",
        // The name it had beside the ruler bucket: a new name would replace the bucket holding the logs.
        buckets: ["plg-log-storage-chunks"],
        settings: {} as Record<string, unknown>,
        retention: (s: Settings) => ({ days: s.logs.retentionDays, margin: s.logs.lifecycleMarginDays }),
    },
    {
        what: "metrics storage (Thanos)",
        parentSuffix: "-thanos-storage-bucket",
        buckets: ["plg-thanos-storage-bucket-blocks"],
        settings: { metrics: { longTerm: { enabled: true } } } as Record<string, unknown>,
        // The lifecycle follows the longest resolution's retention.
        retention: (s: Settings) => {
            const r = s.metrics.longTerm.retentionDays;
            return { days: Math.max(r.raw, r.fiveMinutes, r.oneHour), margin: s.metrics.longTerm.lifecycleMarginDays };
        },
    },
] as const;

for (const store of STORES) {
    for (const stack of ["dev", "prod"] as const) {
        describe(`${store.what} (${stack})`, function () {
            let g: Graph;
            let s: Settings;
            const buckets = () => g.byType(BUCKET).filter((b) => b.parent?.endsWith(store.parentSuffix));
            const key = () => g.byType(KEY).find((k) => k.parent?.endsWith(store.parentSuffix));
            before(async () => {
                g = await runStack(stack, Object.keys(store.settings).length > 0 ? { settings: store.settings } : {});
                s = settingsOf(stack);
            });

            it("creates its buckets, encrypted with a rotating customer-managed key and an S3 Bucket Key", () => {
                assert.deepEqual(buckets().map((b) => b.name), [...store.buckets]);
                const k = key();
                assert.ok(k, "no KMS key for the buckets");
                assert.equal(k.inputs.enableKeyRotation, true);
                const keyArn = `arn:aws:kms:eu-west-1:123456789012:key/${k.name}-key-id`;
                for (const b of buckets()) {
                    const sse = g.one(SSE, `${b.name}-encryption`);
                    const rule = (sse.inputs.rules as { applyServerSideEncryptionByDefault: Record<string, string>; bucketKeyEnabled?: boolean }[])[0];
                    assert.equal(rule?.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                    assert.equal(rule?.applyServerSideEncryptionByDefault.kmsMasterKeyId, keyArn);
                    assert.equal(rule?.bucketKeyEnabled, true);
                }
            });

            it("blocks public access, enforces bucket-owner ownership and denies non-TLS requests", () => {
                for (const b of buckets()) {
                    const block = g.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${b.name}-public-access`);
                    for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block.inputs[k], true, k);
                    const own = g.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${b.name}-ownership`);
                    assert.deepEqual(own.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
                    const pol = g.one("aws:s3/bucketPolicy:BucketPolicy", `${b.name}-tls-only`);
                    const [deny] = policyStatements(pol.inputs.policy);
                    assert.equal(deny?.Effect, "Deny");
                    assert.deepEqual(deny?.Condition, { Bool: { "aws:SecureTransport": "false" } });
                    const arn = `arn:aws:s3:::${b.name}-mock`;
                    assert.deepEqual(deny?.Resource, [arn, `${arn}/*`]);
                }
            });

            it("expires objects after the application's retention plus the margin, and aborts stale uploads", () => {
                const { days, margin } = store.retention(s);
                for (const b of buckets()) {
                    const rules = g.one(LIFECYCLE, `${b.name}-lifecycle`).inputs.rules as { expiration?: { days: number }; abortIncompleteMultipartUpload?: { daysAfterInitiation: number } }[];
                    const expiry = rules.find((r) => r.expiration)?.expiration?.days;
                    assert.equal(expiry, days + margin);
                    assert.ok((expiry ?? 0) > days, "the lifecycle must not delete what the application still serves");
                    assert.ok(rules.some((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 1));
                }
            });

            it(stack === "prod" ? "protects and retains buckets and key" : "lets buckets and key go with the stack", () => {
                for (const r of [...buckets(), key()]) {
                    assert.ok(r);
                    if (stack === "prod") {
                        assert.equal(r.options.protect, true, r.name);
                        assert.equal(r.options.retainOnDelete, true, r.name);
                    } else {
                        assert.notEqual(r.options.protect, true, r.name);
                    }
                }
                for (const b of buckets()) assert.equal(b.inputs.forceDestroy, stack !== "prod");
            });
        });
    }
}

for (const stack of ["dev", "prod"] as const) {
    describe(`Loki's workload identity (${stack})`, function () {
        let g: Graph;
        before(async () => {
            g = await runStack(stack);
        });

        it("gives Loki a role only its service account can assume, through Pod Identity", () => {
            const assoc = g.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "-loki-association");
            assert.equal(assoc.inputs.namespace, loki.namespace);
            assert.equal(assoc.inputs.serviceAccount, loki.serviceAccount);
            const role = g.one("aws:iam/role:Role", "-loki-role");
            assert.equal(assoc.inputs.roleArn, `arn:aws:iam::123456789012:role/${role.name}-mock`);
            const [trust] = policyStatements(role.inputs.assumeRolePolicy);
            assert.deepEqual(trust?.Principal, { Service: "pods.eks.amazonaws.com" });
            assert.deepEqual(trust?.Action, ["sts:AssumeRole", "sts:TagSession"]);
            // The session tags Pod Identity sets (EKS user guide, pod-id-role): this cluster, Loki's namespace and service account only.
            assert.deepEqual(trust?.Condition, {
                StringEquals: {
                    "aws:RequestTag/eks-cluster-arn": `arn:aws:eks:eu-west-1:123456789012:cluster/plg-${stack}`,
                    "aws:RequestTag/kubernetes-namespace": loki.namespace,
                    "aws:RequestTag/kubernetes-service-account": loki.serviceAccount,
                },
            });
        });

        it("allows Loki exactly the S3 actions it needs on exactly its buckets and key, no wildcard", () => {
            const pol = g.one("aws:iam/rolePolicy:RolePolicy", "-loki-policy");
            const statements = policyStatements(pol.inputs.policy);
            const bucketArns = g.byType(BUCKET).filter((x) => x.parent?.endsWith("-log-storage")).map((b) => `arn:aws:s3:::${b.name}-mock`);
            const key = logKey(g);
            const resources = statements.flatMap((s) => ([] as string[]).concat(s.Resource ?? []));
            const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action));
            assert.ok(actions.every((a) => !a.includes("*")), `wildcard action in ${actions.join(", ")}`);
            assert.ok(resources.every((r) => r !== "*"), "wildcard resource");
            assert.deepEqual(
                [...new Set(resources)].sort(),
                [...bucketArns, ...bucketArns.map((a) => `${a}/*`), `arn:aws:kms:eu-west-1:123456789012:key/${key?.name}-key-id`].sort(),
            );
            assert.deepEqual(actions.sort(), ["kms:Decrypt", "kms:GenerateDataKey", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
        });
    });
}

describe("workload identity: IRSA", () => {
    it("trusts only the Loki service account through the cluster's OIDC provider and creates no Pod Identity association", async () => {
        const g = await runStack("dev", {
            settings: { cluster: { name: "plg-dev", endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, adminPrincipalArns: ["arn:aws:iam::123456789012:role/PlatformAdmin"], workloadIdentity: "irsa" } },
        });
        assert.equal(g.byType("aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((a) => a.name.includes("loki")).length, 0);
        const podIdentity = await runStack("dev");
        const podIdentitySa = podIdentity.releaseValues(loki.release).serviceAccount as { annotations?: Record<string, string> };
        assert.equal(podIdentitySa.annotations?.["eks.amazonaws.com/role-arn"], undefined, "Pod Identity needs no annotation");
        const role = g.one("aws:iam/role:Role", "-loki-role");
        const [trust] = policyStatements(role.inputs.assumeRolePolicy);
        assert.equal(trust?.Action, "sts:AssumeRoleWithWebIdentity");
        const federated = (trust?.Principal as Record<string, string>).Federated;
        assert.match(federated ?? "", /^arn:aws:iam::123456789012:oidc-provider\//);
        const eq = trust?.Condition?.StringEquals ?? {};
        const sub = Object.entries(eq).find(([k]) => k.endsWith(":sub"));
        const aud = Object.entries(eq).find(([k]) => k.endsWith(":aud"));
        assert.equal(sub?.[1], `system:serviceaccount:${loki.namespace}:${loki.serviceAccount}`);
        assert.equal(aud?.[1], "sts.amazonaws.com");
        assert.ok(federated?.endsWith(sub?.[0].replace(/:sub$/, "") ?? "?"), "the condition must name the same issuer as the provider");
        const annotations = (g.releaseValues(loki.release).serviceAccount as { annotations?: Record<string, string> }).annotations;
        assert.equal(annotations?.["eks.amazonaws.com/role-arn"], `arn:aws:iam::123456789012:role/${role.name}-mock`, "Loki's service account must name the role");
    });
});
