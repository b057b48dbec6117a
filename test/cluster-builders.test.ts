import assert from "node:assert/strict";
import {
    MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS,
    accessPolicyArn,
    adminPrincipals,
    amiTypeFor,
    buildKubeconfig,
    clusterEncryptionPolicy,
    controlPlaneLogGroupName,
    managedPolicyArn,
    natGatewayCount,
    natGatewayForAz,
    planSubnets,
    principalSlug,
    storageClassSpec,
    subnetTags,
} from "../components/aws/cluster-builders";
import { cidrContains, parseCidr } from "../config/validators";

function overlapping(cidrs: readonly string[]): [string, string] | undefined {
    for (let i = 0; i < cidrs.length; i++) {
        for (let j = i + 1; j < cidrs.length; j++) {
            const a = cidrs[i] as string;
            const b = cidrs[j] as string;
            if (cidrContains(a, b) || cidrContains(b, a)) return [a, b];
        }
    }
    return undefined;
}

describe("cluster builders: subnet plan", () => {
    it("gives a /16 over 3 AZs large private /19s and small public /22s at the top of the range", () => {
        const plan = planSubnets({ vpcCidr: "10.0.0.0/16", azCount: 3 });
        assert.deepEqual(plan.private, ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]);
        assert.deepEqual(plan.public, ["10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22"]);
    });

    for (const vpcCidr of ["10.0.0.0/16", "172.16.0.0/18", "192.168.4.0/22"]) {
        for (const azCount of [2, 3, 4, 5, 6]) {
            it(`fits ${azCount} AZs in ${vpcCidr}: inside the VPC, no overlap, at least /28`, () => {
                const plan = planSubnets({ vpcCidr, azCount });
                assert.equal(plan.private.length, azCount);
                assert.equal(plan.public.length, azCount);
                const all = [...plan.private, ...plan.public];
                for (const c of all) {
                    assert.ok(cidrContains(vpcCidr, c), `${c} outside ${vpcCidr}`);
                    assert.ok((parseCidr(c)?.prefix ?? 99) <= 28, `${c} smaller than AWS allows`);
                }
                assert.equal(overlapping(all), undefined);
            });
        }
    }

    it("is stable: adding an AZ keeps the existing subnets where they are", () => {
        const three = planSubnets({ vpcCidr: "10.1.0.0/16", azCount: 3 });
        const four = planSubnets({ vpcCidr: "10.1.0.0/16", azCount: 4 });
        assert.deepEqual(four.private.slice(0, 3), three.private);
        assert.deepEqual(four.public.slice(0, 3), three.public);
    });

    it("uses explicit CIDRs from config as given", () => {
        const plan = planSubnets({
            vpcCidr: "10.0.0.0/16",
            azCount: 2,
            privateSubnetCidrs: ["10.0.1.0/24", "10.0.2.0/24"],
            publicSubnetCidrs: ["10.0.101.0/24", "10.0.102.0/24"],
        });
        assert.deepEqual(plan.private, ["10.0.1.0/24", "10.0.2.0/24"]);
        assert.deepEqual(plan.public, ["10.0.101.0/24", "10.0.102.0/24"]);
    });

    it("refuses a computed list that collides with an explicit one", () => {
        // Explicit public subnets inside the first computed private /19.
        assert.throws(() => planSubnets({ vpcCidr: "10.0.0.0/16", azCount: 2, publicSubnetCidrs: ["10.0.1.0/24", "10.0.2.0/24"] }), /overlap/);
    });

    it("refuses a VPC too small for computed public subnets", () => {
        assert.equal(MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS, 22);
        assert.throws(() => planSubnets({ vpcCidr: "10.0.0.0/23", azCount: 2 }), /too small/);
    });
});

describe("cluster builders: network facts", () => {
    it("tags public subnets for internet-facing and private ones for internal load balancers, both shared with the cluster", () => {
        assert.deepEqual(subnetTags("public", "plg-dev"), { "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/plg-dev": "shared" });
        assert.deepEqual(subnetTags("private", "plg-dev"), { "kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/plg-dev": "shared" });
    });

    it("routes each AZ through its own NAT with perAz and through NAT 0 with single", () => {
        assert.equal(natGatewayCount("perAz", 3), 3);
        assert.equal(natGatewayCount("single", 3), 1);
        assert.deepEqual([0, 1, 2].map((i) => natGatewayForAz("perAz", i)), [0, 1, 2]);
        assert.deepEqual([0, 1, 2].map((i) => natGatewayForAz("single", i)), [0, 0, 0]);
    });
});

describe("cluster builders: IAM and access", () => {
    it("builds managed-policy and access-policy ARNs for the partition", () => {
        assert.equal(managedPolicyArn("aws", "AmazonEKSClusterPolicy"), "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
        assert.equal(managedPolicyArn("aws-us-gov", "service-role/AmazonEBSCSIDriverPolicy"), "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
        assert.equal(accessPolicyArn("aws", "AmazonEKSClusterAdminPolicy"), "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
    });

    it("lets the cluster role use exactly the secrets key", () => {
        const doc = clusterEncryptionPolicy("arn:aws:kms:eu-west-1:123456789012:key/abc");
        assert.equal(doc.Statement.length, 1);
        assert.equal(doc.Statement[0]?.Resource, "arn:aws:kms:eu-west-1:123456789012:key/abc");
        assert.ok((doc.Statement[0]?.Action as string[]).includes("kms:Decrypt"));
        assert.ok(!(doc.Statement[0]?.Action as string[]).some((a) => a.includes("*")));
    });

    it("gives every principal a stable, distinct name and adds the deployer once", () => {
        const a = "arn:aws:iam::123456789012:role/PlatformAdmin";
        const b = "arn:aws:iam::210987654321:role/PlatformAdmin";
        const u = "arn:aws:iam::123456789012:user/alice";
        const d = "arn:aws:iam::123456789012:role/ci/PulumiDeployments";
        const list = adminPrincipals([a, b, u, a], d);
        assert.deepEqual(list.map((p) => p.arn), [a, b, u, d]);
        assert.equal(new Set(list.map((p) => p.slug)).size, 4, "same role name in two accounts must not collide");
        assert.equal(principalSlug(d), "123456789012-role-ci-pulumideployments");
        assert.deepEqual(adminPrincipals([d], d).map((p) => p.arn), [d], "deployer already an admin: one entry");
        // Reordering the list keeps each principal's name (no replacement of access entries).
        assert.deepEqual(adminPrincipals([u, a]).map((p) => p.slug).sort(), adminPrincipals([a, u]).map((p) => p.slug).sort());
    });

    it("names the control-plane log group where EKS writes", () => {
        assert.equal(controlPlaneLogGroupName("plg-prod"), "/aws/eks/plg-prod/cluster");
    });
});

describe("cluster builders: node AMI", () => {
    it("picks the AL2023 AMI of the instance types' architecture and refuses a mix", () => {
        assert.equal(amiTypeFor(["m6i.large", "m5.large"]), "AL2023_x86_64_STANDARD");
        assert.equal(amiTypeFor(["m7g.large", "c6gn.xlarge", "t4g.medium"]), "AL2023_ARM_64_STANDARD");
        assert.throws(() => amiTypeFor(["m7g.large", "m6i.large"]), /mix/);
    });
});

describe("cluster builders: kubeconfig", () => {
    const input = {
        clusterName: "plg-dev",
        endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        certificateAuthorityData: "Q0E=",
        region: "eu-west-1",
    };

    it("authenticates with `aws eks get-token` for the cluster and region, v1beta1 exec credentials", () => {
        const kc = JSON.parse(JSON.stringify(buildKubeconfig(input))) as Record<string, unknown> & ReturnType<typeof buildKubeconfig>;
        const ctx = kc.contexts.find((c) => c.name === kc["current-context"]);
        assert.ok(ctx, "current-context must name a context");
        const cluster = kc.clusters.find((c) => c.name === ctx.context.cluster);
        const user = kc.users.find((u) => u.name === ctx.context.user);
        assert.equal(cluster?.cluster.server, input.endpoint);
        assert.equal(cluster?.cluster["certificate-authority-data"], "Q0E=");
        const exec = user?.user.exec;
        assert.equal(exec?.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.equal(exec?.command, "aws");
        const args = exec?.args ?? [];
        assert.deepEqual(args.slice(0, 2), ["eks", "get-token"]);
        assert.equal(args[args.indexOf("--cluster-name") + 1], "plg-dev");
        assert.equal(args[args.indexOf("--region") + 1], "eu-west-1");
        assert.ok(!args.includes("--role-arn"));
    });

    it("assumes the given role and uses the given context name", () => {
        const kc = buildKubeconfig({ ...input, roleArn: "arn:aws:iam::123456789012:role/Reach", contextName: "shared" });
        assert.equal(kc["current-context"], "shared");
        const args = kc.users[0]?.user.exec.args ?? [];
        assert.equal(args[args.indexOf("--role-arn") + 1], "arn:aws:iam::123456789012:role/Reach");
        assert.equal(args[args.indexOf("--cluster-name") + 1], "plg-dev", "the context name must not replace the cluster name");
    });
});

describe("cluster builders: StorageClass", () => {
    it("makes encrypted gp3 the default on a created cluster, retained in prod", () => {
        const dev = storageClassSpec({ brought: false, production: false });
        const prod = storageClassSpec({ brought: false, production: true });
        assert.equal(dev.name, "gp3");
        assert.equal(dev.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.deepEqual(dev.parameters, { type: "gp3", encrypted: "true" });
        assert.equal(dev.provisioner, "ebs.csi.aws.com");
        assert.equal(dev.volumeBindingMode, "WaitForFirstConsumer");
        assert.equal(dev.reclaimPolicy, "Delete");
        assert.equal(prod.reclaimPolicy, "Retain");
    });

    it("on a brought cluster uses its own non-default name", () => {
        const sc = storageClassSpec({ brought: true, production: false });
        assert.notEqual(sc.name, "gp3");
        assert.equal(sc.annotations["storageclass.kubernetes.io/is-default-class"], undefined);
        assert.equal(sc.parameters.encrypted, "true");
    });
});
