/**
 * The policy pack (policy/): every policy passes on the dev and prod stacks as the program builds
 * them, and fails — saying what to change — on a resource that breaks its promise. Policies are
 * called directly (never through a PolicyPack, which would start a policy server).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { broadGrants, isExactVersion, secretLookingValues } from "../policy/inspect";
import {
    awsRequiredTags,
    eksControlPlaneLogs,
    eksNoOpenPublicEndpointInProd,
    eksSecretsEncryption,
    helmPinnedVersion,
    iamNoBroadGrants,
    nodesImdsV2AndEncryptedRoot,
    noSecretsInValuesOrConfigMaps,
    POLICIES,
    prodStatefulProtected,
    s3CustomerKmsEncryption,
    s3PublicAccessBlocked,
    s3TlsOnly,
} from "../policy/policies";
import { ROOT, runStack } from "./support/graph";
import { type AnyPolicy, fromRecorded, runPolicy, type TestResource, type Violation } from "./support/policy-harness";

async function stackResources(stack: "dev" | "prod"): Promise<TestResource[]> {
    return fromRecorded((await runStack(stack)).resources);
}

/** `resources` with the one named `name` changed by `edit` (a deep copy: the cached graph stays intact). */
function mutate(resources: readonly TestResource[], name: string, edit: (r: TestResource) => TestResource | undefined): TestResource[] {
    assert.ok(
        resources.some((r) => r.name === name),
        `the stack has a resource named ${name}`,
    );
    return resources.flatMap((r) => {
        if (r.name !== name) return [r];
        const copy = structuredClone(r);
        const edited = edit(copy);
        return edited ? [edited] : [];
    });
}

function one(resources: readonly TestResource[], type: string): TestResource {
    const found = resources.filter((r) => r.type === type);
    assert.equal(found.length, 1, `one ${type} in the stack`);
    return found[0] as TestResource;
}

/** The prod stack's buckets (logs; Thanos blocks: long-term metrics are on in prod): every S3 policy holds for each. */
const PROD_BUCKETS = ["plg-log-storage-chunks", "plg-thanos-storage-bucket-blocks"] as const;

/** The one resource of `type` belonging to `bucket` (named after it). */
function ofBucket(resources: readonly TestResource[], type: string, bucket: string): TestResource {
    const found = resources.filter((r) => r.type === type && r.name.startsWith(`${bucket}-`));
    assert.equal(found.length, 1, `one ${type} of ${bucket} in the stack`);
    return found[0] as TestResource;
}

function expectViolation(violations: readonly Violation[], ...fragments: string[]): void {
    assert.ok(violations.length > 0, "the policy reports a violation");
    const text = violations.map((v) => v.message).join("\n");
    for (const f of fragments) assert.ok(text.includes(f), `the message says ${JSON.stringify(f)}; got:\n${text}`);
}

describe("policy pack: the platform's promises as CrossGuard policies", function () {
    for (const stack of ["dev", "prod"] as const) {
        it(`every policy passes on the ${stack} stack the program builds`, async function () {
            const resources = await stackResources(stack);
            for (const policy of POLICIES) assert.deepEqual(await runPolicy(policy, resources), [], policy.name);
            // Stack tags (set by deployments/) agree with the provider's default tags: same verdicts.
            for (const policy of POLICIES) assert.deepEqual(await runPolicy(policy, resources, { stackTags: { environment: stack } }), [], `${policy.name} with stack tags`);
        });
    }

    it("the pack lists every exported policy once, each mandatory and described", async function () {
        const mod = (await import("../policy/policies")) as Record<string, unknown>;
        const exported = Object.values(mod).filter((v): v is AnyPolicy => typeof v === "object" && v !== null && "name" in v && ("validateResource" in v || "validateStack" in v));
        assert.equal(new Set(POLICIES).size, exported.length, "POLICIES holds every exported policy");
        assert.equal(new Set(POLICIES.map((p) => p.name)).size, POLICIES.length, "names are unique");
        for (const p of POLICIES) {
            assert.equal(p.enforcementLevel, "mandatory", p.name);
            assert.ok(p.description.length > 20, p.name);
        }
        assert.match(fs.readFileSync(path.join(ROOT, "policy", "index.ts"), "utf8"), /policies:\s*\[\.\.\.POLICIES\]/);
    });

    describe("each policy fails on a resource that breaks its promise, saying what to change", function () {
        it("S3: no customer-KMS default encryption", async function () {
            const prod = await stackResources("prod");
            for (const bucket of PROD_BUCKETS) {
                const enc = ofBucket(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket);
                expectViolation(await runPolicy(s3CustomerKmsEncryption, mutate(prod, enc.name, () => undefined)), bucket, "kmsMasterKeyId");
                const awsManaged = mutate(prod, enc.name, (r) => ({ ...r, props: { ...r.props, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } }));
                expectViolation(await runPolicy(s3CustomerKmsEncryption, awsManaged), "sseAlgorithm aws:kms");
            }
        });

        it("S3: public access not fully blocked", async function () {
            const prod = await stackResources("prod");
            for (const bucket of PROD_BUCKETS) {
                const block = ofBucket(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket);
                const bad = mutate(prod, block.name, (r) => ({ ...r, props: { ...r.props, restrictPublicBuckets: false } }));
                expectViolation(await runPolicy(s3PublicAccessBlocked, bad), "restrictPublicBuckets: true");
            }
        });

        it("S3: plain HTTP allowed", async function () {
            const prod = await stackResources("prod");
            for (const bucket of PROD_BUCKETS) {
                const policy = ofBucket(prod, "aws:s3/bucketPolicy:BucketPolicy", bucket);
                const bad = mutate(prod, policy.name, (r) => ({ ...r, props: { ...r.props, policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) } }));
                expectViolation(await runPolicy(s3TlsOnly, bad), "aws:SecureTransport");
            }
        });

        it("EKS: secrets not encrypted", async function () {
            const prod = await stackResources("prod");
            const cluster = one(prod, "aws:eks/cluster:Cluster");
            const bad = mutate(prod, cluster.name, (r) => {
                const { encryptionConfig: _dropped, ...props } = r.props;
                return { ...r, props };
            });
            expectViolation(await runPolicy(eksSecretsEncryption, bad), 'resources: ["secrets"]');
        });

        it("EKS: audit logs off", async function () {
            const prod = await stackResources("prod");
            const cluster = one(prod, "aws:eks/cluster:Cluster");
            const bad = mutate(prod, cluster.name, (r) => ({ ...r, props: { ...r.props, enabledClusterLogTypes: ["api"] } }));
            expectViolation(await runPolicy(eksControlPlaneLogs, bad), "audit, authenticator", "enabledClusterLogTypes");
        });

        it("EKS: a prod endpoint open to the internet (and only in prod)", async function () {
            for (const open of [{ publicAccessCidrs: ["0.0.0.0/0"] }, { publicAccessCidrs: [] }]) {
                const prod = await stackResources("prod");
                const cluster = one(prod, "aws:eks/cluster:Cluster");
                const bad = mutate(prod, cluster.name, (r) => ({ ...r, props: { ...r.props, vpcConfig: { ...(r.props.vpcConfig as object), endpointPublicAccess: true, ...open } } }));
                expectViolation(await runPolicy(eksNoOpenPublicEndpointInProd, bad), "publicAccessCidrs");
            }
            // A dev stack may open its endpoint (cluster.endpoint.publicAccessFromAnywhere): the policy is prod's only.
            const dev = await stackResources("dev");
            const devCluster = one(dev, "aws:eks/cluster:Cluster");
            const open = mutate(dev, devCluster.name, (r) => ({ ...r, props: { ...r.props, vpcConfig: { ...(r.props.vpcConfig as object), publicAccessCidrs: [] } } }));
            assert.deepEqual(await runPolicy(eksNoOpenPublicEndpointInProd, open), []);
        });

        it("IAM: wildcard actions, NotAction, S3/KMS on every resource", async function () {
            const prod = await stackResources("prod");
            const loki = prod.find((r) => r.type === "aws:iam/policy:Policy" || r.type === "aws:iam/rolePolicy:RolePolicy") as TestResource;
            const doc = { Version: "2012-10-17", Statement: [{ Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: "*" }] };
            const bad = mutate(prod, loki.name, (r) => ({ ...r, props: { ...r.props, policy: JSON.stringify(doc) } }));
            expectViolation(await runPolicy(iamNoBroadGrants, bad), "statement Everything allows s3:*", "name the buckets or keys");
            const inline = [{ type: "aws:iam/role:Role", name: "r", props: { inlinePolicies: [{ name: "x", policy: JSON.stringify({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] }) }] } }];
            expectViolation(await runPolicy(iamNoBroadGrants, inline), "NotAction");
        });

        it("nodes: no launch template; IMDSv1; a hop limit pods can cross; an unencrypted root volume", async function () {
            const prod = await stackResources("prod");
            const ng = one(prod, "aws:eks/nodeGroup:NodeGroup");
            const noTemplate = mutate(prod, ng.name, (r) => {
                const { launchTemplate: _dropped, ...props } = r.props;
                return { ...r, props };
            });
            expectViolation(await runPolicy(nodesImdsV2AndEncryptedRoot, noTemplate), "set launchTemplate");
            const lt = one(prod, "aws:ec2/launchTemplate:LaunchTemplate");
            const weak = mutate(prod, lt.name, (r) => ({
                ...r,
                props: { ...r.props, metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 }, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] },
            }));
            expectViolation(await runPolicy(nodesImdsV2AndEncryptedRoot, weak), 'httpTokens: "required"', "set it to 1", "ebs.encrypted: true");
        });

        it("Helm: a release without an exact version", async function () {
            const prod = await stackResources("prod");
            const release = prod.find((r) => r.type === "kubernetes:helm.sh/v3:Release") as TestResource;
            assert.ok(isExactVersion(release.props.version), "the program pins the version");
            for (const version of [undefined, "^1.2.0", "latest"]) {
                const bad = mutate(prod, release.name, (r) => ({ ...r, props: { ...r.props, version } }));
                expectViolation(await runPolicy(helmPinnedVersion, bad), release.name, "set version to an exact chart version");
            }
        });

        it("secrets: a credential in Helm values or a ConfigMap is reported by path, never echoed", async function () {
            const webhook = "https://hooks.slack.com/services/T000/B000/abcdefSECRETvalue";
            const prod = await stackResources("prod");
            const kps = prod.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.name === "kube-prometheus-stack") as TestResource;
            const leaked = mutate(prod, kps.name, (r) => ({ ...r, props: { ...r.props, values: { ...(r.props.values as object), alertmanager: { config: { global: { slack_api_url: webhook } } } } } }));
            const v1 = await runPolicy(noSecretsInValuesOrConfigMaps, leaked);
            expectViolation(v1, "values.alertmanager.config.global.slack_api_url: a Slack webhook URL", "move it to a Kubernetes Secret");
            const cm = [{ type: "kubernetes:core/v1:ConfigMap", name: "grafana-ini", props: { data: { "grafana.ini": "x", password: "hunter2hunter2" } } }];
            const v2 = await runPolicy(noSecretsInValuesOrConfigMaps, cm);
            expectViolation(v2, "data.password: a literal password");
            for (const v of [...v1, ...v2]) assert.ok(!v.message.includes("abcdefSECRETvalue") && !v.message.includes("hunter2"), "the value is never in the message");
        });

        it("prod: a stateful resource without protect (dev is exempt)", async function () {
            const prod = await stackResources("prod");
            for (const name of PROD_BUCKETS) {
                const bad = mutate(prod, name, (r) => ({ ...r, protect: false }));
                expectViolation(await runPolicy(prodStatefulProtected, bad), `Bucket ${name}`, "protect: true");
            }
            // The stack tag alone makes a stack production, whatever its AWS tags say.
            const devAsProd = await runPolicy(prodStatefulProtected, await stackResources("dev"), { stackTags: { environment: "prod" } });
            expectViolation(devAsProd, "Bucket", "protect: true");
        });

        it("tags: a resource missing a required tag, counting the provider's default tags", async function () {
            const dev = await stackResources("dev");
            const provider = one(dev, "pulumi:providers:aws");
            const noOwner = mutate(dev, provider.name, (r) => {
                const defaults = JSON.parse(String(r.props.defaultTags)) as { tags: Record<string, string> };
                delete defaults.tags.owner;
                return { ...r, props: { ...r.props, defaultTags: JSON.stringify(defaults) } };
            });
            const violations = await runPolicy(awsRequiredTags, noOwner);
            expectViolation(violations, "missing tags owner", "aws.tags");
            assert.ok(violations.some((v) => v.message.startsWith("Cluster ")), "the cluster is among them");
            // A resource's own tag fills the gap.
            const tagged = [
                { type: "pulumi:providers:aws", name: "p", props: {} },
                { type: "aws:s3/bucket:Bucket", name: "b", provider: "p", props: { tags: { project: "x", environment: "dev", owner: "me" } } },
            ];
            assert.deepEqual(await runPolicy(awsRequiredTags, tagged), []);
        });
    });

    describe("readers", function () {
        it("broadGrants ignores Deny statements and named resources", function () {
            const doc = {
                Statement: [
                    { Effect: "Deny", Action: "s3:*", Resource: "*" },
                    { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" },
                    { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
                ],
            };
            assert.deepEqual(broadGrants(JSON.stringify(doc)), []);
            assert.equal(broadGrants({ Statement: { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" } }).length, 1, "a single statement object counts too");
        });

        it("secretLookingValues: references to a secret are not secrets", function () {
            const values = { grafana: { admin: { existingSecret: "grafana-admin", passwordKey: "admin-password" } }, receivers: [{ slack_configs: [{ api_url_file: "/etc/alertmanager/secrets/x/slack" }] }], ini: { password: "$__file{/etc/secrets/pw}" } };
            assert.deepEqual(secretLookingValues(values), []);
            assert.deepEqual(secretLookingValues({ a: [{ token: "abc" }] }, "values"), ["values.a[0].token: a literal token"]);
        });
    });
});
