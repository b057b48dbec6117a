/**
 * What the platform will ask the scheduler for, known before anything is created: the Helm values
 * the components pass (the same pure builders), read the way each chart turns them into pods.
 * render's footprint reads the real `helm template` output instead; a test holds the two equal for
 * every stack, so this estimate cannot drift from what the charts do. Used to refuse node groups
 * the platform cannot fit on.
 */
import { type Settings, clusterNameOf, installsLoadBalancerController } from "../config";
import { EKS_ADDON_REQUESTS, nodeAllocatable } from "./aws/instance-types";
import { loadBalancerControllerValues } from "./aws/load-balancer-controller";
import { alloyValues } from "./k8s/collector";
import { otlpGatewayValues } from "./k8s/collector/otlp-gateway";
import { lokiValuesInput } from "./k8s/logs";
import { buildLokiValues } from "./k8s/logs/values";
import { kpsValuesInput } from "./k8s/metrics";
import { buildKubePrometheusStackValues } from "./k8s/metrics/values";
import { thanosValuesInput } from "./k8s/thanos";
import { buildThanosValues } from "./k8s/thanos/values";
import { cpuQuantityMillis, memoryQuantityMiB } from "./quantities";

/** CPU and memory requests. */
export interface Requests {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
}

/** Pods of one workload as a chart would create them. */
export interface PodGroup {
    /** `<release>/<workload>`, for messages. */
    readonly name: string;
    /** Pods, or one per node. */
    readonly replicas: number | "perNode";
    /** One pod's requests (containers summed; an init container counted when it is larger). */
    readonly pod: Requests;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});

function requestsOf(resources: unknown): Requests {
    const r = rec(rec(resources).requests);
    return {
        cpuMillis: typeof r.cpu === "string" || typeof r.cpu === "number" ? cpuQuantityMillis(r.cpu) : 0,
        memoryMiB: typeof r.memory === "string" || typeof r.memory === "number" ? memoryQuantityMiB(r.memory) : 0,
    };
}

/** Containers summed; an init container (run before them, alone) counts when it is larger. */
function pod(containers: readonly Requests[], init: readonly Requests[] = []): Requests {
    const sum = (pick: (r: Requests) => number): number => containers.reduce((n, c) => n + pick(c), 0);
    const max = (pick: (r: Requests) => number): number => Math.max(0, ...init.map(pick));
    return { cpuMillis: Math.max(sum((c) => c.cpuMillis), max((c) => c.cpuMillis)), memoryMiB: Math.max(sum((c) => c.memoryMiB), max((c) => c.memoryMiB)) };
}

const num = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);

/** kube-prometheus-stack: Prometheus and Alertmanager (operator-made, config-reloader sidecar and init), operator, kube-state-metrics, Grafana, node-exporter. */
function kpsPods(values: Rec): PodGroup[] {
    const reloader = requestsOf(rec(rec(values.prometheusOperator).prometheusConfigReloader).resources);
    const prom = rec(rec(values.prometheus).prometheusSpec);
    const am = rec(rec(values.alertmanager).alertmanagerSpec);
    const grafana = rec(values.grafana);
    const sidecar = requestsOf(rec(grafana.sidecar).resources);
    return [
        // With long-term metrics the operator adds the Thanos sidecar (spec.thanos.resources).
        {
            name: "kube-prometheus-stack/prometheus",
            replicas: num(prom.replicas, 1),
            pod: pod([requestsOf(prom.resources), reloader, ...(prom.thanos !== undefined ? [requestsOf(rec(prom.thanos).resources)] : [])], [reloader]),
        },
        { name: "kube-prometheus-stack/alertmanager", replicas: num(am.replicas, 1), pod: pod([requestsOf(am.resources), reloader], [reloader]) },
        { name: "kube-prometheus-stack/operator", replicas: 1, pod: pod([requestsOf(rec(values.prometheusOperator).resources)]) },
        { name: "kube-prometheus-stack/kube-state-metrics", replicas: 1, pod: pod([requestsOf(rec(values["kube-state-metrics"]).resources)]) },
        // Grafana runs its dashboards and datasources sidecars beside it.
        { name: "kube-prometheus-stack/grafana", replicas: num(grafana.replicas, 1), pod: pod([requestsOf(grafana.resources), sidecar, sidecar], [requestsOf(rec(grafana.initChownData).resources)]) },
        { name: "kube-prometheus-stack/node-exporter", replicas: "perNode", pod: pod([requestsOf(rec(values["prometheus-node-exporter"]).resources)]) },
    ];
}

/** The Loki workload sections of the chart's values (the single binary, scalable targets, microservices). */
const LOKI_WORKLOADS = ["singleBinary", "read", "write", "backend", "ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "compactor", "indexGateway", "ruler"] as const;

/** Loki: its workloads, the gateway (with its access-log exporter), the memcached caches (requests derived from their size, plus exporter). */
function lokiPods(values: Rec): PodGroup[] {
    const groups: PodGroup[] = [];
    for (const key of LOKI_WORKLOADS) {
        const section = rec(values[key]);
        const replicas = num(section.replicas, 0);
        if (replicas > 0) groups.push({ name: `loki/${key}`, replicas, pod: pod([requestsOf(section.resources)]) });
    }
    const gateway = rec(values.gateway);
    if (gateway.enabled !== false) {
        groups.push({ name: "loki/gateway", replicas: num(gateway.replicas, 1), pod: pod([requestsOf(gateway.resources), requestsOf(rec(gateway.metrics).resources)]) });
    }
    const exporter = requestsOf(rec(values.memcachedExporter).resources);
    for (const key of ["chunksCache", "resultsCache"]) {
        const cache = rec(values[key]);
        if (cache.enabled === false) continue;
        // The chart's memcached template: request (and limit) round(allocatedMemory * 1.2) MiB and allocatedCPU.
        const memcached = { cpuMillis: cpuQuantityMillis(String(cache.allocatedCPU)), memoryMiB: Math.round(num(cache.allocatedMemory, 0) * 1.2) };
        groups.push({ name: `loki/${key}`, replicas: num(cache.replicas, 1), pod: pod([memcached, exporter]) });
    }
    return groups;
}

/** Alloy: one pod per node, Alloy and its config-reloader. */
function alloyPods(values: Rec): PodGroup[] {
    return [{ name: "alloy/alloy", replicas: "perNode", pod: pod([requestsOf(rec(values.alloy).resources), requestsOf(rec(values.configReloader).resources)]) }];
}

/** The OTLP gateway (a second Alloy release, a Deployment): its replicas, Alloy and its config-reloader. */
function otlpGatewayPods(values: Rec | undefined): PodGroup[] {
    if (values === undefined) return [];
    const pods = pod([requestsOf(rec(values.alloy).resources), requestsOf(rec(values.configReloader).resources)]);
    return [{ name: "alloy-otlp/alloy", replicas: num(rec(values.controller).replicas, 1), pod: pods }];
}

/** Thanos: Query, Query Frontend and Store Gateway (replicas), the Compactor (a singleton StatefulSet). */
function thanosPods(values: Rec): PodGroup[] {
    return (["query", "queryFrontend", "storeGateway", "compact"] as const)
        .map((key) => ({ key, section: rec(values[key]) }))
        .filter(({ section }) => section.enabled === true)
        .map(({ key, section }) => ({ name: `thanos/${key}`, replicas: key === "compact" ? 1 : num(section.replicas, 1), pod: pod([requestsOf(section.resources)]) }));
}

/** Every pod group of the platform for these settings. */
export function platformPods(settings: Settings): PodGroup[] {
    const storageClass = "estimate";
    const kps = buildKubePrometheusStackValues(kpsValuesInput(settings, clusterNameOf(settings), storageClass)) as unknown as Rec;
    const loki = buildLokiValues(lokiValuesInput(settings, { chunksBucket: "estimate" }, storageClass));
    const lbcValues = installsLoadBalancerController(settings) ? loadBalancerControllerValues(settings, clusterNameOf(settings), "estimate") : undefined;
    const lbcPods: PodGroup[] = lbcValues
        ? [{ name: "aws-load-balancer-controller/controller", replicas: num(lbcValues.replicaCount, 1), pod: pod([requestsOf(lbcValues.resources)]) }]
        : [];
    const thanos = settings.metrics.longTerm.enabled ? thanosPods(buildThanosValues(thanosValuesInput(settings, storageClass, { storeGateway: {}, compactor: {} }))) : [];
    return [...kpsPods(kps), ...lokiPods(loki), ...alloyPods(alloyValues(settings)), ...otlpGatewayPods(otlpGatewayValues(settings)), ...lbcPods, ...thanos];
}

/** Total requests of the pod groups on a cluster of `nodes` nodes. */
export function totalRequests(groups: readonly PodGroup[], nodes: number): Requests {
    let cpuMillis = 0;
    let memoryMiB = 0;
    for (const g of groups) {
        const n = g.replicas === "perNode" ? nodes : g.replicas;
        cpuMillis += n * g.pod.cpuMillis;
        memoryMiB += n * g.pod.memoryMiB;
    }
    return { cpuMillis, memoryMiB };
}

/** The platform's and the EKS add-ons' requests on `nodes` nodes. */
export function requestsWithAddons(groups: readonly PodGroup[], nodes: number): Requests {
    const t = totalRequests(groups, nodes);
    return {
        cpuMillis: t.cpuMillis + nodes * EKS_ADDON_REQUESTS.perNode.cpuMillis + EKS_ADDON_REQUESTS.perCluster.cpuMillis,
        memoryMiB: t.memoryMiB + nodes * EKS_ADDON_REQUESTS.perNode.memoryMiB + EKS_ADDON_REQUESTS.perCluster.memoryMiB,
    };
}

/**
 * What the platform may request on a cluster by kubeconfig (kind, k3d, Docker Desktop on a laptop):
 * one node, with 4 GiB of memory requests in total (README "Try it locally"), so it starts on a
 * machine that gives Docker 8 GiB beside the cluster's own components.
 */
export const LOCAL_BUDGET: Requests = { cpuMillis: 3000, memoryMiB: 4096 };

/** A cluster by kubeconfig: its nodes are not known, so the platform on one node must stay within LOCAL_BUDGET. */
function localCapacityReport(settings: Settings): CapacityReport {
    const groups = platformPods(settings);
    const total = totalRequests(groups, 1);
    if (total.cpuMillis <= LOCAL_BUDGET.cpuMillis && total.memoryMiB <= LOCAL_BUDGET.memoryMiB) return { problems: [], warnings: [] };
    const biggest = [...groups]
        .sort((a, b) => b.pod.memoryMiB - a.pod.memoryMiB)
        .slice(0, 3)
        .map((g) => `${g.name} ${fmt(totalRequests([g], 1))}`)
        .join(", ");
    return {
        problems: [
            `plg-observability:cluster.kubeconfig: the platform requests ${fmt(total)} on one node (largest: ${biggest}); expected at most ${fmt(LOCAL_BUDGET)} on a local cluster — lower metrics.resources, logs.caches or otlp.resources`,
        ],
        warnings: [],
    };
}

/** Share of allocatable the platform may request: the rest is headroom for spikes, rollouts and a lost node. */
export const HEADROOM_SHARE = 0.8;

/** Problems (refuse) and warnings of a stack's node capacity against what the platform requests. */
export interface CapacityReport {
    readonly problems: string[];
    readonly warnings: string[];
}

const fmt = (r: Requests): string => `${(r.cpuMillis / 1000).toFixed(2)} vCPU and ${(r.memoryMiB / 1024).toFixed(1)} GiB`;

/**
 * Whether the created cluster's node groups can hold the platform: every pod must fit on a node,
 * the whole platform (with the EKS add-ons) must fit the nodes at maxSize, and should fit the
 * nodes it starts with (desiredSize) with 20% headroom — refused in prod, warned in dev, where a
 * tight cluster is a cost choice. A brought cluster's nodes are not known: nothing to check.
 */
export function capacityReport(settings: Settings): CapacityReport {
    const problems: string[] = [];
    const warnings: string[] = [];
    if (settings.cluster.kubeconfig) return localCapacityReport(settings);
    if (settings.cluster.existing) return { problems, warnings };
    const key = "plg-observability:cluster.nodeGroups";
    const zones = settings.network.mode === "create" ? settings.network.azCount : settings.network.privateSubnetIds.length;
    let desiredNodes = 0;
    let maxNodes = 0;
    const desired = { cpuMillis: 0, memoryMiB: 0 };
    const atMax = { cpuMillis: 0, memoryMiB: 0 };
    let largestNode = { cpuMillis: 0, memoryMiB: 0 };
    const unknown: string[] = [];
    for (const g of settings.cluster.nodeGroups) {
        const perGroup = g.placement === "perZone" ? zones : 1;
        const sizes = g.instanceTypes.map((t) => nodeAllocatable(t));
        if (sizes.some((s) => s === undefined)) {
            unknown.push(...g.instanceTypes.filter((_, i) => sizes[i] === undefined));
            continue;
        }
        // Any listed type may be handed out: count the smallest.
        const cpu = Math.min(...sizes.map((s) => s?.cpuMillis ?? 0));
        const mem = Math.min(...sizes.map((s) => s?.memoryMiB ?? 0));
        desiredNodes += g.desiredSize * perGroup;
        maxNodes += g.maxSize * perGroup;
        desired.cpuMillis += g.desiredSize * perGroup * cpu;
        desired.memoryMiB += g.desiredSize * perGroup * mem;
        atMax.cpuMillis += g.maxSize * perGroup * cpu;
        atMax.memoryMiB += g.maxSize * perGroup * mem;
        if (cpu > largestNode.cpuMillis || mem > largestNode.memoryMiB) largestNode = { cpuMillis: Math.max(cpu, largestNode.cpuMillis), memoryMiB: Math.max(mem, largestNode.memoryMiB) };
    }
    if (unknown.length > 0) {
        warnings.push(`${key}: the capacity of ${[...new Set(unknown)].join(", ")} is not known to this program (components/aws/instance-types.ts); expected node groups whose allocatable CPU and memory can be checked, so their fit is not verified`);
        return { problems, warnings };
    }
    const groups = platformPods(settings);
    for (const g of groups) {
        if (g.pod.cpuMillis > largestNode.cpuMillis || g.pod.memoryMiB > largestNode.memoryMiB) {
            problems.push(`${key}: a ${g.name} pod requests ${fmt(g.pod)}; expected a node that holds it, given nodes of at most ${fmt(largestNode)} allocatable`);
        }
    }
    const needAtMax = requestsWithAddons(groups, maxNodes);
    if (needAtMax.cpuMillis > atMax.cpuMillis || needAtMax.memoryMiB > atMax.memoryMiB) {
        problems.push(`${key}: the platform and the EKS add-ons request ${fmt(needAtMax)}; expected node groups that hold it at maxSize, given ${maxNodes} nodes with ${fmt(atMax)} allocatable`);
    }
    const need = requestsWithAddons(groups, desiredNodes);
    if (need.cpuMillis > HEADROOM_SHARE * desired.cpuMillis || need.memoryMiB > HEADROOM_SHARE * desired.memoryMiB) {
        const biggest = [...groups]
            .map((g) => ({ g, total: totalRequests([g], desiredNodes) }))
            .sort((a, b) => b.total.memoryMiB - a.total.memoryMiB)
            .slice(0, 3)
            .map(({ g, total }) => `${g.name} ${fmt(total)}`)
            .join(", ");
        const message = `${key}: the platform and the EKS add-ons request ${fmt(need)} (largest: ${biggest}); expected at most ${Math.round(HEADROOM_SHARE * 100)}% of what the nodes start with, given ${desiredNodes} nodes (desiredSize) with ${fmt(desired)} allocatable — raise desiredSize, use larger instance types, or lower replicas and sizes`;
        if (settings.environment === "prod") problems.push(message);
        else warnings.push(message);
    }
    return { problems, warnings };
}
