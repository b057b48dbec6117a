/**
 * The AWS Load Balancer Controller: the pinned chart, its own workload role carrying the upstream
 * IAM policy of exactly that version, region and VPC given (no IMDS), on the platform's cluster
 * and on a brought one only when asked.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { charts } from "../components/charts";
import { loadBalancerController as lbc } from "../components/endpoints";
import { IAM_POLICY_FILE, IAM_POLICY_SOURCE, loadBalancerControllerPolicy } from "../components/aws/load-balancer-controller/values";
import { revealSecrets } from "../tools/mock-run";
import { ROOT, runStack } from "./support/graph";

const ACCOUNT = "123456789012";

describe("AWS Load Balancer Controller", function () {
    it("carries the controller's own IAM policy for the pinned version, byte for byte", () => {
        // The digest of docs/install/iam_policy.json at the tag, read from the upstream repository.
        const digest = createHash("sha256").update(fs.readFileSync(IAM_POLICY_FILE)).digest("hex");
        assert.equal(digest, IAM_POLICY_SOURCE.sha256, "iam-policy.json differs from upstream's at the tag");
        assert.equal(IAM_POLICY_SOURCE.tag, `v${charts.awsLoadBalancerController.version}`, "chart bumped without its policy");
        // The packaged chart's app version is the policy's tag.
        const tgz = path.join(ROOT, "..", "shared", "charts", "packages", `aws-load-balancer-controller-${charts.awsLoadBalancerController.version}.tgz`);
        if (fs.existsSync(tgz)) {
            const chartYaml = execFileSync("tar", ["-xzOf", tgz, "aws-load-balancer-controller/Chart.yaml"], { encoding: "utf8" });
            assert.match(chartYaml, new RegExp(`^appVersion: ${IAM_POLICY_SOURCE.tag.replace(/\./g, "\\.")}$`, "m"));
        }
        const actions = loadBalancerControllerPolicy().Statement.flatMap((s) => ([] as string[]).concat((s as { Action?: string | string[] }).Action ?? []));
        for (const a of ["elasticloadbalancing:CreateLoadBalancer", "ec2:AuthorizeSecurityGroupIngress", "acm:DescribeCertificate", "wafv2:AssociateWebACL"]) assert.ok(actions.includes(a), a);
    });

    it("gets its own Pod Identity role with exactly that policy, and region and VPC in its values", async () => {
        const g = await runStack("dev");
        const role = g.one("aws:iam/role:Role", "-lbc-role");
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Principal: { Service: string }; Condition: { StringEquals: Record<string, string> } }[] };
        assert.equal(trust.Statement[0]?.Principal.Service, "pods.eks.amazonaws.com");
        assert.equal(trust.Statement[0]?.Condition.StringEquals["aws:RequestTag/kubernetes-namespace"], lbc.namespace);
        assert.equal(trust.Statement[0]?.Condition.StringEquals["aws:RequestTag/kubernetes-service-account"], lbc.serviceAccount);
        const policy = g.one("aws:iam/rolePolicy:RolePolicy", "-lbc-policy");
        assert.deepEqual(JSON.parse(String(policy.inputs.policy)), JSON.parse(fs.readFileSync(IAM_POLICY_FILE, "utf8")));
        const assoc = g.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "-lbc-association");
        assert.equal(assoc.inputs.namespace, lbc.namespace);
        assert.equal(assoc.inputs.serviceAccount, lbc.serviceAccount);
        assert.match(String(assoc.inputs.roleArn), new RegExp(`^arn:aws:iam::${ACCOUNT}:role/`));
        const values = g.releaseValues(lbc.release);
        assert.equal(values.region, "eu-west-1");
        assert.equal(values.clusterName, "plg-dev");
        assert.ok(typeof values.vpcId === "string" && values.vpcId.length > 0, "vpcId given: the controller would otherwise ask IMDS, which hop limit 1 keeps from pods");
        assert.equal((values.serviceAccount as { name: string }).name, lbc.serviceAccount);
        const release = g.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === lbc.release);
        assert.equal(release?.inputs.chart, "aws-load-balancer-controller");
        assert.equal(release?.inputs.version, charts.awsLoadBalancerController.version);
        assert.equal(revealSecrets(release?.inputs.namespace), lbc.namespace);
    });

    it("is installed in a brought cluster only when asked", async () => {
        const cluster = { existing: { name: "shared-eks" }, adminPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/PlatformAdmin`] };
        const without = await runStack("dev", { settings: { cluster } });
        assert.equal(without.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === lbc.release), undefined);
        assert.equal(without.byType("aws:iam/role:Role").filter((r) => r.name.endsWith("-lbc-role")).length, 0);
        const asked = await runStack("dev", { settings: { cluster: { ...cluster, existing: { ...cluster.existing, installLoadBalancerController: true } } } });
        assert.ok(asked.byType("kubernetes:helm.sh/v3:Release").some((r) => r.inputs.name === lbc.release));
        assert.equal(asked.releaseValues(lbc.release).vpcId, "vpc-0123456789abcdef0", "the brought cluster's VPC");
    });
});
