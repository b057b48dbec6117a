/**
 * cluster.previewPrincipalArns: the roles pull-request previews run with (deployments/ creates one
 * per stack) get an EKS access entry with AmazonEKSViewPolicy — read-only Kubernetes access, so a
 * preview reaches the cluster without being able to change it; an admin listed again keeps admin.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { ROOT, runStack } from "./support/graph";

const PREVIEW = "arn:aws:iam::123456789012:role/plg-observability-prod-preview";
const ADMIN = "arn:aws:iam::123456789012:role/PlatformAdmin";

describe("cluster access for pull-request previews (cluster.previewPrincipalArns)", function () {
    it("a preview principal gets an access entry with the EKS view policy only; an admin is not demoted", async function () {
        const file = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
        const cluster = { ...file.config["plg-observability:cluster"], previewPrincipalArns: [PREVIEW, ADMIN] };
        const g = await runStack("prod", { settings: { cluster } });
        const associations = g.byType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((r) => g.inputs(r));
        const policiesOf = (arn: string) => associations.filter((a) => a.principalArn === arn).map((a) => String(a.policyArn).split("/").pop());
        assert.deepEqual(policiesOf(PREVIEW), ["AmazonEKSViewPolicy"]);
        assert.deepEqual(policiesOf(ADMIN), ["AmazonEKSClusterAdminPolicy"]);
        const entries = g.byType("aws:eks/accessEntry:AccessEntry").map((r) => g.inputs(r).principalArn);
        assert.equal(entries.filter((a) => a === ADMIN).length, 1, "one access entry per principal");
        assert.ok(entries.includes(PREVIEW));
        // Without the setting, nobody gets the view policy.
        const plain = await runStack("prod");
        assert.ok(!plain.byType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").some((r) => String(plain.inputs(r).policyArn).endsWith("AmazonEKSViewPolicy")));
    });
});
