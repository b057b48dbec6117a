/**
 * Long-term metrics (Thanos): the real `helm template` of the Thanos release and of
 * kube-prometheus-stack (the Prometheus resource's sidecar), and the mock graph (bucket roles,
 * their trust and least privilege, associations), on prod (on by default) and dev (off).
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import type { PolicyDocument } from "../components/aws/policies";
import { MIN_THANOS_VERSION_WITHOUT_SIDECAR_DELETE, THANOS_OBJECT_ACTIONS } from "../components/aws/thanos-policies";
import { THANOS_VERSION, charts } from "../components/charts";
import { datasourceUids, kps, thanos } from "../components/endpoints";
import { buildObjstoreConfig, buildThanosValues } from "../components/k8s/thanos/values";
import { thanosValuesInput } from "../components/k8s/thanos";
import { parseSettings } from "../config";
import type { K8sObject } from "../tools/helm";
import { revealSecrets } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { type Graph, ROOT, runStack } from "./support/graph";
import { type RenderedStack, STACK_FILES, renderedStack } from "./support/manifests";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const SECRET = "kubernetes:core/v1:Secret";

function podSpec(o: K8sObject): Rec {
    return rec(rec(rec(o.spec).template).spec);
}
function container(o: K8sObject): Rec {
    return list(podSpec(o).containers)[0] ?? {};
}
function args(o: K8sObject): string[] {
    return ((container(o).args as unknown[] | undefined) ?? []).map(String);
}
function statements(doc: unknown): PolicyDocument["Statement"] {
    return (JSON.parse(String(doc)) as PolicyDocument).Statement;
}
/** The rendered Prometheus custom resource. */
function prometheusCr(stack: RenderedStack): K8sObject {
    const found = stack.objects(kps.release).filter((o) => o.kind === "Prometheus");
    assert.equal(found.length, 1);
    return found[0] as K8sObject;
}

describe("long-term metrics: rendered by the real charts (prod)", function () {
    let stack: RenderedStack;
    let objects: readonly K8sObject[];
    before(async function () {
        stack = await renderedStack(this, "prod");
        objects = stack.objects(thanos.release);
    });

    it("runs Query, Query Frontend, Store Gateway and Compactor from the official image at the pinned version", () => {
        const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet").map((o) => `${o.kind}/${o.metadata.name}`);
        assert.deepEqual(workloads.sort(), ["Deployment/thanos-query", "Deployment/thanos-query-frontend", "StatefulSet/thanos-compact", "StatefulSet/thanos-store-gateway"]);
        for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet")) {
            assert.equal(container(o).image, `quay.io/thanos/thanos:${THANOS_VERSION}`, o.metadata.name);
        }
        // The sidecar runs the same version as the components it answers.
        assert.equal(rec(rec(prometheusCr(stack).spec).thanos).image, `quay.io/thanos/thanos:${THANOS_VERSION}`);
    });

    it("the sidecar's fields are the operator's: every key of spec.thanos is in the Prometheus CRD's schema", () => {
        const crd = stack.objects(kps.crdsRelease).find((o) => o.kind === "CustomResourceDefinition" && o.metadata.name === "prometheuses.monitoring.coreos.com");
        assert.ok(crd, "the Prometheus CRD");
        const version = list(rec(crd.spec).versions).find((v) => v.name === "v1");
        const thanosSchema = rec(rec(rec(rec(rec(rec(version?.schema).openAPIV3Schema).properties).spec).properties).thanos);
        const props = rec(thanosSchema.properties);
        const spec = rec(rec(prometheusCr(stack).spec).thanos);
        for (const k of Object.keys(spec)) assert.ok(k in props, `spec.thanos.${k} is not in the CRD`);
        const selector = rec(rec(props.objectStorageConfig).properties);
        for (const k of Object.keys(rec(spec.objectStorageConfig))) assert.ok(k in selector, `objectStorageConfig.${k} is not in the CRD`);
        const specProps = rec(rec(rec(rec(rec(version?.schema).openAPIV3Schema).properties).spec).properties);
        assert.ok("replicaExternalLabelName" in specProps);
    });

    it("Query deduplicates on the external label the Prometheus resource gives each replica, and asks every sidecar and the Store Gateway", () => {
        const prom = rec(prometheusCr(stack).spec);
        // The operator's own default is prometheus_replica; whichever the resource names is the label the series carry.
        const label = typeof prom.replicaExternalLabelName === "string" ? prom.replicaExternalLabelName : "prometheus_replica";
        assert.ok(Number(prom.replicas) >= 2, "an HA pair to deduplicate");
        const query = stack.find(thanos.release, "Deployment", "thanos-query");
        assert.deepEqual(args(query).filter((a) => a.startsWith("--query.replica-label=")), [`--query.replica-label=${label}`]);
        // The sidecars: DNS SRV on a headless Service that selects the Prometheus pods on their `grpc` port.
        const srv = args(query).find((a) => a.includes("thanos-discovery"));
        const m = /^--endpoint=dnssrv\+_([a-z]+)\._tcp\.([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(srv ?? "");
        assert.ok(m, `sidecar endpoint: ${srv}`);
        const [, portName, service, namespace] = m;
        const svc = stack.find(kps.release, "Service", service as string);
        assert.equal(svc.metadata.namespace, namespace);
        assert.equal(rec(svc.spec).clusterIP, "None", "SRV records per pod need a headless Service");
        const port = list(rec(svc.spec).ports).find((p) => p.name === portName);
        assert.equal(port?.port, thanos.grpcPort);
        assert.equal(rec(rec(svc.spec).selector)["operator.prometheus.io/name"], prometheusCr(stack).metadata.name);
        // The Store Gateway: found by the chart through its own headless Service.
        const store = args(query).find((a) => a.includes("store-gateway"));
        assert.match(store ?? "", /^--endpoint=dnssrv\+_grpc\._tcp\.thanos-store-gateway-headless\.monitoring\.svc\.cluster\.local$/);
        // The Compactor deduplicates the pair's blocks on the same label.
        assert.ok(args(stack.find(thanos.release, "StatefulSet", "thanos-compact")).includes(`--deduplication.replica-label=${label}`));
    });

    it("the Compactor keeps each resolution as configured and downsamples", () => {
        const r = stack.settings.metrics.longTerm.retentionDays;
        const a = args(stack.find(thanos.release, "StatefulSet", "thanos-compact"));
        for (const [flag, days] of [["raw", r.raw], ["5m", r.fiveMinutes], ["1h", r.oneHour]] as const) {
            assert.ok(a.includes(`--retention.resolution-${flag}=${days}d`), `${flag}: ${a.join(" ")}`);
        }
        assert.ok(!a.some((x) => x.startsWith("--downsampling.disable")), "downsampling stays on");
        assert.ok(a.includes("--wait"), "runs continuously");
    });

    it("every component and every sidecar reads one object-store Secret that names the bucket and uses the role, never a key", () => {
        // The chart renders no Secret of its own: the program's, also the Prometheus resource's.
        assert.equal(objects.filter((o) => o.kind === "Secret").length, 0);
        const objstore = rec(rec(rec(prometheusCr(stack).spec).thanos).objectStorageConfig);
        assert.deepEqual(objstore, { name: thanos.objstoreSecretName, key: thanos.objstoreSecretKey });
        for (const name of ["thanos-compact", "thanos-store-gateway"]) {
            const sts = stack.find(thanos.release, "StatefulSet", name);
            const vol = list(podSpec(sts).volumes).find((v) => v.name === "objstore-config");
            assert.equal(rec(vol?.secret).secretName, objstore.name, name);
            const mount = list(container(sts).volumeMounts).find((m) => m.name === "objstore-config");
            assert.equal(mount?.subPath, objstore.key, name);
        }
        const secret = stack.graph.byType(SECRET).find((s) => rec(rec(s.inputs).metadata).name === objstore.name);
        assert.ok(secret, "the program creates the object-store Secret");
        assert.equal(rec(rec(secret.inputs).metadata).namespace, kps.namespace);
        const stringData = rec(rec(revealSecrets(secret.inputs)).stringData);
        const config = parseYaml(String(stringData[String(objstore.key)])) as Rec;
        assert.equal(config.type, "S3");
        const c = rec(config.config);
        assert.equal(c.aws_sdk_auth, true);
        const bucket = stack.graph.byType("aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-thanos-storage-bucket-blocks"));
        assert.equal(c.bucket, `${bucket?.name}-mock`);
        assert.equal(stack.graph.run.outputs.metricsBucket, c.bucket, "the stack exports the bucket Thanos writes to");
        assert.match(String(stack.graph.run.outputs.metricsKmsKeyArn), /^arn:aws:kms:/);
        assert.equal(c.endpoint, `s3.${stack.settings.aws?.region}.amazonaws.com`);
        for (const k of ["access_key", "secret_key", "session_token"]) assert.equal(c[k], undefined, k);
        // Nor anywhere else a container could read one from (CRDs only describe the fields).
        const everything = JSON.stringify(stack.allObjects().filter((o) => o.kind !== "CustomResourceDefinition"));
        for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "access_key:", "secret_key:"]) assert.ok(!everything.includes(k), k);
    });

    it("binds the Store Gateway and Compactor to their own service accounts, and Prometheus's to its own", () => {
        assert.equal(podSpec(stack.find(thanos.release, "StatefulSet", "thanos-store-gateway")).serviceAccountName, thanos.storeGatewayServiceAccount);
        assert.equal(podSpec(stack.find(thanos.release, "StatefulSet", "thanos-compact")).serviceAccountName, thanos.compactorServiceAccount);
        assert.equal(rec(prometheusCr(stack).spec).serviceAccountName, thanos.prometheusServiceAccount);
        // Query and Query Frontend never touch the bucket: their accounts are not the roles'.
        for (const d of ["thanos-query", "thanos-query-frontend"]) {
            const sa = podSpec(stack.find(thanos.release, "Deployment", d)).serviceAccountName;
            assert.ok(![thanos.storeGatewayServiceAccount, thanos.compactorServiceAccount, thanos.prometheusServiceAccount].includes(sa as never), d);
        }
    });

    it("Grafana's `prometheus` datasource keeps its uid and reads Thanos Query Frontend", () => {
        const cm = stack.objects(kps.release).find((o) => o.kind === "ConfigMap" && String(rec(o.data)["datasource.yaml"] ?? "").includes("datasources:"));
        const doc = parseYaml(String(rec(cm?.data)["datasource.yaml"])) as { datasources: Rec[] };
        const ds = doc.datasources.find((d) => d.uid === datasourceUids.prometheus);
        assert.equal(ds?.type, "prometheus");
        const frontend = stack.find(thanos.release, "Service", thanos.queryFrontend.service);
        const port = list(rec(frontend.spec).ports).find((p) => p.name === "http");
        assert.equal(ds?.url, `http://${frontend.metadata.name}.${frontend.metadata.namespace}.svc.cluster.local:${port?.port}`);
        // Grafana is told what answers (Grafana docs, "Configure the Prometheus data source": jsonData.prometheusType).
        assert.equal(rec(ds?.jsonData).prometheusType, "Thanos");
        // Rules and alerts stay in Prometheus: the rule selector still picks up every PrometheusRule.
        assert.deepEqual(rec(rec(prometheusCr(stack).spec).ruleSelector), {});
    });

    it("prod: disruption budgets and zone spreading for the replicated components, volumes on the platform's StorageClass", () => {
        const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget").map((o) => o.metadata.name).sort();
        assert.deepEqual(pdbs, ["thanos-query", "thanos-query-frontend", "thanos-store-gateway"]);
        for (const [kind, name] of [["Deployment", "thanos-query"], ["Deployment", "thanos-query-frontend"], ["StatefulSet", "thanos-store-gateway"]] as const) {
            const o = stack.find(thanos.release, kind, name);
            assert.ok(Number(rec(o.spec).replicas) >= 2, name);
            const spread = list(podSpec(o).topologySpreadConstraints).find((t) => t.topologyKey === "topology.kubernetes.io/zone");
            assert.equal(spread?.whenUnsatisfiable, "DoNotSchedule", name);
            assert.deepEqual(rec(spread?.labelSelector).matchLabels, rec(rec(o.spec).selector).matchLabels, name);
        }
        const lt = stack.settings.metrics.longTerm;
        for (const [name, size] of [["thanos-compact", lt.compactorVolumeSizeGiB], ["thanos-store-gateway", lt.storeGatewayVolumeSizeGiB]] as const) {
            const claim = list(rec(stack.find(thanos.release, "StatefulSet", name).spec).volumeClaimTemplates)[0];
            assert.equal(rec(claim?.spec).storageClassName, "gp3", name);
            assert.equal(rec(rec(rec(claim?.spec).resources).requests).storage, `${size}Gi`, name);
        }
    });
});

describe("long-term metrics: roles and associations (mock graph)", function () {
    for (const [label, over] of [
        ["prod", {}],
        ["dev with metrics.longTerm.enabled", { settings: { metrics: { longTerm: { enabled: true } } } }],
    ] as const) {
        describe(label, function () {
            let g: Graph;
            before(async () => {
                g = await runStack(label === "prod" ? "prod" : "dev", over);
            });

            const expected = {
                sidecar: { sa: thanos.prometheusServiceAccount, s3: ["s3:GetObject", "s3:ListBucket", "s3:PutObject"], kms: ["kms:Decrypt", "kms:GenerateDataKey"] },
                storeGateway: { sa: thanos.storeGatewayServiceAccount, s3: ["s3:GetObject", "s3:ListBucket"], kms: ["kms:Decrypt"] },
                compactor: { sa: thanos.compactorServiceAccount, s3: ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"], kms: ["kms:Decrypt", "kms:GenerateDataKey"] },
            } as const;

            for (const [user, want] of Object.entries(expected)) {
                it(`${user}: a role only ${thanos.namespace}/${want.sa} can assume (Pod Identity), with exactly its actions on the metrics bucket and key`, () => {
                    const role = g.one(ROLE, `-thanos-storage-${user}-role`);
                    const [trust] = statements(role.inputs.assumeRolePolicy);
                    assert.deepEqual(trust?.Principal, { Service: "pods.eks.amazonaws.com" });
                    const tags = rec(rec(trust?.Condition).StringEquals);
                    assert.equal(tags["aws:RequestTag/kubernetes-namespace"], thanos.namespace);
                    assert.equal(tags["aws:RequestTag/kubernetes-service-account"], want.sa);
                    const assoc = g.one(ASSOCIATION, `-thanos-storage-${user}-association`);
                    assert.equal(assoc.inputs.serviceAccount, want.sa);
                    assert.equal(assoc.inputs.roleArn, `arn:aws:iam::123456789012:role/${role.name}-mock`);

                    const st = statements(g.one(ROLE_POLICY, `-thanos-storage-${user}-policy`).inputs.policy);
                    const bucket = g.byType("aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-thanos-storage-bucket-blocks"));
                    const key = g.byType("aws:kms/key:Key").find((k) => k.parent?.endsWith("-thanos-storage-bucket"));
                    const bucketArn = `arn:aws:s3:::${bucket?.name}-mock`;
                    const keyArn = `arn:aws:kms:eu-west-1:123456789012:key/${key?.name}-key-id`;
                    const actionsOn = (resource: string) =>
                        st
                            .filter((s) => s.Effect === "Allow" && ([] as string[]).concat(s.Resource ?? []).includes(resource))
                            .flatMap((s) => ([] as string[]).concat(s.Action))
                            .sort();
                    assert.deepEqual([...actionsOn(bucketArn), ...actionsOn(`${bucketArn}/*`)].sort(), [...want.s3]);
                    assert.deepEqual(actionsOn(keyArn), [...want.kms]);
                    const all = st.flatMap((s) => ([] as string[]).concat(s.Resource ?? []));
                    assert.deepEqual([...new Set(all)].sort(), [bucketArn, `${bucketArn}/*`, keyArn].sort(), "nothing but the bucket and its key");
                    assert.ok(st.every((s) => ([] as string[]).concat(s.Action).every((a) => !a.includes("*"))), "no wildcard action");
                });
            }

            it("no role for Query or Query Frontend: they never touch the bucket", () => {
                const thanosRoles = g.byType(ROLE).filter((r) => r.name.includes("-thanos-storage-")).map((r) => r.name.replace(/^.*-thanos-storage-/, "")).sort();
                assert.deepEqual(thanosRoles, ["compactor-role", "sidecar-role", "storeGateway-role"]);
            });

            it("the Thanos release and the Prometheus release wait for the object-store Secret", () => {
                const secret = g.byType(SECRET).find((s) => rec(rec(s.inputs).metadata).name === thanos.objstoreSecretName);
                assert.ok(secret);
                for (const release of [thanos.release, kps.release]) {
                    const r = g.byType("kubernetes:helm.sh/v3:Release").find((x) => x.inputs.name === release);
                    assert.ok(r && g.waitsFor(r).has(secret), `${release} does not wait for the Secret`);
                }
            });
        });
    }

    it("dev's default: no bucket, roles, Secret or release, and Grafana reads Prometheus itself", async () => {
        const g = await runStack("dev");
        assert.equal(g.byType(ROLE).filter((r) => r.name.includes("thanos")).length, 0);
        assert.equal(g.byType("aws:s3/bucket:Bucket").filter((b) => b.name.includes("thanos")).length, 0);
        assert.equal(g.byType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.name === thanos.release).length, 0);
        const values = g.releaseValues(kps.release);
        assert.equal(rec(rec(rec(values.prometheus).prometheusSpec)).thanos, undefined);
        const ds = rec(rec(rec(values.grafana).sidecar).datasources);
        assert.match(String(ds.url), new RegExp(`^http://${kps.prometheus.service}\\.`));
        assert.equal(rec(ds.extraJsonData).prometheusType, undefined, "plain Prometheus answers dev");
    });

    it("IRSA: each service account is annotated with its own role, and no association is made", async () => {
        const g = await runStack("prod", {
            settings: {
                cluster: {
                    name: "plg-prod",
                    endpoint: { publicAccessCidrs: ["203.0.113.0/24"] },
                    adminPrincipalArns: ["arn:aws:iam::123456789012:role/PlatformAdmin"],
                    workloadIdentity: "irsa",
                },
            },
        });
        assert.equal(g.byType(ASSOCIATION).filter((a) => a.name.includes("thanos")).length, 0);
        const arn = (user: string) => `arn:aws:iam::123456789012:role/${g.one(ROLE, `-thanos-storage-${user}-role`).name}-mock`;
        const annotation = (v: unknown) => rec(rec(v).annotations)["eks.amazonaws.com/role-arn"];
        const kpsValues = g.releaseValues(kps.release);
        assert.equal(annotation(rec(kpsValues.prometheus).serviceAccount), arn("sidecar"));
        const tv = g.releaseValues(thanos.release);
        assert.equal(annotation(rec(tv.storeGateway).serviceAccount), arn("storeGateway"));
        assert.equal(annotation(rec(tv.compact).serviceAccount), arn("compactor"));
        const [trust] = statements(g.one(ROLE, "-thanos-storage-compactor-role").inputs.assumeRolePolicy);
        const sub = Object.entries(rec(rec(trust?.Condition).StringEquals)).find(([k]) => k.endsWith(":sub"));
        assert.equal(sub?.[1], `system:serviceaccount:${thanos.namespace}:${thanos.compactorServiceAccount}`);
    });
});

describe("long-term metrics: chart and builders", () => {
    it("the sidecar's role has no s3:DeleteObject only because the pinned Thanos no longer deletes partial uploads (v0.40.0+)", () => {
        // Older sidecars cleaned a failed upload with block.Delete; on those, no delete means "Partial block in system".
        const semver = (v: string): number[] => v.replace(/^v/, "").split(".").map(Number);
        const [have, min] = [semver(THANOS_VERSION), semver(MIN_THANOS_VERSION_WITHOUT_SIDECAR_DELETE)];
        const cmp = have.map((n, i) => n - (min[i] ?? 0)).find((d) => d !== 0) ?? 0;
        assert.ok(cmp >= 0, `THANOS_VERSION ${THANOS_VERSION} is older than ${MIN_THANOS_VERSION_WITHOUT_SIDECAR_DELETE}: grant the sidecar s3:DeleteObject`);
        assert.ok(!THANOS_OBJECT_ACTIONS.sidecar.includes("s3:DeleteObject"));
        assert.ok(THANOS_OBJECT_ACTIONS.compactor.includes("s3:DeleteObject"), "the Compactor removes partial blocks left by failed uploads");
    });

    it("the pinned chart's appVersion is THANOS_VERSION (the sidecar's image)", function () {
        const dir = process.env.PLG_CHARTS_DIR ?? path.join(ROOT, "..", "shared", "charts");
        const tgz = path.join(dir, "packages", `${charts.thanos.chart}-${charts.thanos.version}.tgz`);
        if (!fs.existsSync(tgz)) this.skip();
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-chart-"));
        execFileSync("tar", ["xzf", tgz, "-C", tmp, "thanos/Chart.yaml"]);
        const chart = parseYaml(fs.readFileSync(path.join(tmp, "thanos", "Chart.yaml"), "utf8")) as { appVersion: string };
        assert.equal(`v${chart.appVersion}`, THANOS_VERSION);
    });

    it("the object-store configuration refuses what is not a bucket or a region, and never carries a key", () => {
        const yaml = buildObjstoreConfig({ bucket: "plg-metrics-1", region: "eu-west-1" });
        assert.deepEqual(parseYaml(yaml), { type: "S3", config: { bucket: "plg-metrics-1", endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", aws_sdk_auth: true } });
        assert.throws(() => buildObjstoreConfig({ bucket: "a\nsecret_key: x", region: "eu-west-1" }), /S3 bucket name/);
        assert.throws(() => buildObjstoreConfig({ bucket: "plg-metrics-1", region: "mars" }), /AWS region/);
    });

    it("refuses a PDB on a single replica", () => {
        const cfg = readStackConfig(ROOT, STACK_FILES.prod);
        const parsed = parseSettings(cfg.config);
        assert.ok(parsed.ok);
        const input = thanosValuesInput(parsed.settings, "gp3", { storeGateway: {}, compactor: {} });
        assert.throws(() => buildThanosValues({ ...input, replicas: 1 }), /replicas >= 2/);
    });
});

describe("long-term metrics: settings refused by key", () => {
    /** Problems of the prod stack with metrics.longTerm merged over the profile's. */
    function problems(longTerm: Record<string, unknown>, metrics: Record<string, unknown> = {}): string[] {
        const cfg = readStackConfig(ROOT, STACK_FILES.prod);
        const parsed = parseSettings({ ...cfg.config, "plg-observability:metrics": JSON.stringify({ ...metrics, longTerm }) });
        return parsed.ok ? [] : parsed.problems;
    }

    it("each coarser resolution kept at least as long as the finer one", () => {
        assert.deepEqual(problems({ retentionDays: { raw: 30, fiveMinutes: 20, oneHour: 10 } }), [
            "plg-observability:metrics.longTerm.retentionDays.fiveMinutes: expected at least metrics.longTerm.retentionDays.raw (30), given 20",
            "plg-observability:metrics.longTerm.retentionDays.oneHour: expected at least metrics.longTerm.retentionDays.fiveMinutes (20), given 10",
        ]);
    });

    it("raw samples kept at least as long as Prometheus keeps them, when long-term metrics are on", () => {
        assert.deepEqual(problems({ retentionDays: { raw: 7, fiveMinutes: 90, oneHour: 365 } }, { retention: "15d" }), [
            "plg-observability:metrics.longTerm.retentionDays.raw: expected at least metrics.retention (15d, 15 days), given 7",
        ]);
        assert.deepEqual(problems({ enabled: false, retentionDays: { raw: 7, fiveMinutes: 90, oneHour: 365 } }, { retention: "15d" }), []);
    });

    it("unknown keys and out-of-range sizes are named", () => {
        const p = problems({ retentionDay: 3, compactorVolumeSizeGiB: 1 });
        assert.ok(p.some((x) => x.startsWith("plg-observability:metrics.longTerm.retentionDay: unknown key")), p.join("\n"));
        assert.ok(p.some((x) => x.startsWith("plg-observability:metrics.longTerm.compactorVolumeSizeGiB: ")), p.join("\n"));
    });
});
