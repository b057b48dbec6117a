/**
 * What the platform asks the scheduler for, read from the rendered manifests (real `helm template`
 * output): every pod template's requests times its replicas, DaemonSets once per node. Pure.
 *
 * Prometheus and Alertmanager pods are not in the manifests: the operator creates them from the
 * Prometheus/Alertmanager custom resources, adding a config-reloader sidecar (and the same as an
 * init container) sized by the operator's `--config-reloader-*` flags. They are counted from the
 * custom resources and those flags, as the operator builds them.
 */
import type { K8sObject } from "./helm";
import { cpuQuantityMillis, memoryQuantityMiB } from "../components/quantities";

/** Requests (and limits) of one container. */
export interface ContainerResources {
    readonly cpuRequestMillis?: number;
    readonly memoryRequestMiB?: number;
    readonly memoryLimitMiB?: number;
}

/** A container of a pod the platform runs. */
export interface PodContainer extends ContainerResources {
    readonly name: string;
    /** Image reference (registry/repository:tag[@digest]). */
    readonly image: string;
    /** Regular container, init container, or an init container running as a sidecar (restartPolicy Always). */
    readonly role: "main" | "init" | "sidecar";
}

/** A workload: something that runs `replicas` pods (or one per node). */
export interface Workload {
    /** Helm release it came from. */
    readonly release: string;
    /** Deployment, StatefulSet, DaemonSet, Prometheus, Alertmanager; Job and Pod (hooks: transient). */
    readonly kind: string;
    readonly name: string;
    readonly namespace: string;
    /** Pods; "perNode" for a DaemonSet. */
    readonly replicas: number | "perNode";
    readonly containers: readonly PodContainer[];
    /** The pod spec as rendered (for further assertions), or the custom resource's spec. */
    readonly podSpec: Record<string, unknown>;
}

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {};
}

function list(v: unknown): Rec[] {
    return Array.isArray(v) ? v.map(rec) : [];
}

/** Requests/limits of a Kubernetes `resources` block. */
export function resourcesOf(resources: unknown): ContainerResources {
    const requests = rec(rec(resources).requests);
    const limits = rec(rec(resources).limits);
    const q = (v: unknown, parse: (x: string | number) => number): number | undefined =>
        typeof v === "string" || typeof v === "number" ? parse(v) : undefined;
    const out: { cpuRequestMillis?: number; memoryRequestMiB?: number; memoryLimitMiB?: number } = {};
    const cpu = q(requests.cpu, cpuQuantityMillis);
    const mem = q(requests.memory, memoryQuantityMiB);
    const memLimit = q(limits.memory, memoryQuantityMiB);
    if (cpu !== undefined) out.cpuRequestMillis = cpu;
    if (mem !== undefined) out.memoryRequestMiB = mem;
    if (memLimit !== undefined) out.memoryLimitMiB = memLimit;
    return out;
}

function containersOf(podSpec: Rec): PodContainer[] {
    return [
        ...list(podSpec.containers).map((c) => ({ c, role: "main" as const })),
        ...list(podSpec.initContainers).map((c) => ({ c, role: c.restartPolicy === "Always" ? ("sidecar" as const) : ("init" as const) })),
    ].map(({ c, role }) => ({ name: String(c.name), image: String(c.image ?? ""), role, ...resourcesOf(c.resources) }));
}

/** The operator's config-reloader sizing, from its Deployment's `--config-reloader-*` flags ("0" = none). */
export function configReloaderResources(objects: readonly K8sObject[]): ContainerResources | undefined {
    for (const o of objects) {
        if (o.kind !== "Deployment") continue;
        const containers = list(rec(rec(rec(o.spec).template).spec).containers);
        for (const c of containers) {
            const args = Array.isArray(c.args) ? c.args.map(String) : [];
            const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--config-reloader-${name}=`))?.split("=")[1];
            if (flag("cpu-request") === undefined) continue;
            const resources = {
                requests: { cpu: flag("cpu-request"), memory: flag("memory-request") },
                limits: { memory: flag("memory-limit") },
            };
            // The operator treats "0" as "unset".
            const clean = (v: string | undefined): string | undefined => (v === undefined || v === "0" ? undefined : v);
            return resourcesOf({
                requests: { cpu: clean(resources.requests.cpu), memory: clean(resources.requests.memory) },
                limits: { memory: clean(resources.limits.memory) },
            });
        }
    }
    return undefined;
}

/** Every workload of one release's manifests. `reloader` sizes the operator's sidecars (see configReloaderResources). */
export function workloadsOf(release: string, objects: readonly K8sObject[], reloader?: ContainerResources): Workload[] {
    const out: Workload[] = [];
    for (const o of objects) {
        const spec = rec(o.spec);
        const namespace = o.metadata.namespace ?? "";
        switch (o.kind) {
            case "Deployment":
            case "StatefulSet":
            case "DaemonSet":
            case "Job": {
                const podSpec = rec(rec(spec.template).spec);
                const replicas = o.kind === "DaemonSet" ? "perNode" : o.kind === "Job" ? 1 : typeof spec.replicas === "number" ? spec.replicas : 1;
                out.push({ release, kind: o.kind, name: o.metadata.name, namespace, replicas, containers: containersOf(podSpec), podSpec });
                break;
            }
            case "Pod":
                out.push({ release, kind: o.kind, name: o.metadata.name, namespace, replicas: 1, containers: containersOf(spec), podSpec: spec });
                break;
            case "Prometheus":
            case "Alertmanager": {
                const main = o.kind === "Prometheus" ? "prometheus" : "alertmanager";
                const containers: PodContainer[] = [
                    { name: main, image: String(spec.image ?? `${main} (operator default)`), role: "main", ...resourcesOf(spec.resources) },
                    { name: "config-reloader", image: "prometheus-config-reloader (operator)", role: "main", ...(reloader ?? {}) },
                    { name: "init-config-reloader", image: "prometheus-config-reloader (operator)", role: "init", ...(reloader ?? {}) },
                ];
                const thanos = rec(spec.thanos);
                if (o.kind === "Prometheus" && Object.keys(thanos).length > 0) {
                    containers.push({ name: "thanos-sidecar", image: String(thanos.image ?? "thanos (operator default)"), role: "main", ...resourcesOf(thanos.resources) });
                }
                out.push({ release, kind: o.kind, name: o.metadata.name, namespace, replicas: typeof spec.replicas === "number" ? spec.replicas : 1, containers, podSpec: spec });
                break;
            }
        }
    }
    return out;
}

/** What one pod asks the scheduler for: containers and sidecars summed, or the largest init container if larger. */
export function podRequests(w: Workload): { cpuMillis: number; memoryMiB: number } {
    const sum = (role: PodContainer["role"][], pick: (c: PodContainer) => number | undefined): number =>
        w.containers.filter((c) => role.includes(c.role)).reduce((n, c) => n + (pick(c) ?? 0), 0);
    const max = (pick: (c: PodContainer) => number | undefined): number =>
        Math.max(0, ...w.containers.filter((c) => c.role === "init").map((c) => pick(c) ?? 0));
    return {
        cpuMillis: Math.max(sum(["main", "sidecar"], (c) => c.cpuRequestMillis), max((c) => c.cpuRequestMillis)),
        memoryMiB: Math.max(sum(["main", "sidecar"], (c) => c.memoryRequestMiB), max((c) => c.memoryRequestMiB)),
    };
}

/** Total requests of a set of workloads on a cluster of `nodes` nodes. */
export interface Footprint {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
    /** Per workload, for the summary. */
    readonly byWorkload: readonly { readonly workload: Workload; readonly pods: number; readonly cpuMillis: number; readonly memoryMiB: number }[];
}

/** Kinds whose pods run only around an install or upgrade (Helm hooks): checked like the rest, not counted in the steady footprint. */
export const TRANSIENT_KINDS: readonly string[] = ["Job", "Pod"];

export function footprint(workloads: readonly Workload[], nodes: number): Footprint {
    const byWorkload = workloads.filter((w) => !TRANSIENT_KINDS.includes(w.kind)).map((workload) => {
        const pods = workload.replicas === "perNode" ? nodes : workload.replicas;
        const per = podRequests(workload);
        return { workload, pods, cpuMillis: pods * per.cpuMillis, memoryMiB: pods * per.memoryMiB };
    });
    return {
        cpuMillis: byWorkload.reduce((n, w) => n + w.cpuMillis, 0),
        memoryMiB: byWorkload.reduce((n, w) => n + w.memoryMiB, 0),
        byWorkload,
    };
}
