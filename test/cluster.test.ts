import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { EksCluster } from "../components/aws/cluster";
import { awsOf, loadConfig, parseSettings } from "../config";
import { EKS_SUPPORT_ENDS, SUPPORTED_KUBERNETES_VERSIONS } from "../config/schema";
import { type RecordedResource, type RunResult, isSecretMarker, revealSecrets, runUnderMocks } from "../tools/mock-run";

const P = "plg-observability";
const ADMIN_A = "arn:aws:iam::123456789012:role/PlatformAdmin";
const ADMIN_B = "arn:aws:iam::123456789012:user/oncall";
const DEPLOYER = "arn:aws:iam::123456789012:role/PulumiDeployments";
const SLACK = "https://hooks.slack.com/services/T/B/X";
const PAGERDUTY = "abcdefghij0123456789ABCDEFGHIJ01";

type Env = "dev" | "prod";

/** Stack config as Pulumi stores it (objects as JSON text), built like a stack file on top of the env's profile. */
function stackConfig(
    env: Env,
    extra: { cluster?: Record<string, unknown>; network?: Record<string, unknown>; grafana?: Record<string, unknown> } = {},
): { config: Record<string, string>; secretKeys: string[] } {
    const cluster: Record<string, unknown> = {
        name: `plg-${env}`,
        adminPrincipalArns: [ADMIN_A, ADMIN_B],
        deployerRoleArn: DEPLOYER,
        endpoint: { publicAccessCidrs: ["203.0.113.0/24"] },
        ...extra.cluster,
    };
    const config: Record<string, string> = {
        [`${P}:environment`]: env,
        [`${P}:aws`]: JSON.stringify({ region: "eu-west-1", tags: {} }),
        [`${P}:cluster`]: JSON.stringify(cluster),
        [`${P}:slackWebhookUrl`]: SLACK,
    };
    const secretKeys = [`${P}:slackWebhookUrl`];
    if (env === "prod") {
        config[`${P}:pagerdutyRoutingKey`] = PAGERDUTY;
        secretKeys.push(`${P}:pagerdutyRoutingKey`);
    }
    if (extra.network) config[`${P}:network`] = JSON.stringify(extra.network);
    if (extra.grafana) config[`${P}:grafana`] = JSON.stringify(extra.grafana);
    return { config, secretKeys };
}

async function run(env: Env, extra: Parameters<typeof stackConfig>[1] = {}): Promise<RunResult> {
    const { config, secretKeys } = stackConfig(env, extra);
    return runUnderMocks({
        project: P,
        stack: env,
        config,
        secretKeys,
        program: () => {
            const loaded = loadConfig();
            const provider = new aws.Provider("aws", { region: awsOf(loaded.settings).region });
            const eks = new EksCluster("plg", { settings: loaded.settings, provider });
            const a = eks.access;
            return {
                clusterName: a.name,
                clusterEndpoint: a.endpoint,
                kubeconfig: a.kubeconfig,
                oidcIssuerUrl: a.oidcIssuerUrl,
                vpcId: a.vpcId,
                ...(a.nodeRoleArn === undefined ? {} : { nodeRoleArn: a.nodeRoleArn }),
                ...(eks.access.oidcProviderArn === undefined ? {} : { oidcProviderArn: eks.access.oidcProviderArn }),
                storageClassName: eks.access.storageClassName,
                k8sProviderName: (eks.access.provider as unknown as { __name: string }).__name,
                readyNames: eks.access.ready.map((r) => (r as unknown as { __name: string }).__name),
                launchTemplateLatestVersions: (eks.nodeLaunchTemplates ?? []).map((lt) => lt.latestVersion),
            };
        },
    });
}

const ofType = (r: RunResult, type: string): RecordedResource[] => r.resources.filter((x) => x.type === type);
function one(r: RunResult, type: string): RecordedResource {
    const found = ofType(r, type);
    assert.equal(found.length, 1, `expected exactly one ${type}, found ${found.length}`);
    return found[0] as RecordedResource;
}
/** Inputs with secrets revealed; `any` because recorded inputs are untyped wire data that each assertion pins down. */
const inp = (x: RecordedResource): any => revealSecrets(x.inputs);
const tagsOf = (x: RecordedResource): Record<string, string> => (inp(x).tags ?? {}) as Record<string, string>;

const T = {
    subnet: "aws:ec2/subnet:Subnet",
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    rt: "aws:ec2/routeTable:RouteTable",
    rta: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    igw: "aws:ec2/internetGateway:InternetGateway",
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    kms: "aws:kms/key:Key",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    k8sProvider: "pulumi:providers:kubernetes",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
};

/** Mock ids are `<name>-id`; map a resource id back to its record. */
const idOf = (x: RecordedResource): string => `${x.name}-id`;

function attachedPolicies(r: RunResult, role: RecordedResource): string[] {
    const roleName = `${role.name}-mock`;
    return ofType(r, T.attachment)
        .filter((a) => inp(a).role === roleName)
        .map((a) => String(inp(a).policyArn))
        .sort();
}

function kubeconfigOf(r: RunResult): { users: { user: { exec: { command: string; apiVersion: string; args: string[] } } }[] } {
    assert.ok(isSecretMarker(r.outputs.kubeconfig), "the kubeconfig output must be secret");
    return JSON.parse(String(revealSecrets(r.outputs.kubeconfig)));
}
const argAfter = (args: string[], flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const privateSubnetIds = (r: RunResult): string[] =>
    ofType(r, T.subnet)
        .filter((s) => tagsOf(s)["kubernetes.io/role/internal-elb"] === "1")
        .map(idOf)
        .sort();
const keyNamed = (r: RunResult, suffix: string): RecordedResource => {
    const found = ofType(r, T.kms).filter((k) => k.name.endsWith(suffix));
    assert.equal(found.length, 1, `expected one KMS key *${suffix}`);
    return found[0] as RecordedResource;
};
const AUTOSCALING_SLR = "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

for (const env of ["dev", "prod"] as const) {
    describe(`EksCluster (${env}, created cluster and VPC)`, function () {
        let r: RunResult;
        before(async function () {
            r = await run(env);
        });

        it("evaluates quickly under mocks", () => {
            assert.ok(r.evaluationMs < 10_000, `took ${r.evaluationMs} ms`);
        });

        it("spreads a public and a private subnet over each of 3 AZs, tagged for load balancers and the cluster", () => {
            const subnets = ofType(r, T.subnet);
            const pub = subnets.filter((s) => tagsOf(s)["kubernetes.io/role/elb"] === "1");
            const priv = subnets.filter((s) => tagsOf(s)["kubernetes.io/role/internal-elb"] === "1");
            assert.equal(subnets.length, 6);
            assert.equal(pub.length, 3);
            assert.equal(priv.length, 3);
            for (const group of [pub, priv]) {
                assert.equal(new Set(group.map((s) => inp(s).availabilityZone)).size, 3, "one subnet of each kind per AZ");
            }
            for (const s of subnets) {
                assert.equal(tagsOf(s)[`kubernetes.io/cluster/plg-${env}`], "shared", `${s.name} lacks the cluster tag`);
                assert.ok(!(tagsOf(s)["kubernetes.io/role/elb"] && tagsOf(s)["kubernetes.io/role/internal-elb"]), `${s.name} tagged for both`);
            }
            const vpcIds = new Set(subnets.map((s) => inp(s).vpcId));
            assert.equal(vpcIds.size, 1);
            assert.equal(r.outputs.vpcId, [...vpcIds][0], "the vpcId output is the subnets' VPC");
        });

        it(`has ${env === "prod" ? "a NAT gateway per AZ, each private subnet routed through the NAT in its own AZ" : "one shared NAT gateway"}`, () => {
            const nats = ofType(r, T.nat);
            assert.equal(nats.length, env === "prod" ? 3 : 1);
            assert.equal(ofType(r, T.eip).length, nats.length);
            const subnetById = new Map(ofType(r, T.subnet).map((s) => [idOf(s), s]));
            const natById = new Map(nats.map((n) => [idOf(n), n]));
            const rtById = new Map(ofType(r, T.rt).map((t) => [idOf(t), t]));
            const usedNats = new Set<string>();
            for (const s of ofType(r, T.subnet).filter((x) => tagsOf(x)["kubernetes.io/role/internal-elb"] === "1")) {
                const assoc = ofType(r, T.rta).find((a) => inp(a).subnetId === idOf(s));
                assert.ok(assoc, `${s.name} has no route table`);
                const table = rtById.get(inp(assoc).routeTableId) as RecordedResource;
                const natId = (inp(table).routes as { natGatewayId?: string; cidrBlock: string }[]).find((x) => x.cidrBlock === "0.0.0.0/0")?.natGatewayId;
                const nat = natById.get(natId ?? "");
                assert.ok(nat, `${s.name} has no default route through a NAT gateway`);
                const natSubnet = subnetById.get(inp(nat).subnetId) as RecordedResource;
                assert.equal(tagsOf(natSubnet)["kubernetes.io/role/elb"], "1", "NAT gateways live in public subnets");
                if (env === "prod") assert.equal(inp(natSubnet).availabilityZone, inp(s).availabilityZone, "AZ-local NAT");
                usedNats.add(natId as string);
            }
            assert.equal(usedNats.size, nats.length);
        });

        it("routes public subnets to the internet gateway", () => {
            const igwId = idOf(one(r, T.igw));
            for (const s of ofType(r, T.subnet).filter((x) => tagsOf(x)["kubernetes.io/role/elb"] === "1")) {
                const assoc = ofType(r, T.rta).find((a) => inp(a).subnetId === idOf(s)) as RecordedResource;
                const table = ofType(r, T.rt).find((t) => idOf(t) === inp(assoc).routeTableId) as RecordedResource;
                assert.ok((inp(table).routes as { gatewayId?: string }[]).some((x) => x.gatewayId === igwId));
            }
        });

        it("encrypts secrets with a rotating KMS key and ships control-plane logs to a retention-limited group created first", () => {
            const c = inp(one(r, T.cluster));
            const key = keyNamed(r, "-secrets-key");
            assert.equal(inp(key).enableKeyRotation, true);
            assert.deepEqual(c.encryptionConfig.resources, ["secrets"]);
            assert.equal(c.encryptionConfig.provider.keyArn, `arn:aws:kms:eu-west-1:123456789012:key/${key.name}-key-id`);
            for (const t of ["api", "audit", "authenticator"]) assert.ok(c.enabledClusterLogTypes.includes(t), `log type ${t} off`);
            const logs = one(r, T.logGroup);
            assert.equal(inp(logs).name, `/aws/eks/plg-${env}/cluster`);
            assert.equal(inp(logs).retentionInDays, env === "prod" ? 90 : 7);
            assert.ok(one(r, T.cluster).options.dependsOn?.includes(logs.name), "EKS would create the group itself, without retention");
        });

        it("encrypts the control-plane log group with its own key, usable by CloudWatch Logs for that group only", () => {
            const logs = one(r, T.logGroup);
            const key = keyNamed(r, "-control-plane-logs-key");
            assert.equal(inp(logs).kmsKeyId, `arn:aws:kms:eu-west-1:123456789012:key/${key.name}-key-id`);
            assert.equal(inp(key).enableKeyRotation, true);
            type St = { Principal?: { AWS?: string; Service?: string }; Action: string | string[]; Condition?: Record<string, Record<string, string>> };
            const policy = JSON.parse(String(inp(key).policy)) as { Statement: St[] };
            // CloudWatch Logs calls KMS as the regional service principal, with the log group's ARN as encryption context.
            const logsUse = policy.Statement.filter((st) => st.Principal?.Service === "logs.eu-west-1.amazonaws.com");
            assert.equal(logsUse.length, 1, "without it CloudWatch Logs cannot associate the key and the group fails to create");
            const actions = ([] as string[]).concat(logsUse[0]?.Action ?? []);
            for (const a of ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"]) assert.ok(actions.includes(a), `${a} missing`);
            const contexts = Object.values(logsUse[0]?.Condition ?? {}).map((c) => c["kms:EncryptionContext:aws:logs:arn"]);
            assert.deepEqual(contexts, [`arn:aws:logs:eu-west-1:123456789012:log-group:/aws/eks/plg-${env}/cluster`]);
            assert.ok(policy.Statement.some((st) => st.Principal?.AWS === "arn:aws:iam::123456789012:root"), "IAM policies would stop working");
        });

        it("uses API authentication with access entries, no creator admin, no self-managed add-ons, the pinned version", () => {
            const c = inp(one(r, T.cluster));
            assert.equal(c.accessConfig.authenticationMode, "API");
            assert.equal(c.accessConfig.bootstrapClusterCreatorAdminPermissions, false);
            assert.equal(c.bootstrapSelfManagedAddons, false);
            assert.equal(c.version, "1.35");
            assert.equal(c.name, `plg-${env}`);
        });

        it(env === "prod" ? "restricts the public endpoint to the configured CIDRs and protects the cluster and key" : "restricts the dev endpoint to the configured CIDRs too", () => {
            const cluster = one(r, T.cluster);
            const vpc = inp(cluster).vpcConfig;
            assert.equal(vpc.endpointPrivateAccess, true);
            assert.equal(vpc.endpointPublicAccess, true);
            assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.0/24"]);
            if (env === "prod") {
                assert.equal(cluster.options.protect, true);
                for (const k of ofType(r, T.kms)) assert.equal(k.options.protect, true, k.name);
            } else {
                assert.notEqual(cluster.options.protect, true);
            }
        });

        it("gives the cluster and node roles exactly their AWS managed policies", () => {
            const roles = ofType(r, T.role);
            const trusting = (svc: string) => roles.filter((x) => JSON.parse(inp(x).assumeRolePolicy).Statement[0].Principal.Service === svc);
            const clusterRole = trusting("eks.amazonaws.com");
            const nodeRole = trusting("ec2.amazonaws.com");
            assert.equal(clusterRole.length, 1);
            assert.equal(nodeRole.length, 1);
            assert.deepEqual(attachedPolicies(r, clusterRole[0] as RecordedResource), ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
            assert.deepEqual(attachedPolicies(r, nodeRole[0] as RecordedResource), [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            ]);
            for (const ng of ofType(r, T.nodeGroup)) assert.equal(r.outputs.nodeRoleArn, inp(ng).nodeRoleArn);
        });

        it(
            env === "prod"
                ? "runs one on-demand node group spread over the three private subnets"
                : "runs one spot node group per zone, each on its own private subnet, with interchangeable spot types",
            () => {
                const groups = ofType(r, T.nodeGroup);
                const subnetsOf = (ng: RecordedResource): string[] => [...(inp(ng).subnetIds as string[])].sort();
                if (env === "prod") {
                    assert.equal(groups.length, 1);
                    assert.deepEqual(subnetsOf(groups[0] as RecordedResource), privateSubnetIds(r));
                } else {
                    // One group per zone: a reclaimed spot node comes back in the zone that holds its pods' volumes.
                    assert.equal(groups.length, 3);
                    for (const ng of groups) assert.equal(subnetsOf(ng).length, 1, `${ng.name} spans zones`);
                    assert.deepEqual(groups.flatMap(subnetsOf).sort(), privateSubnetIds(r));
                }
                for (const ng of groups) {
                    assert.deepEqual(inp(ng).labels, { "plg.io/pool": "system" });
                    assert.equal(inp(ng).capacityType, env === "prod" ? "ON_DEMAND" : "SPOT");
                    const types = inp(ng).instanceTypes as string[];
                    if (env === "dev") {
                        assert.ok(types.length >= 3, `spot needs several capacity pools, given ${types.join(", ")}`);
                        assert.ok(types.every((t) => t.endsWith(".large")), `interchangeable sizes, given ${types.join(", ")}`);
                    }
                }
            },
        );

        it("applies the configured sizes on every update: no autoscaler owns desiredSize", () => {
            const groups = ofType(r, T.nodeGroup);
            // prod: four m6i.xlarge hold the platform with long-term metrics and 20% headroom (test/requests.test.ts).
            const perGroup = env === "prod" ? { minSize: 4, desiredSize: 4, maxSize: 6 } : { minSize: 1, desiredSize: 1, maxSize: 2 };
            for (const ng of groups) {
                assert.deepEqual(inp(ng).scalingConfig, perGroup, ng.name);
                assert.ok(!(ng.options.ignoreChanges ?? []).some((p) => p.startsWith("scalingConfig")), `${ng.name} ignores its scaling config`);
            }
            assert.equal(groups.length * perGroup.minSize, env === "prod" ? 4 : 3, env === "prod" ? "four nodes at minimum" : "three nodes at minimum, one per zone");
        });

        it("launches nodes from a template: IMDSv2 with hop limit 1, encrypted gp3 root volume with the node-volume key, rolled on change", () => {
            const templates = ofType(r, T.launchTemplate);
            assert.equal(templates.length, 1, "one template per configured group");
            const lt = templates[0] as RecordedResource;
            assert.deepEqual(inp(lt).metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            const key = keyNamed(r, "-node-volume-key");
            const [root] = inp(lt).blockDeviceMappings as { deviceName: string; ebs: Record<string, unknown> }[];
            assert.equal(root?.deviceName, "/dev/xvda");
            assert.equal(root?.ebs.volumeType, "gp3");
            assert.equal(root?.ebs.encrypted, "true");
            assert.equal(root?.ebs.volumeSize, env === "prod" ? 100 : 50);
            assert.equal(root?.ebs.kmsKeyId, `arn:aws:kms:eu-west-1:123456789012:key/${key.name}-key-id`);
            const latest = (r.outputs.launchTemplateLatestVersions as unknown[])[0];
            for (const ng of ofType(r, T.nodeGroup)) {
                const ref = inp(ng).launchTemplate as { id: string; version: string };
                assert.equal(ref.id, idOf(lt), `${ng.name} does not use the template`);
                // The template's latest version: a new version (disk, IMDS, key) rolls the group's nodes.
                assert.equal(ref.version, String(latest));
                assert.ok(!String(ref.version).startsWith("$"), "a $Latest/$Default literal diffs on every preview");
                // The EKS user guide forbids these beside a launch template.
                assert.equal(inp(ng).diskSize, undefined, `${ng.name} sets diskSize`);
                assert.equal(inp(ng).remoteAccess, undefined, `${ng.name} sets remote access`);
            }
        });

        it("lets EC2 Auto Scaling's service-linked role use the node-volume key, keeps IAM in charge, and leaves the secrets key alone", () => {
            const key = keyNamed(r, "-node-volume-key");
            const policy = JSON.parse(String(inp(key).policy)) as { Statement: { Principal?: { AWS?: string }; Action: string | string[] }[] };
            const slr = policy.Statement.filter((st) => st.Principal?.AWS === AUTOSCALING_SLR);
            const actions = slr.flatMap((st) => ([] as string[]).concat(st.Action));
            for (const a of ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]) assert.ok(actions.includes(a), `${a} missing`);
            assert.ok(policy.Statement.some((st) => st.Principal?.AWS === "arn:aws:iam::123456789012:root"), "IAM policies would stop working");
            assert.equal(inp(key).enableKeyRotation, true);
            assert.ok(!JSON.stringify(inp(keyNamed(r, "-secrets-key"))).includes("AWSServiceRoleForAutoScaling"));
        });

        it("routes the private subnets' S3 traffic through a gateway endpoint instead of NAT", () => {
            const ep = inp(one(r, T.vpcEndpoint));
            assert.equal(ep.vpcEndpointType, "Gateway");
            assert.equal(ep.serviceName, "com.amazonaws.eu-west-1.s3");
            assert.equal(ep.vpcId, r.outputs.vpcId);
            const privateTables = privateSubnetIds(r).map((subnetId) => ofType(r, T.rta).find((a) => inp(a).subnetId === subnetId)?.inputs.routeTableId);
            assert.deepEqual([...(ep.routeTableIds as string[])].sort(), [...privateTables].sort());
            assert.equal(new Set(privateTables).size, 3);
        });

        it(`keeps the control plane on standard support${env === "prod" ? " and protects it from deletion" : ""}`, () => {
            const c = inp(one(r, T.cluster));
            assert.deepEqual(c.upgradePolicy, { supportType: "STANDARD" });
            assert.equal(c.deletionProtection, env === "prod");
        });

        it("installs the five add-ons at versions pinned for the cluster version (no lookup), CNI before nodes, CoreDNS and EBS CSI after", () => {
            const addons = ofType(r, T.addon);
            const byName = new Map(addons.map((a) => [inp(a).addonName as string, a]));
            assert.deepEqual([...byName.keys()].sort(), ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
            for (const [addonName, a] of byName) {
                // A lookup under mocks resolves `v0.0.0-mock-...`: a published eksbuild version proves none happened.
                assert.match(String(inp(a).addonVersion), /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, addonName);
                assert.equal(inp(a).resolveConflictsOnCreate, "OVERWRITE");
                assert.equal(inp(a).resolveConflictsOnUpdate, "OVERWRITE");
            }
            assert.match(String(inp(byName.get("kube-proxy") as RecordedResource).addonVersion), /^v1\.35\./, "kube-proxy follows the control plane");
            for (const ng of ofType(r, T.nodeGroup)) {
                assert.ok(ng.options.dependsOn?.includes(byName.get("vpc-cni")?.name as string), "nodes need the CNI to become Ready");
                for (const late of ["coredns", "aws-ebs-csi-driver"]) {
                    assert.ok(byName.get(late)?.options.dependsOn?.includes(ng.name), `${late} must wait for ${ng.name}`);
                }
            }
        });

        it("binds the EBS CSI controller to its own Pod Identity role with the AWS managed policy, through the add-on only", () => {
            const ebs = ofType(r, T.addon).find((a) => inp(a).addonName === "aws-ebs-csi-driver") as RecordedResource;
            const assoc = inp(ebs).podIdentityAssociations as { roleArn: string; serviceAccount: string }[];
            assert.equal(assoc.length, 1);
            assert.equal(assoc[0]?.serviceAccount, "ebs-csi-controller-sa");
            const role = ofType(r, T.role).find((x) => `arn:aws:iam::123456789012:role/${x.name}-mock` === assoc[0]?.roleArn);
            assert.ok(role, "the association names a role of this stack");
            const trust = JSON.parse(inp(role).assumeRolePolicy).Statement[0];
            assert.equal(trust.Principal.Service, "pods.eks.amazonaws.com");
            assert.ok(trust.Action.includes("sts:TagSession"));
            assert.deepEqual(trust.Condition, {
                StringEquals: {
                    "aws:RequestTag/eks-cluster-arn": `arn:aws:eks:eu-west-1:123456789012:cluster/plg-${env}`,
                    "aws:RequestTag/kubernetes-namespace": "kube-system",
                    "aws:RequestTag/kubernetes-service-account": "ebs-csi-controller-sa",
                },
            });
            assert.deepEqual(attachedPolicies(r, role), ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
            assert.equal(ofType(r, T.podIdentity).length, 0, "a second association for the same service account would fail");
        });

        it("grants cluster-admin to every admin ARN and the deployer role through access entries", () => {
            const entries = ofType(r, T.accessEntry).map((e) => inp(e).principalArn as string).sort();
            assert.deepEqual(entries, [ADMIN_A, ADMIN_B, DEPLOYER].sort());
            const policies = ofType(r, T.accessPolicy);
            for (const arn of [ADMIN_A, ADMIN_B, DEPLOYER]) {
                const p = policies.find((x) => inp(x).principalArn === arn);
                assert.ok(p, `${arn} has no access policy`);
                assert.equal(inp(p).policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
                assert.equal(inp(p).accessScope.type, "cluster");
                assert.equal(inp(p).clusterName, `plg-${env}`);
            }
        });

        it("builds a server-side-apply Kubernetes provider from a secret get-token kubeconfig, usable only once access exists", () => {
            const provider = one(r, T.k8sProvider);
            assert.equal(r.outputs.k8sProviderName, provider.name);
            assert.ok(["true", true].includes(inp(provider).enableServerSideApply as string | boolean));
            assert.ok(isSecretMarker(provider.inputs.kubeconfig), "the provider's kubeconfig must stay secret");
            const exec = kubeconfigOf(r).users[0]?.user.exec;
            assert.equal(exec?.command, "aws");
            assert.equal(exec?.apiVersion, "client.authentication.k8s.io/v1beta1");
            assert.equal(argAfter(exec?.args ?? [], "--cluster-name"), `plg-${env}`);
            assert.equal(argAfter(exec?.args ?? [], "--region"), "eu-west-1");
            assert.equal(argAfter(exec?.args ?? [], "--output"), "json");
            const deps = provider.options.dependsOn ?? [];
            for (const p of ofType(r, T.accessPolicy)) assert.ok(deps.includes(p.name), `provider does not wait for ${p.name}`);
            for (const ng of ofType(r, T.nodeGroup)) assert.ok(deps.includes(ng.name), `provider does not wait for ${ng.name}`);
        });

        it(`makes encrypted gp3 the default StorageClass (${env === "prod" ? "Retain" : "Delete"})`, () => {
            const sc = inp(one(r, T.storageClass));
            assert.equal(sc.metadata.name, "gp3");
            assert.equal(r.outputs.storageClassName, "gp3");
            assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.equal(sc.provisioner, "ebs.csi.aws.com");
            assert.deepEqual(sc.parameters, { type: "gp3", encrypted: "true" });
            assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(sc.allowVolumeExpansion, true);
            assert.equal(sc.reclaimPolicy, env === "prod" ? "Retain" : "Delete");
        });

        it("puts every Kubernetes resource on the cluster's provider and every AWS resource on the given one", () => {
            const k8sName = one(r, T.k8sProvider).name;
            const k8sResources = r.resources.filter((x) => x.type.startsWith("kubernetes:"));
            assert.ok(k8sResources.length > 0);
            for (const x of k8sResources) assert.equal(x.options.provider, k8sName, `${x.type} ${x.name}`);
            for (const x of r.resources.filter((y) => y.type.startsWith("aws:"))) assert.equal(x.options.provider, "aws", `${x.type} ${x.name}`);
        });

        it("exports name, endpoint, issuer, and lists add-ons, node groups and the StorageClass as ready", () => {
            assert.equal(r.outputs.clusterName, `plg-${env}`);
            assert.match(String(r.outputs.clusterEndpoint), /^https:\/\//);
            assert.match(String(r.outputs.oidcIssuerUrl), /^https:\/\/oidc\.eks\./);
            const ready = r.outputs.readyNames as string[];
            for (const x of [...ofType(r, T.addon), ...ofType(r, T.nodeGroup), one(r, T.storageClass)]) assert.ok(ready.includes(x.name), `${x.name} not in ready`);
            assert.equal(ofType(r, T.oidc).length, 0, "no IAM OIDC provider with Pod Identity");
            assert.equal(r.outputs.oidcProviderArn, undefined);
        });
    });
}

describe("EksCluster with IRSA", function () {
    it("creates an IAM OIDC provider for the cluster's issuer, audience sts.amazonaws.com", async () => {
        const r = await run("dev", { cluster: { workloadIdentity: "irsa" } });
        const oidc = inp(one(r, T.oidc));
        assert.equal(oidc.url, r.outputs.oidcIssuerUrl);
        assert.deepEqual(oidc.clientIdLists, ["sts.amazonaws.com"]);
        assert.match(String(r.outputs.oidcProviderArn), /:oidc-provider\/oidc\.eks\./);
    });
});

describe("EksCluster in an existing VPC", function () {
    const network = { mode: "existing", vpcId: "vpc-0aaaaaaaaaaaaaaaa", privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], publicSubnetIds: [] };
    let r: RunResult;
    before(async () => {
        r = await run("dev", { network });
    });

    it("creates no network resources and places the cluster and nodes on the given subnets", () => {
        assert.deepEqual(r.resources.filter((x) => x.type.startsWith("aws:ec2/") && x.type !== T.launchTemplate).map((x) => x.name), []);
        assert.equal(r.resources.filter((x) => x.type === "plg:aws:Network").length, 0);
        assert.deepEqual(inp(one(r, T.cluster)).vpcConfig.subnetIds, network.privateSubnetIds);
        // dev's perZone group: one node group per given private subnet.
        assert.deepEqual(ofType(r, T.nodeGroup).map((ng) => inp(ng).subnetIds as string[]).sort(), network.privateSubnetIds.map((id) => [id]));
        assert.equal(r.outputs.vpcId, network.vpcId);
    });
});

describe("EksCluster bringing an existing cluster", function () {
    const existing = { name: "shared-eks", roleArn: "arn:aws:iam::123456789012:role/PlatformReach", kubeconfigContext: "shared" };
    let r: RunResult;
    before(async () => {
        // prod's Grafana database needs its place on a brought cluster (config/grafana-database-checks.ts).
        r = await run("prod", { cluster: { existing, workloadIdentity: "irsa" }, grafana: { database: { subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clientSecurityGroupIds: ["sg-0123456789abcdef0"] } } });
    });

    it("creates no VPC, cluster, node group, add-on, access entry or IAM resource", () => {
        const forbidden = r.resources.filter((x) => x.type.startsWith("aws:ec2/") || x.type.startsWith("aws:eks/") || x.type.startsWith("aws:iam/") || x.type.startsWith("aws:kms/"));
        assert.deepEqual(forbidden.map((x) => `${x.type} ${x.name}`), []);
    });

    it("reaches the looked-up cluster through the configured role and context", () => {
        assert.equal(r.outputs.clusterName, "shared-eks");
        assert.equal(r.outputs.clusterEndpoint, "https://shared-eks.gr7.eu-west-1.eks.amazonaws.com");
        assert.equal(r.outputs.vpcId, "vpc-0123456789abcdef0");
        assert.equal(r.outputs.nodeRoleArn, undefined);
        const kc = kubeconfigOf(r) as unknown as { "current-context": string; users: { user: { exec: { args: string[] } } }[] };
        assert.equal(kc["current-context"], "shared");
        const args = kc.users[0]?.user.exec.args ?? [];
        assert.equal(argAfter(args, "--cluster-name"), "shared-eks");
        assert.equal(argAfter(args, "--role-arn"), existing.roleArn);
        assert.equal(argAfter(args, "--output"), "json");
    });

    it("looks up the IAM OIDC provider of the cluster's issuer for IRSA", () => {
        const issuer = String(r.outputs.oidcIssuerUrl).replace(/^https:\/\//, "");
        assert.equal(r.outputs.oidcProviderArn, `arn:aws:iam::123456789012:oidc-provider/${issuer}`);
    });

    it("adds its own non-default encrypted gp3 StorageClass on the cluster's provider", () => {
        const sc = one(r, T.storageClass);
        assert.equal(inp(sc).metadata.name, r.outputs.storageClassName);
        assert.notEqual(inp(sc).metadata.name, "gp3");
        assert.equal(inp(sc).metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], undefined);
        assert.equal(inp(sc).parameters.encrypted, "true");
        assert.equal(sc.options.provider, one(r, T.k8sProvider).name);
    });

    it("uses the OIDC provider ARN from config when given", async () => {
        const arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/GIVEN";
        const r2 = await run("dev", { cluster: { existing: { name: "shared-eks", oidcProviderArn: arn }, workloadIdentity: "irsa" } });
        assert.equal(r2.outputs.oidcProviderArn, arn);
    });
});

describe("EksCluster settings per stack", function () {
    it("pins the add-ons of the configured Kubernetes version, and takes a stack's override for one add-on", async () => {
        const r = await run("dev", { cluster: { kubernetesVersion: "1.33", supportType: "EXTENDED", addonVersions: { "vpc-cni": "v1.20.4-eksbuild.1" } } });
        const version = (addon: string) => String(inp(ofType(r, T.addon).find((a) => inp(a).addonName === addon) as RecordedResource).addonVersion);
        assert.equal(version("vpc-cni"), "v1.20.4-eksbuild.1");
        assert.match(version("kube-proxy"), /^v1\.33\./);
        assert.match(version("coredns"), /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
    });

    it("opts into extended support only when a stack asks", async () => {
        const r = await run("prod", { cluster: { supportType: "EXTENDED" } });
        assert.deepEqual(inp(one(r, T.cluster)).upgradePolicy, { supportType: "EXTENDED" });
    });
});

describe("cluster settings validation", () => {
    const problemsFor = (env: Env, extra: Parameters<typeof stackConfig>[1]): string[] => {
        const result = parseSettings(stackConfig(env, extra).config);
        return result.ok ? [] : result.problems;
    };
    const assertProblem = (problems: string[], keyPath: string, pattern: RegExp) =>
        assert.ok(
            problems.some((p) => p.startsWith(`${P}:${keyPath}:`) && pattern.test(p)),
            `expected a problem at ${keyPath} matching ${pattern}, got:\n${problems.join("\n")}`,
        );

    it("accepts the base dev and prod stacks", () => {
        assert.deepEqual(problemsFor("dev", {}), []);
        assert.deepEqual(problemsFor("prod", {}), []);
    });

    it("refuses an existing VPC without private subnets", () => {
        const problems = problemsFor("dev", { network: { mode: "existing", vpcId: "vpc-0aaaaaaaaaaaaaaaa", privateSubnetIds: [], publicSubnetIds: [] } });
        assertProblem(problems, "network.privateSubnetIds", /at least 2/);
    });

    it("refuses a private-only endpoint unless the deployer reaches the VPC", () => {
        const endpoint = { privateAccess: true, publicAccess: false, publicAccessCidrs: [] };
        assertProblem(problemsFor("prod", { cluster: { endpoint } }), "cluster.endpoint.publicAccess", /no path/);
        assert.deepEqual(problemsFor("prod", { cluster: { endpoint: { ...endpoint, deployerInVpc: true } } }), []);
    });

    it("refuses an unsupported Kubernetes version", () => {
        assertProblem(problemsFor("dev", { cluster: { kubernetesVersion: "1.29" } }), "cluster.kubernetesVersion", /expected one of/);
    });

    it("refuses subnet CIDR lists shorter than the AZ count", () => {
        const problems = problemsFor("dev", { network: { mode: "create", privateSubnetCidrs: ["10.0.0.0/19", "10.0.32.0/19"], publicSubnetCidrs: ["10.0.224.0/22", "10.0.228.0/22"] } });
        assertProblem(problems, "network.privateSubnetCidrs", /one CIDR per AZ/);
        assertProblem(problems, "network.publicSubnetCidrs", /one CIDR per AZ/);
    });

    it("refuses a VPC too small for computed subnets, and a node group mixing CPU architectures", () => {
        assertProblem(problemsFor("dev", { network: { mode: "create", cidr: "10.0.0.0/24" } }), "network.cidr", /computed subnets/);
        const group = { name: "system", instanceTypes: ["m7g.large", "m6i.large"], capacityType: "SPOT", minSize: 1, desiredSize: 1, maxSize: 2, diskSizeGiB: 50, labels: {} };
        assertProblem(problemsFor("dev", { cluster: { nodeGroups: [group] } }), "cluster.nodeGroups[0].instanceTypes", /one CPU architecture/);
    });

    const spot = { name: "system", instanceTypes: ["m6i.large", "m5.large"], capacityType: "SPOT", minSize: 1, desiredSize: 1, maxSize: 2, diskSizeGiB: 50, labels: {} };

    it("refuses a spread spot group, or a per-zone one that may shrink a zone to nothing", () => {
        assertProblem(problemsFor("dev", { cluster: { nodeGroups: [spot] } }), "cluster.nodeGroups[0].placement", /expected placement perZone with minSize >= 1, given placement spread/);
        assertProblem(
            problemsFor("dev", { cluster: { nodeGroups: [{ ...spot, placement: "perZone", minSize: 0, desiredSize: 0 }] } }),
            "cluster.nodeGroups[0].placement",
            /given placement perZone with minSize 0/,
        );
        assert.deepEqual(problemsFor("dev", { cluster: { nodeGroups: [{ ...spot, placement: "perZone" }] } }), []);
        assert.deepEqual(problemsFor("dev", { cluster: { nodeGroups: [{ ...spot, capacityType: "ON_DEMAND" }] } }), [], "on-demand may spread");
    });

    it("refuses a spot group with one instance type, and types of different sizes in a group", () => {
        const single = { ...spot, placement: "perZone", instanceTypes: ["m6i.large"] };
        assertProblem(problemsFor("dev", { cluster: { nodeGroups: [single] } }), "cluster.nodeGroups[0].instanceTypes", /expected at least 2, given m6i\.large/);
        const mixed = { ...spot, placement: "perZone", instanceTypes: ["m6i.large", "m6i.xlarge"] };
        assertProblem(problemsFor("dev", { cluster: { nodeGroups: [mixed] } }), "cluster.nodeGroups[0].instanceTypes", /expected one class and size.*given m6i\.large, m6i\.xlarge/);
    });

    it("refuses an unknown add-on, a malformed version, and a kube-proxy of another minor version", () => {
        assertProblem(problemsFor("dev", { cluster: { addonVersions: { "aws-load-balancer-controller": "v2.0.0-eksbuild.1" } } }), "cluster.addonVersions.aws-load-balancer-controller", /unknown key/);
        assertProblem(problemsFor("dev", { cluster: { addonVersions: { coredns: "latest" } } }), "cluster.addonVersions.coredns", /expected an EKS add-on version/);
        assertProblem(
            problemsFor("dev", { cluster: { addonVersions: { "kube-proxy": "v1.33.10-eksbuild.2" } } }),
            "cluster.addonVersions.kube-proxy",
            /expected v1\.35\.<patch>-eksbuild\.<n>.*given v1\.33\.10-eksbuild\.2/,
        );
    });

    it("refuses an unknown support type", () => {
        assertProblem(problemsFor("prod", { cluster: { supportType: "LTS" } }), "cluster.supportType", /expected STANDARD or EXTENDED/);
    });

    it("accepts every supported Kubernetes version with the profile's defaults, under extended support once standard support has ended", () => {
        const today = new Date().toISOString().slice(0, 10);
        for (const k8s of SUPPORTED_KUBERNETES_VERSIONS) {
            const ends = EKS_SUPPORT_ENDS[k8s];
            if (ends.extended <= today) continue; // refused outright (config test "EKS version support windows")
            const supportType = ends.standard <= today ? "EXTENDED" : "STANDARD";
            assert.deepEqual(problemsFor("dev", { cluster: { kubernetesVersion: k8s, supportType } }), [], k8s);
        }
    });

});
