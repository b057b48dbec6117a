/**
 * What the cluster would really get: every release rendered by the real Helm with the program's
 * own values, for the committed stacks and the edge stacks (test/fixtures/stacks), and the
 * platform's promises checked on those manifests, not on the values that produced them.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { alertmanagerSecretPath, kps } from "../components/endpoints";
import { BROUGHT_CLUSTER_STORAGE_CLASS, DEFAULT_STORAGE_CLASS } from "../components/aws/cluster-builders";
import { footprint } from "../tools/footprint";
import { nodePlan, withAddons } from "../tools/manifests";
import { revealSecrets } from "../tools/mock-run";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";
import { selects, templateLabels } from "./support/selectors";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** Zone-level spreading of a pod spec: required/preferred anti-affinity or a topology spread on the zone key. */
function spreadsOverZones(spec: Rec): boolean {
    const zone = "topology.kubernetes.io/zone";
    const anti = rec(rec(spec.affinity).podAntiAffinity);
    const terms = [
        ...list(anti.requiredDuringSchedulingIgnoredDuringExecution),
        ...list(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => rec(p.podAffinityTerm)),
    ];
    return terms.some((t) => t.topologyKey === zone) || list(spec.topologySpreadConstraints).some((t) => t.topologyKey === zone);
}

function storageClassOf(stack: RenderedStack): string | undefined {
    // A cluster by kubeconfig: the class it names, or none (the cluster's default StorageClass serves the claim).
    const kubeconfig = stack.settings.cluster.kubeconfig;
    if (kubeconfig) return kubeconfig.storageClassName;
    return stack.settings.cluster.existing ? BROUGHT_CLUSTER_STORAGE_CLASS : DEFAULT_STORAGE_CLASS;
}

/** Every PersistentVolumeClaim the releases create or make their workloads create, with where it comes from. */
function claims(stack: RenderedStack): { where: string; storageClassName: unknown }[] {
    const out: { where: string; storageClassName: unknown }[] = [];
    for (const r of stack.releases) {
        for (const o of r.objects) {
            const spec = rec(o.spec);
            const where = `${r.release}/${o.kind}/${o.metadata.name}`;
            if (o.kind === "PersistentVolumeClaim") out.push({ where, storageClassName: spec.storageClassName });
            if (o.kind === "StatefulSet") {
                for (const t of list(spec.volumeClaimTemplates)) out.push({ where: `${where}/${String(rec(t.metadata).name)}`, storageClassName: rec(t.spec).storageClassName });
            }
            if (o.kind === "Prometheus" || o.kind === "Alertmanager") {
                const vct = rec(rec(spec.storage).volumeClaimTemplate);
                out.push({ where, storageClassName: Object.keys(vct).length ? rec(vct.spec).storageClassName : "(no volumeClaimTemplate: emptyDir)" });
            }
        }
    }
    return out;
}

function imageTag(image: string): string | undefined {
    const noDigest = image.split("@")[0] ?? "";
    const lastSlash = noDigest.lastIndexOf("/");
    const colon = noDigest.indexOf(":", lastSlash + 1);
    return colon < 0 ? undefined : noDigest.slice(colon + 1);
}

for (const name of STACK_NAMES) {
    describe(`rendered manifests (real helm template): ${name}`, function () {
        let stack: RenderedStack;
        before(async function () {
            this.timeout(120_000);
            stack = await renderedStack(this, name);
        });

        it("every release renders with the program's values (chart schema and validation templates pass)", function () {
            const releases = stack.graph.byType("kubernetes:helm.sh/v3:Release").map((r) => String(r.inputs.name));
            assert.deepEqual(stack.releases.map((r) => r.release), releases);
            for (const r of stack.releases) assert.ok(r.objects.length > 0, `${r.release} rendered no object`);
        });

        it("every container has cpu and memory requests and a memory limit (Helm hook Jobs and Pods included)", function () {
            assert.ok(
                stack.workloads().some((w) => w.kind === "Job" && w.release === kps.release),
                "the operator's admission-webhook hook Jobs are among the checked workloads",
            );
            const missing: string[] = [];
            for (const w of stack.workloads()) {
                for (const c of w.containers) {
                    const lacks = [
                        c.cpuRequestMillis ? undefined : "cpu request",
                        c.memoryRequestMiB ? undefined : "memory request",
                        c.memoryLimitMiB ? undefined : "memory limit",
                    ].filter((x) => x !== undefined);
                    if (lacks.length) missing.push(`${w.release}/${w.kind}/${w.name}/${c.name}: no ${lacks.join(", ")}`);
                }
            }
            assert.deepEqual(missing, []);
        });

        it("every volume claim names the platform's StorageClass", function () {
            const expected = storageClassOf(stack);
            const found = claims(stack);
            assert.ok(found.length > 0, "the platform has volumes (Prometheus, Alertmanager, Loki, Grafana)");
            assert.deepEqual(
                found.filter((c) => c.storageClassName !== expected).map((c) => `${c.where}: ${String(c.storageClassName)}`),
                [],
            );
        });

        it("every image is pinned to a version tag", function () {
            const bad: string[] = [];
            for (const w of stack.workloads()) {
                for (const c of w.containers) {
                    if (c.image.includes("(operator")) continue; // the operator's own pinned defaults, checked below
                    const tag = imageTag(c.image);
                    if (!tag || tag === "latest" || !/\d/.test(tag)) bad.push(`${w.release}/${w.name}/${c.name}: ${c.image}`);
                }
            }
            // Images the operator injects: pinned through its flags.
            for (const o of stack.objects(kps.release).filter((x) => x.kind === "Deployment")) {
                for (const c of list(rec(rec(rec(o.spec).template).spec).containers)) {
                    for (const a of (c.args as string[] | undefined) ?? []) {
                        const m = /^--prometheus-config-reloader=(.+)$/.exec(a);
                        if (m && !/\d/.test(imageTag(m[1] as string) ?? "")) bad.push(`operator flag ${a}`);
                    }
                }
            }
            for (const o of stack.objects(kps.release).filter((x) => x.kind === "Prometheus" || x.kind === "Alertmanager")) {
                const image = String(rec(o.spec).image ?? "");
                if (!/\d/.test(imageTag(image) ?? "")) bad.push(`${o.kind}/${o.metadata.name}: ${image || "(operator default)"}`);
            }
            assert.deepEqual(bad, []);
        });

        it("Alertmanager mounts the receivers Secret where every *_file setting points, holding each key", function () {
            const am = stack.objects(kps.release).find((o) => o.kind === "Alertmanager");
            assert.ok(am, "an Alertmanager custom resource");
            const mounted = (rec(am.spec).secrets as string[] | undefined) ?? [];
            const configSecret = stack.objects(kps.release).find((o) => o.kind === "Secret" && String(o.metadata.name).startsWith("alertmanager-"));
            assert.ok(configSecret, "the chart's Alertmanager configuration Secret");
            const data = rec(configSecret.data);
            const config = YAML.parse(Buffer.from(String(data["alertmanager.yaml"]), "base64").toString("utf8")) as unknown;
            const files: string[] = [];
            const walk = (v: unknown, key = ""): void => {
                if (typeof v === "string" && key.endsWith("_file")) files.push(v);
                else if (Array.isArray(v)) v.forEach((x) => walk(x));
                else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => walk(x, k));
            };
            walk(config);
            const a = stack.settings.alerting;
            if (!a.slack.enabled && !a.pagerduty.enabled && !a.heartbeat.enabled && a.teams.length === 0) {
                // No receiver needs a credential (the local stack): nothing to mount.
                assert.deepEqual(files, []);
                return;
            }
            assert.ok(files.length > 0, "receivers read their credentials from files");
            const receiverSecret = stack.graph.byType("kubernetes:core/v1:Secret").map((r) => stack.graph.inputs(r)).find((i) => rec(i.metadata).name === kps.receiverSecretName);
            assert.ok(receiverSecret, "the program creates the receivers Secret");
            const keys = Object.keys(rec(revealSecrets(receiverSecret.stringData)));
            for (const f of files) {
                const m = /^\/etc\/alertmanager\/secrets\/([^/]+)\/([^/]+)$/.exec(f);
                assert.ok(m, `${f} is under the operator's Secret mount path`);
                assert.ok(mounted.includes(m[1] as string), `${f}: Secret ${m[1]} is mounted (spec.secrets: ${mounted.join(", ")})`);
                assert.equal(f, alertmanagerSecretPath(m[1] as string, m[2] as string));
                assert.ok(keys.includes(m[2] as string), `${f}: the Secret holds key ${m[2]} (has ${keys.join(", ")})`);
            }
        });

        if (name.startsWith("prod")) {
            it("prod: every replicated workload has a PodDisruptionBudget selecting its pods", function () {
                const pdbs = stack.allObjects().filter((o) => o.kind === "PodDisruptionBudget");
                const uncovered = stack
                    .workloads()
                    .filter((w) => w.replicas !== "perNode" && w.replicas >= 2)
                    .filter((w) => !pdbs.some((p) => p.metadata.namespace === w.namespace && selects(rec(rec(p.spec).selector), templateLabels(stack, w))))
                    .map((w) => `${w.release}/${w.kind}/${w.name}`);
                assert.deepEqual(uncovered, []);
            });

            it("prod: Prometheus, Alertmanager, Loki and its gateway spread over zones", function () {
                const needs = stack
                    .workloads()
                    .filter((w) => w.kind === "Prometheus" || w.kind === "Alertmanager" || (w.release === "loki" && !/cache/.test(w.name) && w.replicas !== "perNode" && w.replicas >= 2));
                assert.ok(needs.some((w) => w.kind === "Prometheus") && needs.some((w) => w.name.endsWith("gateway")), "the set under test includes Prometheus and the gateway");
                assert.deepEqual(needs.filter((w) => !spreadsOverZones(w.podSpec)).map((w) => `${w.release}/${w.kind}/${w.name}`), []);
            });
        }

        it("Loki's rendered config.yaml holds the storage, schema, retention, ruler and limits the settings ask for", function () {
            const cm = stack.objects("loki").find((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && o.metadata.name === "loki");
            assert.ok(cm, "the chart's Loki configuration object");
            const raw = rec(cm.data)["config.yaml"];
            const text = cm.kind === "Secret" ? Buffer.from(String(raw), "base64").toString("utf8") : String(raw);
            const config = YAML.parse(text) as Rec;
            const l = stack.settings.logs;
            assert.equal(config.auth_enabled, true);
            // A cluster by kubeconfig keeps chunks on Loki's volume (filesystem), every other on the program's S3 bucket.
            const store = stack.settings.cluster.kubeconfig ? "filesystem" : "s3";
            if (store === "s3") {
                const s3 = rec(rec(config.storage_config).aws);
                const common = rec(rec(rec(config.common).storage).s3);
                const bucketnames = String(s3.bucketnames ?? common.bucketnames ?? "");
                const chunksBucket = rec(rec(rec(stack.graph.releaseValues("loki").loki).storage).bucketNames).chunks;
                assert.ok(typeof chunksBucket === "string" && chunksBucket.length > 0);
                assert.equal(bucketnames, chunksBucket, "chunks go to the bucket the program created");
                assert.equal(String(s3.region ?? common.region), stack.settings.aws?.region);
            } else {
                assert.ok(rec(rec(config.common).storage).filesystem !== undefined, "common.storage.filesystem");
            }
            assert.doesNotMatch(text, /(access_key_id|secret_access_key):\s*\S/, "no static AWS keys: credentials come from the workload role");
            const schema = list(rec(config.schema_config).configs);
            assert.equal(schema.length, 1);
            assert.deepEqual([schema[0]?.store, schema[0]?.schema, schema[0]?.object_store], ["tsdb", "v13", store]);
            assert.equal(rec(rec(schema[0]).index).period, "24h");
            const limits = rec(config.limits_config);
            assert.equal(limits.retention_period, `${l.retentionDays * 24}h`);
            assert.equal(limits.ingestion_rate_mb, l.limits.ingestionRateMb);
            assert.equal(limits.ingestion_burst_size_mb, l.limits.ingestionBurstMb);
            assert.equal(limits.max_global_streams_per_user, l.limits.maxGlobalStreamsPerUser);
            assert.equal(limits.max_query_length, l.limits.maxQueryLength);
            assert.equal(rec(config.compactor).retention_enabled, true);
            assert.equal(rec(config.compactor).delete_request_store, store);
            const ruler = rec(config.ruler);
            assert.match(String(ruler.alertmanager_url), /alertmanager/);
            assert.equal(rec(ruler.storage).type, "local");
            assert.equal(rec(config.common).replication_factor, stack.settings.environment === "prod" ? 3 : 1);
        });
    });
}

describe("platform footprint against the nodes (requests from the rendered manifests)", function () {
    for (const name of STACK_NAMES) {
        it(`${name}: the platform and the EKS add-ons fit the node groups with 20% headroom`, async function () {
            this.timeout(120_000);
            const stack = await renderedStack(this, name);
            const plan = nodePlan(stack.graph.resources);
            if (plan === undefined) {
                // A cluster by kubeconfig: its budget is checked in test/local.test.ts.
                assert.ok(stack.settings.cluster.existing || stack.settings.cluster.kubeconfig, "only a brought cluster or one by kubeconfig has no node groups of ours");
                return;
            }
            assert.ok(plan.allocatable, `every instance type of ${name} is known to components/aws/instance-types.ts`);
            const total = withAddons(footprint(stack.workloads(), plan.nodes), plan.nodes);
            assert.ok(total.cpuMillis <= 0.8 * plan.allocatable.cpuMillis, `${name}: ${total.cpuMillis}m CPU requested > 80% of ${plan.allocatable.cpuMillis}m`);
            assert.ok(total.memoryMiB <= 0.8 * plan.allocatable.memoryMiB, `${name}: ${Math.round(total.memoryMiB)}Mi requested > 80% of ${Math.round(plan.allocatable.memoryMiB)}Mi`);
        });
    }

    it("dev: the platform requests at most 3 vCPU and 6 GiB", async function () {
        this.timeout(120_000);
        const stack = await renderedStack(this, "dev");
        const plan = nodePlan(stack.graph.resources);
        const f = footprint(stack.workloads(), plan?.nodes ?? 1);
        assert.ok(f.cpuMillis <= 3000, `dev requests ${f.cpuMillis}m CPU`);
        assert.ok(f.memoryMiB <= 6 * 1024, `dev requests ${Math.round(f.memoryMiB)}Mi memory`);
    });
});
