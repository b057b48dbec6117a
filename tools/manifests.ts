/**
 * The real `helm template` of every Helm release in a recorded run, with exactly the values the
 * program passes (secrets redacted to `[secret]`, as render writes them), in the release's
 * namespace, plus the platform footprint computed from those manifests.
 */
import type { Settings } from "../config";
import { EKS_ADDON_REQUESTS, nodeAllocatable } from "../components/aws/instance-types";
import { type Footprint, type Workload, configReloaderResources, footprint, workloadsOf } from "./footprint";
import { type K8sObject, Unavailable, chartKeyOf, helmTemplate, parseManifests } from "./helm";
import { type RecordedResource, redactSecrets } from "./mock-run";

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
export const NODE_GROUP_TYPE = "aws:eks/nodeGroup:NodeGroup";

/** One release as rendered. */
export interface RenderedRelease {
    readonly release: string;
    readonly namespace: string;
    readonly chart: string;
    readonly version: string;
    /** `helm template` output. */
    readonly text: string;
    readonly objects: readonly K8sObject[];
}

/** Every release rendered, or why none could be. */
export type RenderedManifests = { readonly ok: true; readonly releases: readonly RenderedRelease[] } | { readonly ok: false; readonly reason: string };

/** Render every Helm release of the run. Unavailable Helm/charts: `ok: false` with the reason; a chart refusing the values rejects. */
export async function renderManifests(resources: readonly RecordedResource[], settings: Settings): Promise<RenderedManifests> {
    try {
        const releases = await Promise.all(
            resources
                .filter((x) => x.type === HELM_RELEASE_TYPE)
                .map(async (r): Promise<RenderedRelease> => {
                    const release = String(r.inputs.name);
                    const chart = String(r.inputs.chart);
                    const key = chartKeyOf(chart);
                    if (key === undefined) throw new Error(`release ${release}: chart ${chart} is not pinned in components/charts.ts`);
                    const namespace = String(r.inputs.namespace);
                    const values = redactSecrets(r.inputs.values ?? {});
                    const text = await helmTemplate({ release, chart: key, namespace, values, kubeVersion: settings.cluster.kubernetesVersion });
                    return { release, namespace, chart, version: String(r.inputs.version), text, objects: parseManifests(text) };
                }),
        );
        return { ok: true, releases };
    } catch (e) {
        if (e instanceof Unavailable) return { ok: false, reason: e.message };
        throw e;
    }
}

/** Every workload of the rendered releases (operator-made Prometheus/Alertmanager pods included). */
export function platformWorkloads(releases: readonly RenderedRelease[]): Workload[] {
    const reloader = releases.map((r) => configReloaderResources(r.objects)).find((x) => x !== undefined);
    return releases.flatMap((r) => workloadsOf(r.release, r.objects, reloader));
}

/** The nodes a created cluster starts with: every managed node group at its desired size. */
export interface NodePlan {
    /** Nodes in all groups (desiredSize summed). */
    readonly nodes: number;
    /** Allocatable of the smallest instance type of each group times its nodes; undefined when a type is unknown. */
    readonly allocatable?: { readonly cpuMillis: number; readonly memoryMiB: number };
}

export function nodePlan(resources: readonly RecordedResource[]): NodePlan | undefined {
    const groups = resources.filter((r) => r.type === NODE_GROUP_TYPE);
    if (groups.length === 0) return undefined;
    let nodes = 0;
    let cpuMillis = 0;
    let memoryMiB = 0;
    let known = true;
    for (const g of groups) {
        const desired = Number((g.inputs.scalingConfig as { desiredSize?: number } | undefined)?.desiredSize ?? 0);
        nodes += desired;
        const types = (g.inputs.instanceTypes as string[] | undefined) ?? [];
        const sizes = types.map(nodeAllocatable);
        if (sizes.length === 0 || sizes.some((s) => s === undefined)) {
            known = false;
            continue;
        }
        // Spot or on-demand may hand out any listed type: count the smallest.
        cpuMillis += desired * Math.min(...sizes.map((s) => s?.cpuMillis ?? 0));
        memoryMiB += desired * Math.min(...sizes.map((s) => s?.memoryMiB ?? 0));
    }
    return known ? { nodes, allocatable: { cpuMillis, memoryMiB } } : { nodes };
}

/** The platform's requests plus the EKS add-ons' on `nodes` nodes. */
export function withAddons(f: Footprint, nodes: number): { cpuMillis: number; memoryMiB: number } {
    return {
        cpuMillis: f.cpuMillis + nodes * EKS_ADDON_REQUESTS.perNode.cpuMillis + EKS_ADDON_REQUESTS.perCluster.cpuMillis,
        memoryMiB: f.memoryMiB + nodes * EKS_ADDON_REQUESTS.perNode.memoryMiB + EKS_ADDON_REQUESTS.perCluster.memoryMiB,
    };
}

/** Summary lines: the platform's requests, and against the nodes when they are known. */
export function footprintLines(releases: readonly RenderedRelease[], plan: NodePlan | undefined): string[] {
    const nodes = plan?.nodes ?? 1;
    const f = footprint(platformWorkloads(releases), nodes);
    const fmt = (cpu: number, mem: number): string => `${(cpu / 1000).toFixed(2)} vCPU, ${(mem / 1024).toFixed(2)} GiB`;
    const lines = [
        `platform requests: ${fmt(f.cpuMillis, f.memoryMiB)}${plan ? ` (DaemonSets counted on ${nodes} nodes)` : " (DaemonSets counted once: per node on a brought cluster)"}`,
    ];
    for (const w of [...f.byWorkload].sort((a, b) => b.memoryMiB - a.memoryMiB)) {
        lines.push(`  ${w.workload.release}/${w.workload.kind}/${w.workload.name}: ${w.pods} pod(s), ${fmt(w.cpuMillis, w.memoryMiB)}`);
    }
    if (plan?.allocatable) {
        const total = withAddons(f, nodes);
        const a = plan.allocatable;
        lines.push(
            `with EKS add-ons: ${fmt(total.cpuMillis, total.memoryMiB)} of ${fmt(a.cpuMillis, a.memoryMiB)} allocatable on ${nodes} nodes ` +
                `(${Math.round((100 * total.cpuMillis) / a.cpuMillis)}% CPU, ${Math.round((100 * total.memoryMiB) / a.memoryMiB)}% memory)`,
        );
    }
    return lines;
}
