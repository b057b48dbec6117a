/**
 * Loki and Alloy as the cluster would get them: the real `helm template` output of their releases
 * for every test stack (committed and edge), checked against the settings and the builders.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { alloy, loki } from "../components/endpoints";
import { alloyConfigInput } from "../components/k8s/collector";
import { buildAlloyConfig } from "../components/k8s/collector/config";
import { lokiRulesInput } from "../components/k8s/logs";
import { buildLokiRulerConfigMapData, buildLokiRules } from "../components/k8s/logs/rules";
import { DEFAULT_STORAGE_CLASS, BROUGHT_CLUSTER_STORAGE_CLASS } from "../components/aws/cluster-builders";
import { footprint } from "../tools/footprint";
import type { K8sObject } from "../tools/helm";
import { nodePlan } from "../tools/manifests";
import { revealSecrets } from "../tools/mock-run";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";
import { parseAlloy, tenantOf } from "./support/alloy-syntax";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** Loki targets that run the ruler (Loki's `-target` module list: `all` and `backend` include `ruler`). */
const RULER_TARGETS = ["all", "backend", "ruler"];

const podSpecOf = (o: K8sObject): Rec => rec(rec(rec(o.spec).template).spec);
const workloadsOf = (objects: readonly K8sObject[]): K8sObject[] => objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));

/** The Loki `-target` of a workload's Loki container, or undefined for a pod that is not Loki (gateway, memcached). */
function lokiTarget(o: K8sObject): string | undefined {
    for (const c of list(podSpecOf(o).containers)) {
        const arg = ((c.args as string[] | undefined) ?? []).find((a) => a.startsWith("-target="));
        if (arg) return arg.slice("-target=".length);
    }
    return undefined;
}

function lokiConfig(stack: RenderedStack): Rec {
    const cm = stack.objects(loki.release).find((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && o.metadata.name === loki.fullname);
    assert.ok(cm, "the chart's Loki configuration object");
    const raw = String(rec(cm.data)["config.yaml"]);
    return YAML.parse(cm.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw) as Rec;
}

/** Every value under a key named `key`, anywhere in a parsed document. */
function valuesOfKey(doc: unknown, key: string): unknown[] {
    const out: unknown[] = [];
    const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) {
                if (k === key) out.push(x);
                walk(x);
            }
        }
    };
    walk(doc);
    return out;
}

for (const name of STACK_NAMES) {
    describe(`Loki and Alloy manifests (real helm template): ${name}`, function () {
        let stack: RenderedStack;
        let objects: readonly K8sObject[];
        before(async function () {
            this.timeout(120_000);
            stack = await renderedStack(this, name);
            objects = stack.objects(loki.release);
        });

        it("the workload running the ruler mounts the tenant's rules at the ruler's local directory, as the builder wrote them", function () {
            const config = lokiConfig(stack);
            const storage = rec(rec(config.ruler).storage);
            assert.equal(storage.type, "local");
            const dir = String(rec(storage.local).directory);
            const tenant = stack.settings.logs.tenantId;
            const expected = buildLokiRulerConfigMapData(buildLokiRules(lokiRulesInput(stack.settings)));

            const lokiWorkloads = workloadsOf(objects).filter((o) => lokiTarget(o) !== undefined);
            const rulers = lokiWorkloads.filter((o) => RULER_TARGETS.includes(lokiTarget(o) ?? ""));
            assert.equal(rulers.length, 1, `one workload runs the ruler (targets: ${lokiWorkloads.map((o) => `${o.metadata.name}=${lokiTarget(o)}`).join(", ")})`);
            const ruler = rulers[0] as K8sObject;
            const spec = podSpecOf(ruler);
            const mounts = list(list(spec.containers)[0]?.volumeMounts);
            const mount = mounts.find((m) => m.mountPath === `${dir}/${tenant}`);
            assert.ok(mount, `${ruler.metadata.name} mounts ${dir}/${tenant} (mounts: ${mounts.map((m) => String(m.mountPath)).join(", ")})`);
            const volume = list(spec.volumes).find((v) => v.name === mount.name);
            const cmName = rec(volume?.configMap).name;
            assert.ok(typeof cmName === "string", `volume ${String(mount.name)} is a ConfigMap`);
            const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
            assert.ok(cm, `the release creates ConfigMap ${cmName}`);
            assert.deepEqual(cm.data, expected, "the rule files survive the chart's tpl unchanged");

            for (const other of lokiWorkloads.filter((o) => o !== ruler)) {
                assert.ok(!list(podSpecOf(other).volumes).some((v) => rec(v.configMap).name === cmName), `${other.metadata.name} does not run the ruler`);
            }
        });

        it("Loki's pods run as the service account the workload role trusts, annotated with the role only under IRSA", function () {
            const sa = objects.find((o) => o.kind === "ServiceAccount" && o.metadata.name === loki.serviceAccount);
            assert.ok(sa, `ServiceAccount ${loki.serviceAccount}`);
            assert.equal(sa.metadata.namespace, loki.namespace);
            const lokiPods = workloadsOf(objects).filter((o) => lokiTarget(o) !== undefined);
            assert.ok(lokiPods.length > 0);
            for (const o of lokiPods) assert.equal(podSpecOf(o).serviceAccountName, loki.serviceAccount, o.metadata.name);

            const annotation = rec(rec(sa.metadata).annotations)["eks.amazonaws.com/role-arn"];
            if (stack.settings.cluster.kubeconfig) {
                // A cluster by kubeconfig: no cloud identity at all (Loki's chunks are on its volume).
                assert.equal(annotation, undefined);
                assert.deepEqual(stack.graph.resources.filter((r) => r.type.startsWith("aws:")), []);
            } else if (stack.settings.cluster.workloadIdentity === "irsa") {
                assert.equal(annotation, revealSecrets(stack.graph.run.outputs.lokiRoleArn), "the annotation names the role the stack exports");
                const role = stack.graph.one("aws:iam/role:Role", "-loki-role");
                const trust = JSON.stringify(role.inputs.assumeRolePolicy);
                assert.ok(trust.includes(`system:serviceaccount:${loki.namespace}:${loki.serviceAccount}`), "the role trusts this service account");
            } else {
                assert.equal(annotation, undefined, "Pod Identity needs no annotation");
                const assoc = stack.graph.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "-loki-association");
                assert.deepEqual([assoc.inputs.namespace, assoc.inputs.serviceAccount], [sa.metadata.namespace, sa.metadata.name]);
            }
        });

        it("Loki's configuration names only the chunks bucket: rules are local, no ruler bucket", function () {
            if (stack.settings.cluster.kubeconfig) {
                // No bucket at all: chunks on Loki's volume (test/local.test.ts reads that store).
                const config = lokiConfig(stack);
                assert.deepEqual([...valuesOfKey(config, "bucketnames"), ...valuesOfKey(config, "bucket_name")], []);
                return;
            }
            const chunks = rec(rec(rec(stack.graph.releaseValues(loki.release).loki).storage).bucketNames).chunks;
            assert.ok(typeof chunks === "string" && chunks.length > 0);
            const config = lokiConfig(stack);
            const buckets = [...valuesOfKey(config, "bucketnames"), ...valuesOfKey(config, "bucket_name")];
            assert.ok(buckets.length > 0, "the configuration names its bucket");
            assert.deepEqual([...new Set(buckets)], [chunks]);
            const logBuckets = stack.graph.byType("aws:s3/bucket:Bucket").filter((b) => b.parent?.endsWith("-log-storage"));
            assert.deepEqual(logBuckets.map((b) => `${b.name}-mock`), [chunks], "the stack creates no bucket Loki does not use");
        });

        it("every Loki volume claim has the configured size and the platform's StorageClass", function () {
            // A cluster by kubeconfig: the class it names, or none (the cluster's default StorageClass).
            const kubeconfig = stack.settings.cluster.kubeconfig;
            const storageClass = kubeconfig ? kubeconfig.storageClassName : stack.settings.cluster.existing ? BROUGHT_CLUSTER_STORAGE_CLASS : DEFAULT_STORAGE_CLASS;
            const size = `${stack.settings.logs.volumeSizeGiB}Gi`;
            const found: string[] = [];
            for (const o of objects.filter((x) => x.kind === "StatefulSet")) {
                for (const t of list(rec(o.spec).volumeClaimTemplates)) {
                    const spec = rec(t.spec);
                    found.push(`${o.metadata.name}/${String(rec(t.metadata).name)}: ${String(spec.storageClassName)} ${String(rec(rec(spec.resources).requests).storage)}`);
                }
            }
            const stateful = workloadsOf(objects).filter((o) => o.kind === "StatefulSet" && lokiTarget(o) !== undefined);
            assert.ok(stateful.length > 0);
            // Every stateful Loki workload keeps its data on a claim, none on the node's disk.
            assert.deepEqual(
                found,
                stateful.map((o) => `${o.metadata.name}/${lokiTarget(o) === "all" ? "storage" : "data"}: ${storageClass} ${size}`),
            );
        });

        it("Alloy runs the builder's configuration text, exactly, after the chart's tpl", function () {
            const alloyObjects = stack.objects(alloy.release);
            const ds = alloyObjects.find((o) => o.kind === "DaemonSet");
            assert.ok(ds, "Alloy runs as a DaemonSet");
            const spec = podSpecOf(ds);
            const main = list(spec.containers).find((c) => c.name === "alloy");
            const file = ((main?.args as string[] | undefined) ?? []).find((a) => a.endsWith(".alloy"));
            assert.ok(file, "Alloy is started with a configuration file");
            const mount = list(main?.volumeMounts).find((m) => file.startsWith(`${String(m.mountPath)}/`));
            assert.ok(mount, `${file} is on a mounted volume`);
            const cmName = rec(list(spec.volumes).find((v) => v.name === mount.name)?.configMap).name;
            const cm = alloyObjects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
            assert.ok(cm, `ConfigMap ${String(cmName)}`);
            const text = rec(cm.data)[file.slice(String(mount.mountPath).length + 1)];
            // The chart writes the content as a `|-` block scalar, which drops the final newline.
            assert.equal(text, buildAlloyConfig(alloyConfigInput(stack.settings)).replace(/\n$/, ""));
            assert.equal(podSpecOf(ds).serviceAccountName, alloy.serviceAccount);
        });

        it("each team's namespaces are written to the team's tenant, the rest to logs.tenantId; teamLimits are Loki's runtime overrides", function () {
            const cm = stack.objects(alloy.release).find((o) => o.kind === "ConfigMap" && Object.keys(rec(o.data)).some((k) => k.endsWith(".alloy")));
            assert.ok(cm, "Alloy's configuration ConfigMap");
            const config = parseAlloy(String(Object.entries(rec(cm.data)).find(([k]) => k.endsWith(".alloy"))?.[1]));
            const stream = (namespace: string) => ({ cluster: "c", namespace, pod: "p", container: "c", app: "a", job: `${namespace}/c` });
            const { teams } = stack.settings.alerting;
            for (const t of teams) for (const ns of t.namespaces) assert.equal(tenantOf(config, stream(ns)), t.name, ns);
            for (const ns of [loki.namespace, alloy.namespace, "kube-system", "no-team-owns-this"]) assert.equal(tenantOf(config, stream(ns)), stack.settings.logs.tenantId, ns);
            const runtime = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${loki.fullname}-runtime`);
            assert.ok(runtime, "the runtime overrides ConfigMap");
            const overrides = rec(rec(YAML.parse(String(rec(runtime.data)["runtime-config.yaml"]))).overrides);
            const limited = Object.entries(stack.settings.logs.teamLimits).filter(([, l]) => Object.keys(l).length > 0);
            assert.deepEqual(Object.keys(overrides).sort(), limited.map(([team]) => team).sort());
        });

        it("Loki and Alloy request at most a third of the nodes' allocatable memory", function () {
            const plan = nodePlan(stack.graph.resources);
            if (plan?.allocatable === undefined) {
                assert.ok(stack.settings.cluster.existing || stack.settings.cluster.kubeconfig, "only a brought cluster or one by kubeconfig has no node groups of ours");
                return;
            }
            const logs = stack.workloads().filter((w) => w.release === loki.release || w.release === alloy.release);
            const f = footprint(logs, plan.nodes);
            assert.ok(f.memoryMiB <= plan.allocatable.memoryMiB / 3, `${Math.round(f.memoryMiB)}Mi of ${Math.round(plan.allocatable.memoryMiB)}Mi allocatable`);
        });
    });
}
