import assert from "node:assert/strict";
import * as path from "node:path";
import { loki } from "../components/endpoints";
import { UNKNOWN, findBakedValues, resourceKey, revealSecrets } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { type Graph, PROJECT, ROOT, type StackOverrides, runStack } from "./support/graph";

/** The `cluster` settings of a committed stack file, to vary one key of them. */
function clusterSettings(stack: string): Record<string, unknown> {
    const cfg = readStackConfig(ROOT, path.join(ROOT, `Pulumi.${stack}.yaml`));
    return JSON.parse(cfg.config[`${PROJECT}:cluster`] as string) as Record<string, unknown>;
}

interface Variant {
    label: string;
    stack: string;
    over: StackOverrides;
    /** The cluster is created by the stack (so the Kubernetes provider cannot be configured in a first preview). */
    creates: boolean;
}

const VARIANTS: Variant[] = [
    { label: "dev", stack: "dev", over: {}, creates: true },
    { label: "prod", stack: "prod", over: {}, creates: true },
    { label: "prod with IRSA", stack: "prod", over: { settings: { cluster: { ...clusterSettings("prod"), workloadIdentity: "irsa" } } }, creates: true },
    {
        label: "prod with Grafana on a hostname and its Route 53 record (the ALB does not exist yet)",
        stack: "prod",
        over: { settings: { grafana: { hostname: "grafana.example.com", tlsCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e", hostedZoneId: "Z0123456789ABCDEFGHIJ" } } },
        creates: true,
    },
    { label: "a brought cluster with IRSA", stack: "dev", over: { settings: { cluster: { name: "shared-eks", existing: { name: "shared-eks" }, workloadIdentity: "irsa" } } }, creates: false },
];

const keys = (g: Graph) => g.resources.map(resourceKey).sort();

for (const v of VARIANTS) {
    describe(`first preview of a new stack (${v.label})`, function () {
        this.timeout(120_000);
        let up: Graph;
        let preview: Graph;
        before(async () => {
            up = await runStack(v.stack, v.over);
            // Rejects if an apply throws or a resource's inputs fail to compute.
            preview = await runStack(v.stack, v.over, "preview");
        });

        it("completes and registers every resource a deployment creates", () => {
            assert.deepEqual(keys(preview), keys(up), "a resource created inside an apply would be missing from the preview");
            assert.ok(preview.resources.every((r) => r.registered));
        });

        it("bakes no unknown value and no Output into any string", () => {
            assert.deepEqual(findBakedValues(preview.run), []);
            assert.deepEqual(findBakedValues(up.run), []);
        });

        // Guards that the run above is a real first preview, so the two tests above are not vacuous.
        it(v.creates ? "knows nothing the cloud computes, and the Kubernetes provider is unconfigured" : "knows what the looked-up cluster reports", () => {
            const provider = preview.one("pulumi:providers:kubernetes");
            const kubeconfig = revealSecrets(provider.inputs.kubeconfig);
            const lokiRelease = preview.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === loki.release);
            assert.ok(lokiRelease);
            const trust = preview.byType("aws:iam/role:Role").find((r) => r.parent?.endsWith("-loki"))?.inputs.assumeRolePolicy;
            if (v.creates) {
                assert.equal(trust, UNKNOWN, "the trust policy names the cluster ARN or OIDC provider, unknown before they exist");
                assert.equal(kubeconfig, UNKNOWN);
                // The namespace's name is a known input, yet an unconfigured provider returns no outputs.
                assert.equal(lokiRelease.inputs.namespace, UNKNOWN);
                assert.equal(preview.run.outputs.clusterEndpoint, UNKNOWN);
                assert.equal(preview.run.outputs.clusterName, up.run.outputs.clusterName, "a name set in the stack file stays known");
            } else {
                assert.equal(typeof kubeconfig, "string");
                assert.ok(!String(kubeconfig).includes(UNKNOWN));
                assert.equal(lokiRelease.inputs.namespace, loki.namespace);
                assert.match(String(trust), /oidc-provider\//, "the looked-up OIDC provider is known");
            }
        });
    });
}
