import assert from "node:assert/strict";
import {
    MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS,
    accessPolicyArn,
    adminPrincipals,
    amiTypeFor,
    buildKubeconfig,
    clusterEncryptionPolicy,
    controlPlaneLogGroupName,
    CLUSTER_ADDONS,
    managedPolicyArn,
    natGatewayCount,
    natGatewayForAz,
    nodeGroupLayout,
    nodeLaunchTemplateSpec,
    nodeVolumeKeyPolicy,
    planSubnets,
    principalSlug,
    s3GatewayEndpointServiceName,
    storageClassSpec,
    subnetTags,
} from "../components/aws/cluster-builders";
import { podIdentityTrustPolicy } from "../components/aws/policies";
import { addonVersionsFor } from "../config/profiles";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../config/schema";
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
        // kubectl parses the ExecCredential as JSON: a deployer whose CLI default output is text must still authenticate.
        assert.equal(args[args.indexOf("--output") + 1], "json");
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

describe("cluster builders: S3 gateway endpoint", () => {
    it("names the regional S3 service in the partition's DNS namespace", () => {
        assert.equal(s3GatewayEndpointServiceName("aws", "eu-west-1"), "com.amazonaws.eu-west-1.s3");
        assert.equal(s3GatewayEndpointServiceName("aws-us-gov", "us-gov-west-1"), "com.amazonaws.us-gov-west-1.s3");
        assert.equal(s3GatewayEndpointServiceName("aws-cn", "cn-north-1"), "cn.com.amazonaws.cn-north-1.s3");
        assert.throws(() => s3GatewayEndpointServiceName("aws-iso-x", "x-1"), /partition/);
    });
});

describe("cluster builders: Pod Identity trust", () => {
    const cluster = "arn:aws:eks:eu-west-1:123456789012:cluster/plg-dev";
    let doc: ReturnType<typeof podIdentityTrustPolicy>;
    let st: ReturnType<typeof podIdentityTrustPolicy>["Statement"][number] | undefined;
    before(() => {
        doc = podIdentityTrustPolicy(cluster, "logging", "loki");
        st = doc.Statement[0];
    });

    it("trusts the Pod Identity service with AssumeRole and TagSession", () => {
        assert.equal(doc.Statement.length, 1);
        assert.deepEqual(st?.Principal, { Service: "pods.eks.amazonaws.com" });
        assert.deepEqual(st?.Action, ["sts:AssumeRole", "sts:TagSession"]);
    });

    it("scopes the role with the session tags Pod Identity sets: this cluster, this namespace, this service account", () => {
        // EKS user guide, pod-id-role / pod-id-abac: the session tags are the request tags of AssumeRole.
        assert.deepEqual(st?.Condition, {
            StringEquals: {
                "aws:RequestTag/eks-cluster-arn": cluster,
                "aws:RequestTag/kubernetes-namespace": "logging",
                "aws:RequestTag/kubernetes-service-account": "loki",
            },
        });
    });
});

describe("cluster builders: node launch template", () => {
    let spec: ReturnType<typeof nodeLaunchTemplateSpec<string>>;
    before(() => {
        spec = nodeLaunchTemplateSpec({ diskSizeGiB: 80, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", tags: { team: "p" }, name: "plg-dev-system" });
    });

    it("requires IMDSv2 with a hop limit of 1, so pods (one hop further) cannot reach the node role", () => {
        assert.deepEqual(spec.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    });

    it("gives the AL2023 root device an encrypted gp3 volume of the configured size with the given key", () => {
        assert.equal(spec.blockDeviceMappings.length, 1);
        const root = spec.blockDeviceMappings[0];
        assert.equal(root?.deviceName, "/dev/xvda");
        assert.deepEqual(root?.ebs, {
            volumeSize: 80,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
            deleteOnTermination: "true",
        });
    });

    it("names instances and volumes, and leaves instance types, subnets and profiles to the node group", () => {
        for (const t of spec.tagSpecifications) assert.deepEqual(t.tags, { team: "p", Name: "plg-dev-system" });
        assert.deepEqual(spec.tagSpecifications.map((t) => t.resourceType).sort(), ["instance", "volume"]);
        // The EKS user guide (launch-templates) forbids these in a managed node group's template.
        for (const k of ["instanceType", "iamInstanceProfile", "networkInterfaces", "instanceInitiatedShutdownBehavior"]) assert.ok(!(k in spec), k);
    });
});

describe("cluster builders: node volume key", () => {
    const slr = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
    let doc: ReturnType<typeof nodeVolumeKeyPolicy>;
    before(() => {
        doc = nodeVolumeKeyPolicy("aws", "123456789012");
    });
    const by = (sid: string) => doc.Statement.find((s) => s.Sid === sid);

    it("keeps IAM policies working through the account root", () => {
        assert.deepEqual(by("EnableIamPolicies")?.Principal, { AWS: "arn:aws:iam::123456789012:root" });
        assert.equal(by("EnableIamPolicies")?.Action, "kms:*");
    });

    it("lets the EC2 Auto Scaling service-linked role use the key and create grants for AWS resources only", () => {
        const use = doc.Statement.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: slr }));
        assert.equal(use.length, 2, "the two statements of the EC2 Auto Scaling guide");
        const actions = use.flatMap((s) => ([] as string[]).concat(s.Action)).sort();
        assert.deepEqual(actions, ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]);
        const grant = use.find((s) => ([] as string[]).concat(s.Action).includes("kms:CreateGrant"));
        assert.deepEqual(grant?.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
        assert.ok(!use.some((s) => s !== grant && ([] as string[]).concat(s.Action).includes("kms:CreateGrant")), "grants only under the condition");
    });

    it("names the role the cluster looked up when it is given", () => {
        const found = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_custom";
        const policy = nodeVolumeKeyPolicy("aws", "123456789012", found);
        assert.equal(policy.Statement.filter((st) => JSON.stringify(st.Principal) === JSON.stringify({ AWS: found })).length, 2);
    });

    it("names the role in the key's partition", () => {
        const gov = JSON.stringify(nodeVolumeKeyPolicy("aws-us-gov", "123456789012"));
        assert.ok(gov.includes("arn:aws-us-gov:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"));
        assert.ok(!gov.includes("arn:aws:"));
    });
});

describe("cluster builders: node group layout", () => {
    it("spreads one group over every subnet", () => {
        assert.deepEqual(nodeGroupLayout("spread", 3), [{ suffix: "", subnetIndexes: [0, 1, 2] }]);
    });

    it("makes one group per subnet (zone), each pinned to its own subnet, with stable names", () => {
        const layout = nodeGroupLayout("perZone", 3);
        assert.deepEqual(layout.map((l) => l.subnetIndexes), [[0], [1], [2]]);
        assert.equal(new Set(layout.map((l) => l.suffix)).size, 3);
        assert.deepEqual(nodeGroupLayout("perZone", 4).slice(0, 3), layout, "adding a zone keeps the existing groups");
    });
});

describe("add-on versions", () => {
    const version = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;

    it("pins every add-on for every supported Kubernetes version (no lookup at run time)", () => {
        for (const k8s of SUPPORTED_KUBERNETES_VERSIONS) {
            const v = addonVersionsFor(k8s, {});
            assert.deepEqual(Object.keys(v).sort(), CLUSTER_ADDONS.map((a) => a.name).sort(), k8s);
            for (const [name, ver] of Object.entries(v)) assert.match(ver, version, `${name} for ${k8s}`);
            // kube-proxy follows the control plane's minor version.
            assert.ok(v["kube-proxy"].startsWith(`v${k8s}.`), `kube-proxy ${v["kube-proxy"]} for ${k8s}`);
        }
    });

    it("lets a stack override one add-on and keeps the others pinned", () => {
        const base = addonVersionsFor("1.34", {});
        const v = addonVersionsFor("1.34", { "vpc-cni": "v1.20.4-eksbuild.1" });
        assert.equal(v["vpc-cni"], "v1.20.4-eksbuild.1");
        assert.deepEqual({ ...v, "vpc-cni": base["vpc-cni"] }, base);
    });
});
