/**
 * Pod Security Admission: every platform namespace carries the labels, enforces the strictest level
 * its pods pass (checked against the Pod Security Standards, test/support/pod-security.ts), and
 * every pod the real Helm renders passes the level its namespace enforces, on every stack.
 */
import assert from "node:assert/strict";
import type { Workload } from "../tools/footprint";
import { type PodSecurityLevel, podSecurityViolations } from "./support/pod-security";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const LEVELS: readonly PodSecurityLevel[] = ["restricted", "baseline", "privileged"];

/**
 * The pod a workload makes. Prometheus and Alertmanager pods are built by the operator: the custom
 * resource's securityContext becomes the pod's, its own containers get the operator's fixed
 * container securityContext (no privilege escalation, read-only root, every capability dropped) and
 * its volumes are Secrets, ConfigMaps, projected, emptyDir and the PVC template; containers the
 * resource lists are merged into them.
 */
function podOf(w: Workload): Rec {
    if (w.kind !== "Prometheus" && w.kind !== "Alertmanager") return w.podSpec;
    const operatorContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
    const main = w.kind === "Prometheus" ? "prometheus" : "alertmanager";
    const own = ((w.podSpec.containers as Rec[] | undefined) ?? []).map((c) => ({ ...c, securityContext: { ...operatorContainer, ...rec(c.securityContext) } }));
    return {
        securityContext: w.podSpec.securityContext,
        containers: [{ name: main, securityContext: operatorContainer }, { name: "config-reloader", securityContext: operatorContainer }, ...own],
        volumes: w.podSpec.volumes ?? [],
    };
}

/** Namespace name -> its labels, from the program's own Namespace objects. */
function namespaceLabels(stack: RenderedStack): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const ns of stack.graph.byType("kubernetes:core/v1:Namespace")) {
        const meta = rec(stack.graph.inputs(ns).metadata);
        out.set(String(meta.name), rec(meta.labels) as Record<string, string>);
    }
    return out;
}

for (const name of STACK_NAMES) {
    describe(`pod security (${name})`, function () {
        let stack: RenderedStack;
        let labels: Map<string, Record<string, string>>;
        before(async function () {
            stack = await renderedStack(this, name);
            labels = namespaceLabels(stack);
        });

        it("labels every namespace the platform creates: enforce a level, warn and audit at restricted", () => {
            assert.ok(labels.size >= 3, [...labels.keys()].join(", "));
            for (const [ns, l] of labels) {
                assert.ok(LEVELS.includes(l["pod-security.kubernetes.io/enforce"] as PodSecurityLevel), `${ns}: ${JSON.stringify(l)}`);
                assert.equal(l["pod-security.kubernetes.io/warn"], "restricted", ns);
                assert.equal(l["pod-security.kubernetes.io/audit"], "restricted", ns);
            }
        });

        it("runs every rendered pod in a platform namespace whose enforced level it passes", () => {
            const failures: string[] = [];
            for (const w of stack.workloads()) {
                const level = labels.get(w.namespace)?.["pod-security.kubernetes.io/enforce"] as PodSecurityLevel | undefined;
                if (level === undefined) {
                    failures.push(`${w.kind} ${w.name}: namespace ${w.namespace} is not one the platform labels`);
                    continue;
                }
                for (const v of podSecurityViolations(podOf(w), level)) failures.push(`${w.kind} ${w.namespace}/${w.name} (${level}): ${v}`);
            }
            assert.deepEqual(failures, []);
        });

        it("enforces the strictest level each namespace's pods pass, and confines privileged to the node agents", () => {
            for (const [ns, l] of labels) {
                const level = l["pod-security.kubernetes.io/enforce"] as PodSecurityLevel;
                const pods = stack.workloads().filter((w) => w.namespace === ns);
                const stricter = LEVELS[LEVELS.indexOf(level) - 1];
                if (stricter === undefined) continue;
                // A looser level than needed would let a new, worse pod in unnoticed.
                const needing = pods.filter((w) => podSecurityViolations(podOf(w), stricter).length > 0).map((w) => w.name);
                assert.ok(needing.length > 0, `${ns} enforces ${level} although every pod passes ${stricter}`);
            }
            const privileged = stack.workloads().filter((w) => labels.get(w.namespace)?.["pod-security.kubernetes.io/enforce"] === "privileged");
            assert.deepEqual(privileged.map((w) => `${w.kind}/${w.name}`).sort(), ["DaemonSet/alloy", "DaemonSet/kube-prometheus-stack-prometheus-node-exporter"]);
        });
    });
}
