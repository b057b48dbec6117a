import assert from "node:assert/strict";
import { alloy, kps, loki, thanos } from "../components/endpoints";
import { type RecordedResource, revealSecrets } from "../tools/mock-run";
import { type Graph, runStack } from "./support/graph";

const T = {
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
    release: "kubernetes:helm.sh/v3:Release",
    namespace: "kubernetes:core/v1:Namespace",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    workloadRole: "plg:aws:WorkloadRole",
    customResource: (kind: string) => `kubernetes:monitoring.coreos.com/v1:${kind}`,
    /** Grafana's PostgreSQL (grafana.database rds, prod). */
    database: "aws:rds/instance:Instance",
} as const;

const CRDS_CHART = "prometheus-operator-crds";

/**
 * Typical minutes to create (AWS and Helm experience, not the code's timeouts); everything else ~0.
 * Grafana's RDS PostgreSQL (prod): 10-20 minutes, Multi-AZ at the upper end.
 */
const MINUTES: Record<string, number> = { [T.cluster]: 10, [T.nodeGroup]: 3, [T.addon]: 1.5, [T.database]: 15 };

/**
 * Typical minutes for a release (Helm waits for its workloads) to be ready, by chart. The CRDs
 * release only applies CRDs. A new chart must be given its time here.
 */
const RELEASE_MINUTES: Record<string, number> = {
    [CRDS_CHART]: 0.5,
    alloy: 2,
    "aws-load-balancer-controller": 2,
    "kube-prometheus-stack": 5,
    loki: 6,
    thanos: 3,
};

/** Add-ons after the nodes that a release truly needs before Helm sees it ready, and why. */
const NEEDED_BY_RELEASES: Record<string, string> = {
    "aws-ebs-csi-driver": "binds the releases' PVCs",
    coredns: "resolves service names: Loki's memberlist ring and gateway, Grafana's datasources",
};

function minutes(r: RecordedResource): number {
    if (r.type !== T.release) return MINUTES[r.type] ?? 0;
    const typical = RELEASE_MINUTES[String(r.inputs.chart)];
    if (typical === undefined) throw new Error(`no typical time for chart ${String(r.inputs.chart)}: add it to RELEASE_MINUTES`);
    return typical;
}

const chartOf = (r: RecordedResource) => String(r.inputs.chart);
const isRelease = (r: RecordedResource) => r.type === T.release;

function kind(r: RecordedResource): string {
    if (r.type === T.cluster) return "cluster";
    if (r.type === T.nodeGroup) return "nodes";
    if (r.type === T.addon) return `addon:${String(r.inputs.addonName)}`;
    if (isRelease(r)) return chartOf(r) === CRDS_CHART ? "crds" : "release";
    return r.type;
}

/** Every `key: value` pair anywhere in a JSON-like value. */
function* entries(v: unknown): Generator<[string, unknown]> {
    if (Array.isArray(v)) for (const x of v) yield* entries(x);
    else if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v)) {
            yield [k, x];
            yield* entries(x);
        }
    }
}

for (const stack of ["dev", "prod"] as const) {
    describe(`deploy critical path (${stack})`, () => {
        let g: Graph;
        let releases: RecordedResource[];
        const release = (name: string) => {
            const r = releases.find((x) => x.inputs.name === name);
            if (!r) throw new Error(`no release ${name}`);
            return r;
        };
        before(async () => {
            g = await runStack(stack);
            releases = g.byType(T.release);
        });

        it("has no Helm release wait for another slow release; only the CRDs release comes first", () => {
            for (const r of releases) {
                const before = [...g.waitsFor(r)].filter((x) => isRelease(x) && chartOf(x) !== CRDS_CHART);
                assert.deepEqual(before.map(chartOf), [], `${chartOf(r)} waits for another release`);
            }
        });

        it("starts Alloy once its namespace and the CRDs of its ServiceMonitor exist, not after Loki", () => {
            const waits = g.waitsFor(release(alloy.release));
            assert.ok(!waits.has(release(loki.release)), "Alloy must not wait for the Loki release");
            const ns = g.byType(T.namespace).find((n) => (revealSecrets(n.inputs.metadata) as { name?: string }).name === alloy.namespace);
            assert.ok(ns && waits.has(ns), `Alloy waits for the ${alloy.namespace} namespace`);
            assert.ok(waits.has(release(kps.crdsRelease)), "Alloy waits for the monitoring CRDs");
        });

        it("lets the Loki workload role wait for the cluster only, not for node groups or add-ons", () => {
            const component = g.one(T.workloadRole, "-loki");
            const parts = g.resources.filter((r) => r.parent === component.name);
            assert.ok(parts.length >= 2, "the role and its policy");
            for (const part of parts) {
                const slow = [...g.waitsFor(part)].filter((x) => x.type === T.nodeGroup || x.type === T.addon).map((x) => x.name);
                assert.deepEqual(slow, [], `${part.type} ${part.name} waits for nodes or add-ons`);
                assert.ok(g.waitsFor(part).has(g.one(T.cluster)), `${part.name} needs the cluster`);
            }
        });

        it("makes every release that claims volumes wait for the EBS CSI driver and the StorageClass", () => {
            const sc = g.one(T.storageClass);
            const scName = (sc.inputs.metadata as { name: string }).name;
            const ebs = g.byType(T.addon).find((a) => a.inputs.addonName === "aws-ebs-csi-driver");
            assert.ok(ebs);
            const claiming = releases.filter((r) =>
                [...entries(revealSecrets(r.inputs.values))].some(([k, v]) => /^storageClass(Name)?$/.test(k) && v === scName),
            );
            // Long-term metrics add the Thanos Compactor's and Store Gateway's volumes.
            const thanosOn = releases.some((r) => r.inputs.name === thanos.release);
            assert.deepEqual(
                claiming.map((r) => r.inputs.name).sort(),
                [kps.release, loki.release, ...(thanosOn ? [thanos.release] : [])].sort(),
                "Prometheus, Alertmanager, Loki (and Thanos) keep data on volumes",
            );
            for (const r of claiming) {
                assert.ok(g.waitsFor(r).has(ebs), `${chartOf(r)} creates PVCs: it needs the EBS CSI driver`);
                assert.ok(g.waitsFor(r).has(sc), `${chartOf(r)} creates PVCs of ${scName}`);
            }
        });

        it("makes everything that creates a ServiceMonitor or PrometheusRule wait for the CRDs release", () => {
            const crds = release(kps.crdsRelease);
            const monitored = releases.filter(
                (r) => chartOf(r) === "kube-prometheus-stack" || [...entries(revealSecrets(r.inputs.values))].some(([k, v]) => k === "serviceMonitor" && (v as { enabled?: unknown })?.enabled === true),
            );
            const objects = [...g.byType(T.customResource("ServiceMonitor")), ...g.byType(T.customResource("PrometheusRule"))];
            assert.ok(monitored.length >= 3, "kube-prometheus-stack, Loki and Alloy create ServiceMonitors");
            for (const r of [...monitored, ...objects]) assert.ok(g.waitsFor(r).has(crds), `${r.name} needs the CRDs`);
        });

        it("creates Grafana's database (prod) alongside the cluster: the RDS instance waits for no EKS resource", () => {
            const dbs = g.byType(T.database);
            assert.equal(dbs.length, stack === "prod" ? 1 : 0);
            for (const db of dbs) {
                const eks = [...g.waitsFor(db)].filter((x) => x.type.startsWith("aws:eks/")).map((x) => `${x.type} ${x.name}`);
                assert.deepEqual(eks, [], "the database would start only once the cluster exists");
            }
        });

        it("holds the critical path to cluster -> nodes -> (an add-on a release needs) -> the slowest release", () => {
            const { path, total } = g.criticalPath(minutes);
            const timed = path.filter((r) => minutes(r) > 0);
            const shape = timed.map(kind).join(" -> ");
            // Add-ons before the nodes are the ones nodes need to become Ready (the CNI); the CRDs release is fast.
            assert.match(shape, /^cluster( -> addon:[\w-]+)* -> nodes( -> addon:[\w-]+)?( -> crds)? -> release$/, shape);
            const last = timed[timed.length - 1] as RecordedResource;
            assert.equal(minutes(last), Math.max(...releases.map(minutes)), `the path ends at ${chartOf(last)}, not the slowest release`);
            const afterNodes = timed.slice(timed.findIndex((r) => r.type === T.nodeGroup) + 1).filter((r) => r.type === T.addon);
            for (const a of afterNodes) {
                const name = String(a.inputs.addonName);
                assert.ok(name in NEEDED_BY_RELEASES, `${chartOf(last)} does not need ${name}`);
            }
            assert.equal(total, timed.reduce((sum, r) => sum + minutes(r), 0));
        });
    });
}
