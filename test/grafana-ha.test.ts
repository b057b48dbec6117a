/**
 * Grafana without a single point of failure (prod): replicas sharing an RDS PostgreSQL. Config
 * rules (by key), the AWS resources as the mock graph records them (encryption, placement, reach,
 * protection, the password a Pulumi secret), a first preview, and what the real `helm template`
 * gives the cluster (replicas, no volume, the database read from the mounted Secret, PDB, gossip).
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { type Settings, parseSettings } from "../config";
import { GRAFANA_DATABASE_MOUNT, grafanaDatabaseSecretName } from "../components/k8s/metrics/grafana-database";
import { buildNetworkPolicies } from "../components/k8s/network/policies";
import { finalSnapshotIdentifier } from "../components/aws/grafana-database";
import { kps } from "../components/endpoints";
import type { K8sObject } from "../tools/helm";
import { type RecordedResource, isSecretMarker, resourceKey } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { type Graph, PROJECT, ROOT, runStack } from "./support/graph";
import { type RenderedStack, STACK_FILES, renderedStack } from "./support/manifests";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** A committed stack's config with top-level keys merged over the stack file's. */
function configOf(stack: keyof typeof STACK_FILES, over: Record<string, Rec> = {}): Record<string, string> {
    const cfg = { ...readStackConfig(ROOT, STACK_FILES[stack]).config };
    for (const [k, v] of Object.entries(over)) {
        const key = `${PROJECT}:${k}`;
        const base = cfg[key] !== undefined ? (JSON.parse(cfg[key] as string) as Rec) : {};
        cfg[key] = JSON.stringify({ ...base, ...v });
    }
    return cfg;
}

function settingsOf(stack: keyof typeof STACK_FILES, over: Record<string, Rec> = {}): Settings {
    const r = parseSettings(configOf(stack, over));
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.settings;
}

function problemsOf(stack: keyof typeof STACK_FILES, over: Record<string, Rec>): string[] {
    const r = parseSettings(configOf(stack, over));
    assert.equal(r.ok, false, "expected the configuration to be refused");
    return r.ok ? [] : r.problems;
}

function expectProblem(problems: string[], key: string, ...fragments: string[]): void {
    const hit = problems.find((p) => p.startsWith(`${PROJECT}:${key}:`) && fragments.every((f) => p.includes(f)));
    assert.ok(hit, `no problem for ${key} with ${JSON.stringify(fragments)}; got:\n${problems.join("\n")}`);
}

const RDS = "aws:rds/instance:Instance";

/**
 * prod's cluster with nodes large enough for anything: node sizing is another test's concern
 * (test/requests.test.ts), and a capacity refusal would hide what these tests look at.
 */
function roomyProdCluster(): Rec {
    const cluster = JSON.parse(readStackConfig(ROOT, STACK_FILES.prod).config[`${PROJECT}:cluster`] as string) as Rec;
    const nodeGroups = [{ name: "system", instanceTypes: ["m6i.4xlarge"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 100, labels: {} }];
    return { ...cluster, nodeGroups };
}

describe("Grafana high availability: settings", function () {
    it("dev keeps one Grafana on SQLite; prod gets 2 replicas on a Multi-AZ RDS PostgreSQL with a pinned major", function () {
        const dev = settingsOf("dev").grafana.database;
        assert.equal(dev.type, "sqlite");
        assert.equal(dev.replicas, 1);
        const prod = settingsOf("prod").grafana.database;
        assert.equal(prod.type, "rds");
        assert.ok(prod.replicas >= 2);
        assert.equal(prod.multiAz, true);
        assert.match(prod.engineVersion, /^\d+$/);
    });

    it("prod refuses one replica, SQLite, or a single-AZ database, naming each key", function () {
        expectProblem(problemsOf("prod", { grafana: { database: { ...settingsOf("prod").grafana.database, replicas: 1 } } }), "grafana.database.replicas", "at least 2", "given 1");
        expectProblem(problemsOf("prod", { grafana: { database: { ...settingsOf("prod").grafana.database, type: "sqlite" } } }), "grafana.database.type", "expected rds", "given sqlite");
        expectProblem(problemsOf("prod", { grafana: { database: { ...settingsOf("prod").grafana.database, multiAz: false } } }), "grafana.database.multiAz", "expected true");
    });

    it("SQLite with more than one replica is refused in any environment, naming the key", function () {
        expectProblem(problemsOf("dev", { grafana: { database: { ...settingsOf("dev").grafana.database, replicas: 2 } } }), "grafana.database.replicas", "SQLite", "given 2");
    });

    it("dev may opt into RDS; an unknown engine version or instance class is refused by key", function () {
        const dev = settingsOf("dev", { grafana: { database: { ...settingsOf("dev").grafana.database, type: "rds", replicas: 2 } } });
        assert.equal(dev.grafana.database.type, "rds");
        const bad = problemsOf("prod", { grafana: { database: { ...settingsOf("prod").grafana.database, engineVersion: "12", instanceClass: "t4g.small" } } });
        expectProblem(bad, "grafana.database.engineVersion", "expected one of");
        expectProblem(bad, "grafana.database.instanceClass", "db.t4g.small");
    });

    it("a brought cluster on RDS must say where the database goes and which security group reaches it", function () {
        const db = { ...settingsOf("dev-brought").grafana.database, type: "rds", replicas: 2 };
        const p = problemsOf("dev-brought", { grafana: { database: db } });
        expectProblem(p, "grafana.database.subnetIds", "cluster.existing", "at least 2 subnet ids");
        expectProblem(p, "grafana.database.clientSecurityGroupIds", "cluster.existing", "security group");
        const ok = settingsOf("dev-brought", {
            grafana: { database: { ...db, subnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"], clientSecurityGroupIds: ["sg-0bbbbbbbbbbbbbbb1"] } },
        });
        assert.equal(ok.grafana.database.type, "rds");
    });
});

/** Every plain string (outside Pulumi secrets) containing `needle`, as paths. */
function plainOccurrences(v: unknown, needle: string, at: string, out: string[]): string[] {
    if (isSecretMarker(v)) return out;
    if (typeof v === "string" && v.includes(needle)) out.push(at);
    else if (Array.isArray(v)) v.forEach((x, i) => plainOccurrences(x, needle, `${at}[${i}]`, out));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) plainOccurrences(x, needle, `${at}.${k}`, out);
    return out;
}

describe("Grafana high availability: the AWS resources (mock graph)", function () {
    let prod: Graph;
    let db: RecordedResource;
    before(async function () {
        this.timeout(120_000);
        prod = await runStack("prod", { settings: { cluster: roomyProdCluster() } });
        db = prod.one(RDS);
    });

    it("an encrypted gp3 PostgreSQL with a rotating customer key, Multi-AZ, auto minor upgrades, no Extended Support", function () {
        const i = prod.inputs(db);
        assert.equal(i.engine, "postgres");
        assert.equal(i.engineVersion, "17");
        assert.equal(i.autoMinorVersionUpgrade, true);
        assert.equal(i.engineLifecycleSupport, "open-source-rds-extended-support-disabled");
        assert.equal(i.storageEncrypted, true);
        assert.equal(i.storageType, "gp3");
        assert.equal(i.multiAz, true);
        const key = prod.resources.find((r) => r.type === "aws:kms/key:Key" && r.parent !== undefined && r.parent === db.parent);
        assert.ok(key, "the database's own KMS key");
        assert.equal(prod.inputs(key).enableKeyRotation, true);
        assert.deepEqual(db.propertyDependencies.kmsKeyId, [resourceKey(key)]);
        assert.equal(key.options.protect, true);
    });

    it("private: not publicly accessible, in a subnet group of the cluster's private subnets", function () {
        assert.equal(prod.inputs(db).publiclyAccessible, false);
        const group = prod.one("aws:rds/subnetGroup:SubnetGroup");
        assert.equal(prod.inputs(db).dbSubnetGroupName, `${group.name}-id`);
        const privateSubnets = prod.byType("aws:ec2/subnet:Subnet").filter((s) => /-private-\d+$/.test(s.name));
        assert.equal(privateSubnets.length, 3);
        assert.deepEqual([...(prod.inputs(group).subnetIds as string[])].sort(), privateSubnets.map((s) => `${s.name}-id`).sort());
    });

    it("reachable on 5432 only from the EKS cluster security group the managed nodes (and their pods) carry", function () {
        const sg = prod.one("aws:ec2/securityGroup:SecurityGroup");
        assert.deepEqual(db.propertyDependencies.vpcSecurityGroupIds, [resourceKey(sg)]);
        assert.equal(prod.inputs(sg).ingress, undefined, "no inline rule");
        assert.equal(prod.inputs(sg).egress, undefined, "no egress: the default allow-all is removed");
        const rules = prod.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.equal(rules.length, 1);
        const rule = prod.inputs(rules[0] as RecordedResource);
        assert.equal(rule.securityGroupId, `${sg.name}-id`);
        assert.deepEqual([rule.ipProtocol, rule.fromPort, rule.toPort], ["tcp", 5432, 5432]);
        assert.equal(rule.cidrIpv4, undefined);
        const cluster = prod.one("aws:eks/cluster:Cluster");
        assert.deepEqual((rules[0] as RecordedResource).propertyDependencies.referencedSecurityGroupId, [resourceKey(cluster)]);
        assert.match(String(rule.referencedSecurityGroupId), /^sg-/);
        // Grafana starts only once its pods may connect (the rule comes after the cluster, the instance alongside it).
        const kpsRelease = prod.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === kps.release) as RecordedResource;
        assert.ok(prod.waitsFor(kpsRelease).has(rules[0] as RecordedResource), "Grafana's release waits for the database's ingress rule");
    });

    it("prod keeps it: deletion protection, a final snapshot, protect", function () {
        const i = prod.inputs(db);
        assert.equal(i.deletionProtection, true);
        assert.equal(i.skipFinalSnapshot, false);
        assert.match(String(i.finalSnapshotIdentifier), /^[A-Za-z][A-Za-z0-9-]*$/);
        assert.equal(db.options.protect, true);
    });

    it("the generated password is a Pulumi secret wherever it goes, and reaches Grafana only in the grafana-database Secret", function () {
        assert.ok(isSecretMarker(db.inputs.password), "the instance's password input is a secret");
        const generated = prod.byType("random:index/randomPassword:RandomPassword").find((r) => r.parent === db.parent);
        assert.ok(generated);
        // The mocks' RandomPassword result (tools/mock-run.ts).
        const password = `mock-password-${generated.name}`;
        assert.equal(prod.inputs(db).password, password);
        const plain = prod.resources.flatMap((r) => plainOccurrences(r.inputs, password, `${r.type}::${r.name}`, []));
        plain.push(...plainOccurrences(prod.run.outputs, password, "stack outputs", []));
        assert.deepEqual(plain, []);
        const secret = prod.byType("kubernetes:core/v1:Secret").find((s) => rec(s.inputs.metadata).name === grafanaDatabaseSecretName);
        assert.ok(secret, "the grafana-database Secret");
        assert.ok(isSecretMarker(secret.inputs.stringData));
        const data = rec(prod.inputs(secret).stringData);
        assert.equal(data.password, password);
        assert.match(String(data.host), /:5432$/);
        // Helm values never carry it.
        assert.ok(!JSON.stringify(prod.releaseValues(kps.release)).includes(password));
    });

    it("a dev stack that opts into RDS gets a disposable one: no deletion protection, no final snapshot, not protected", async function () {
        const dev = await runStack("dev", { settings: { grafana: { database: { type: "rds", replicas: 2 } } } });
        const instance = dev.one(RDS);
        const i = dev.inputs(instance);
        assert.equal(i.deletionProtection, false);
        assert.equal(i.skipFinalSnapshot, true);
        assert.equal(i.finalSnapshotIdentifier, undefined);
        assert.equal(i.multiAz, false);
        assert.notEqual(instance.options.protect, true);
        assert.equal(i.storageEncrypted, true);
        assert.equal(i.publiclyAccessible, false);
    });

    it("grafana.database.restoreFromSnapshot creates the instance from that snapshot, keeping the snapshot's key", async function () {
        const snapshot = "rds:plg-prod-grafana-2026-11-30-03-10";
        const restored = await runStack("prod", { settings: { cluster: roomyProdCluster(), grafana: { database: { restoreFromSnapshot: snapshot } } } });
        const instance = restored.one(RDS);
        assert.equal(restored.inputs(instance).snapshotIdentifier, snapshot);
        assert.equal(prod.inputs(db).snapshotIdentifier, undefined);
        // A restore cannot change the key, and kmsKeyId forces replacement: naming this stack's key
        // while restoring another stack's snapshot would replace the instance on every update.
        assert.equal(restored.inputs(instance).kmsKeyId, undefined);
        assert.equal(restored.inputs(instance).storageEncrypted, true);
        // Without a restore the instance names its own key (first test).
        assert.match(String(prod.inputs(db).kmsKeyId), /^arn:|key/);
    });

    it("the final snapshot's name is one RDS accepts whatever the cluster is called (a digit first, an underscore)", async function () {
        // RDS API Reference, DeleteDBInstance FinalDBSnapshotIdentifier: 1-255 letters, digits, hyphens;
        // a letter first; no hyphen last; no two hyphens in a row.
        const valid = (id: string): boolean => /^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(id) && !id.endsWith("-") && !id.includes("--");
        for (const name of ["1_prod", "prod", "a__b-_c", "9", "x".repeat(100), "A_-_1"]) {
            const id = finalSnapshotIdentifier(name);
            assert.ok(valid(id), `${name} -> ${id}`);
            assert.equal(finalSnapshotIdentifier(name), id, "deterministic");
        }
        assert.equal(finalSnapshotIdentifier("plg-prod"), "plg-prod-grafana-final", "a valid name keeps the identifier existing stacks have");
        const cluster = { ...roomyProdCluster(), name: "1_prod" };
        const odd = await runStack("prod", { settings: { cluster } });
        const id = String(odd.inputs(odd.one(RDS)).finalSnapshotIdentifier);
        assert.ok(valid(id), id);
        assert.match(id, /1-prod/);
    });

    it("dev creates no database, key or security group for Grafana", async function () {
        const dev = await runStack("dev");
        assert.deepEqual(dev.byType(RDS), []);
        assert.deepEqual(dev.byType("aws:rds/subnetGroup:SubnetGroup"), []);
        assert.ok(!dev.byType("kubernetes:core/v1:Secret").some((s) => rec(s.inputs.metadata).name === grafanaDatabaseSecretName));
    });

    it("a first preview of prod completes, with the database and its Secret in the graph", async function () {
        this.timeout(120_000);
        const preview = await runStack("prod", { settings: { cluster: roomyProdCluster() } }, "preview");
        const instance = preview.one(RDS);
        assert.ok(instance.registered);
        assert.ok(preview.byType("kubernetes:core/v1:Secret").some((s) => rec(s.inputs.metadata).name === grafanaDatabaseSecretName && s.registered));
        const release = preview.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === kps.release);
        assert.ok(release?.registered, "the kube-prometheus-stack release is registered");
    });
});

describe("Grafana high availability: network policy", function () {
    it("Grafana replicas may gossip with each other on 9094 TCP and UDP (alerting HA), nobody else may", function () {
        const grafana = buildNetworkPolicies({ vpcCidr: "10.0.0.0/16", loadBalancerController: true }).find((p) => p.metadata.namespace === kps.namespace && p.metadata.name === "grafana");
        assert.ok(grafana);
        const gossip = (grafana.spec.ingress ?? []).filter((r) => (r.ports ?? []).some((p) => p.port === 9094));
        assert.equal(gossip.length, 1);
        assert.deepEqual(gossip[0]?.ports?.map((p) => p.protocol).sort(), ["TCP", "UDP"]);
        assert.deepEqual(gossip[0]?.from, [
            { podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana" } }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": kps.namespace } } },
        ]);
    });
});

/** The Grafana container of a Deployment. */
function grafanaPod(stack: RenderedStack): { deployment: K8sObject; pod: Rec; container: Rec } {
    const deployment = stack.find(kps.release, "Deployment", kps.grafana.fullname);
    const pod = rec(rec(rec(deployment.spec).template).spec);
    const container = list(pod.containers).find((c) => c.name === "grafana");
    assert.ok(container, "the grafana container");
    return { deployment, pod, container };
}

/** grafana.ini as the chart writes it into Grafana's ConfigMap. */
function grafanaIni(stack: RenderedStack): string {
    const cm = stack.find(kps.release, "ConfigMap", kps.grafana.fullname);
    return String(rec(cm.data)["grafana.ini"]);
}

/** The [section] of an ini text as key → value. */
function iniSection(ini: string, section: string): Record<string, string> {
    const out: Record<string, string> = {};
    let inside = false;
    for (const line of ini.split("\n")) {
        const header = /^\[(.+)\]\s*$/.exec(line.trim());
        if (header) inside = header[1] === section;
        else if (inside && line.includes("=")) out[line.slice(0, line.indexOf("=")).trim()] = line.slice(line.indexOf("=") + 1).trim();
    }
    return out;
}

describe("Grafana high availability: real helm template", function () {
    let prod: RenderedStack;
    let dev: RenderedStack;
    before(async function () {
        this.timeout(240_000);
        // prod-edge: the prod profile on nodes with room to spare (see roomyProdCluster).
        prod = await renderedStack(this, "prod-edge");
        dev = await renderedStack(this, "dev");
    });

    it("prod: a Deployment of 2+ replicas rolling without downtime, no PVC, spread over zones", function () {
        const { deployment, pod } = grafanaPod(prod);
        const spec = rec(deployment.spec);
        assert.ok(Number(spec.replicas) >= 2, `replicas ${String(spec.replicas)}`);
        assert.equal(spec.replicas, prod.settings.grafana.database.replicas);
        assert.equal(rec(spec.strategy).type, "RollingUpdate");
        assert.equal(rec(rec(spec.strategy).rollingUpdate).maxUnavailable, 0);
        assert.ok(!prod.objects(kps.release).some((o) => o.kind === "PersistentVolumeClaim" && o.metadata.name === kps.grafana.fullname), "no Grafana PVC");
        assert.ok(!list(pod.volumes).some((v) => v.persistentVolumeClaim !== undefined), "no volume from a claim");
        const spread = list(pod.topologySpreadConstraints);
        assert.equal(spread.length, 1);
        assert.equal(spread[0]?.topologyKey, "topology.kubernetes.io/zone");
        assert.equal(spread[0]?.whenUnsatisfiable, "DoNotSchedule");
        const podLabels = rec(rec(rec(spec.template).metadata).labels);
        for (const [k, v] of Object.entries(rec(rec(spread[0]?.labelSelector).matchLabels))) assert.equal(podLabels[k], v, `spread selects Grafana's pods (${k})`);
    });

    it("prod: Grafana uses PostgreSQL over TLS, host and password read from the mounted grafana-database Secret", function () {
        const db = iniSection(grafanaIni(prod), "database");
        assert.equal(db.type, "postgres");
        assert.equal(db.ssl_mode, "require");
        assert.equal(db.password, `$__file{${GRAFANA_DATABASE_MOUNT}/password}`);
        assert.equal(db.host, `$__file{${GRAFANA_DATABASE_MOUNT}/host}`);
        const { pod, container } = grafanaPod(prod);
        const volume = list(pod.volumes).find((v) => rec(v.secret).secretName === grafanaDatabaseSecretName);
        assert.ok(volume, "a volume from the grafana-database Secret");
        const mount = list(container.volumeMounts).find((m) => m.name === volume.name);
        assert.equal(mount?.mountPath, GRAFANA_DATABASE_MOUNT);
        // The Secret is the program's (a Pulumi secret), not the chart's.
        assert.ok(!prod.allObjects().some((o) => o.kind === "Secret" && o.metadata.name === grafanaDatabaseSecretName));
    });

    it("prod: a PodDisruptionBudget that selects Grafana's pods and lets one go at a time", function () {
        const pdb = prod.find(kps.release, "PodDisruptionBudget", kps.grafana.fullname);
        const selector = rec(rec(pdb.spec).selector).matchLabels;
        const podLabels = rec(rec(rec(rec(grafanaPod(prod).deployment.spec).template).metadata).labels);
        for (const [k, v] of Object.entries(rec(selector))) assert.equal(podLabels[k], v, k);
        assert.equal(rec(pdb.spec).maxUnavailable, 1);
    });

    it("prod: alerting notifications are de-duplicated between replicas through the headless service", function () {
        const ua = iniSection(grafanaIni(prod), "unified_alerting");
        const headless = prod.find(kps.release, "Service", `${kps.grafana.fullname}-headless`);
        assert.equal(rec(headless.spec).clusterIP, "None");
        assert.equal(ua.ha_peers, `${kps.grafana.fullname}-headless.${kps.namespace}.svc.cluster.local:9094`);
        assert.equal(ua.ha_listen_address, "${POD_IP}:9094");
        const env = list(grafanaPod(prod).container.env);
        assert.ok(env.some((e) => e.name === "POD_IP"), "POD_IP is set for ha_listen_address");
        assert.ok(list(rec(headless.spec).ports).some((p) => p.port === 9094));
    });

    it("dev is unchanged: one replica on SQLite and its PVC, recreated on update, no PDB or database section", function () {
        const { deployment, pod } = grafanaPod(dev);
        assert.equal(rec(deployment.spec).replicas, 1);
        assert.equal(rec(rec(deployment.spec).strategy).type, "Recreate");
        const pvc = dev.find(kps.release, "PersistentVolumeClaim", kps.grafana.fullname);
        assert.ok(list(pod.volumes).some((v) => rec(v.persistentVolumeClaim).claimName === pvc.metadata.name));
        assert.deepEqual(iniSection(grafanaIni(dev), "database"), {});
        assert.ok(!dev.objects(kps.release).some((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === kps.grafana.fullname));
    });

    it("no rendered object holds the database password", function () {
        const generated = prod.graph.byType("random:index/randomPassword:RandomPassword").find((r) => r.name.includes("grafana-database"));
        assert.ok(generated);
        assert.ok(!YAML.stringify(prod.allObjects()).includes(`mock-password-${generated.name}`));
    });
});
