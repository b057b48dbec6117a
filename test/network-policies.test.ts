/**
 * Who talks to whom: the allowed (from, to, port) pairs derived from every NetworkPolicy the
 * cluster would get (the real `helm template` output plus the program's own objects), evaluated as
 * the NetworkPolicy spec says, against the pods the releases really run. Each flow the platform
 * needs is allowed; a sample of flows it does not need is denied.
 */
import assert from "node:assert/strict";
import { type Settings, installsLoadBalancerController } from "../config";
import { cidrContains, parseCidr } from "../config/validators";
import type { K8sObject } from "../tools/helm";
import type { Workload } from "../tools/footprint";
import { type RecordedResource, resourceKey, revealSecrets } from "../tools/mock-run";
import { type Graph, runStack } from "./support/graph";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";

type Rec = Record<string, unknown>;
type Labels = Record<string, string>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** A traffic source: a pod (namespace, labels, its VPC address) or an address outside any pod. */
interface Source {
    readonly what: string;
    readonly namespace?: string;
    readonly labels?: Labels;
    /** With the VPC CNI every pod has a VPC address too: ipBlocks match pods as well. */
    readonly ip: string;
}
/** A destination pod and its container ports. */
interface Destination {
    readonly what: string;
    readonly namespace: string;
    readonly labels: Labels;
    readonly ports: readonly { name?: string; port: number; protocol: string }[];
}

function matches(selector: Rec, labels: Labels): boolean {
    const ml = rec(selector.matchLabels) as Labels;
    const ok = Object.entries(ml).every(([k, v]) => labels[k] === v);
    return ok && list(selector.matchExpressions).length === 0;
}

function peerAllows(peer: Rec, policyNs: string, src: Source): boolean {
    if (peer.ipBlock !== undefined) {
        const block = rec(peer.ipBlock);
        const inside = cidrContains(String(block.cidr), `${src.ip}/32`);
        return inside && !((block.except as string[] | undefined) ?? []).some((e) => cidrContains(e, `${src.ip}/32`));
    }
    if (src.namespace === undefined || src.labels === undefined) return false;
    const nsLabels = { "kubernetes.io/metadata.name": src.namespace };
    const nsOk = peer.namespaceSelector === undefined ? src.namespace === policyNs : matches(rec(peer.namespaceSelector), nsLabels);
    const podOk = peer.podSelector === undefined ? true : matches(rec(peer.podSelector), src.labels);
    return nsOk && podOk;
}

function portAllows(rulePorts: Rec[] | undefined, dst: Destination, port: number, protocol: string): boolean {
    if (rulePorts === undefined || rulePorts.length === 0) return true;
    return rulePorts.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (typeof p.port === "number") return p.port === port || (typeof p.endPort === "number" && port >= p.port && port <= p.endPort);
        if (p.port === undefined) return true;
        return dst.ports.some((c) => c.name === p.port && c.port === port && c.protocol === protocol);
    });
}

/** Whether `src` may open `port`/`protocol` on `dst` under `policies` (the NetworkPolicy spec's semantics). */
function allowed(policies: readonly K8sObject[], src: Source, dst: Destination, port: number, protocol = "TCP"): boolean {
    const selecting = policies.filter((p) => {
        const spec = rec(p.spec);
        const types = (spec.policyTypes as string[] | undefined) ?? ["Ingress"];
        return p.metadata.namespace === dst.namespace && types.includes("Ingress") && matches(rec(spec.podSelector), dst.labels);
    });
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        list(rec(p.spec).ingress).some((rule) => {
            const from = list(rule.from);
            const fromOk = rule.from === undefined || from.some((peer) => peerAllows(peer, p.metadata.namespace ?? "", src));
            return fromOk && portAllows(rule.ports === undefined ? undefined : list(rule.ports), dst, port, protocol);
        }),
    );
}

/** Every NetworkPolicy of the stack: rendered by Helm and created by the program. */
function policiesOf(stack: RenderedStack): K8sObject[] {
    const rendered = stack.allObjects().filter((o) => o.kind === "NetworkPolicy");
    const own = stack.graph.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
        const inputs = revealSecrets(r.inputs) as Rec;
        return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: rec(inputs.metadata), spec: rec(inputs.spec) } as unknown as K8sObject;
    });
    return [...rendered, ...own];
}

/** Pod labels and ports of a workload (operator-made pods carry the operator's labels). */
function destinationOf(stack: RenderedStack, w: Workload): Destination {
    let labels: Labels;
    if (w.kind === "Prometheus" || w.kind === "Alertmanager") {
        labels = { ...(rec(rec(w.podSpec.podMetadata).labels) as Labels), "app.kubernetes.io/name": w.kind.toLowerCase(), "app.kubernetes.io/instance": w.name };
    } else {
        labels = rec(rec(rec(rec(stack.find(w.release, w.kind, w.name).spec).template).metadata).labels) as Labels;
    }
    const ports = list(w.podSpec.containers).flatMap((c) => list(c.ports).map((p) => ({ name: p.name as string | undefined, port: Number(p.containerPort), protocol: String(p.protocol ?? "TCP") })));
    return { what: `${w.kind}/${w.name}`, namespace: w.namespace, labels, ports };
}

/** An address inside `cidr`: its network address + 10 (an ALB node, an ENI or a pod there). */
function hostIn(cidr: string): string {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
    const n = parsed.base + 10;
    return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
}

/** The brought cluster's VPC: tools/mock-run.ts's answer to aws:ec2/getVpc (which of its subnets hold pods is not known). */
const MOCK_BROUGHT_VPC = "10.42.0.0/16";
/** kind's default pod subnet (kind "Configuration": networking.podSubnet); the API server calls from its Docker network. */
const KIND_POD_SUBNET = "10.244.0.0/16";
const KIND_NODE_NETWORK = "172.18.0.0/16";

/** CIDRs of the created subnets `r`'s input `property` names (through the subnets' ids). */
function subnetCidrs(stack: RenderedStack, r: RecordedResource, property: string): string[] {
    return (r.propertyDependencies[property] ?? []).map((key) => String(stack.graph.inputs(stack.graph.byKey(key)).cidrBlock));
}

/**
 * Where the cluster's pods get their addresses: with the VPC CNI, the subnets of their nodes
 * (a created cluster: the node groups' subnets; a brought one: somewhere in its VPC).
 */
function podSubnets(stack: RenderedStack): string[] {
    if (stack.settings.cluster.kubeconfig) return [KIND_POD_SUBNET];
    if (stack.settings.cluster.existing) return [MOCK_BROUGHT_VPC];
    const cidrs = stack.graph.byType("aws:eks/nodeGroup:NodeGroup").flatMap((g) => subnetCidrs(stack, g, "subnetIds"));
    assert.ok(cidrs.length > 0, "the node groups' subnets");
    return [...new Set(cidrs)];
}

/** Where the API server calls webhooks from: the control plane's ENIs in the cluster's subnets (EKS user guide, "Cluster VPC and subnet considerations"). */
function apiServerSubnets(stack: RenderedStack): string[] {
    const local = stack.settings.cluster.kubeconfig;
    if (local) return [local.apiServerCidr ?? KIND_NODE_NETWORK];
    if (stack.settings.cluster.existing) return [MOCK_BROUGHT_VPC];
    const cluster = stack.graph.one("aws:eks/cluster:Cluster");
    const cidrs = subnetCidrs(stack, cluster, "vpcConfig");
    assert.ok(cidrs.length > 0, "the cluster's subnets");
    return cidrs;
}

/**
 * Whether Grafana's load balancer may sit beside the pods, so its policy must admit the VPC (README
 * "Network policies", the known limit): an internal one (private subnets), or one on subnets found by
 * tag (an existing VPC, a brought cluster). Not when there is none (no hostname, a cluster by kubeconfig).
 */
function grafanaLoadBalancerBesidePods(s: Settings): boolean {
    if (s.grafana.hostname === undefined || s.cluster.kubeconfig) return false;
    return s.grafana.scheme === "internal" || s.cluster.existing !== undefined || s.network.mode === "existing";
}

/**
 * Where Grafana's load balancer's nodes (target-type ip) send from: with one beside the pods, any
 * subnet of the VPC (an address in the pods' subnets stands for them); otherwise the stacks here have none.
 */
function loadBalancerSubnets(stack: RenderedStack): string[] {
    return grafanaLoadBalancerBesidePods(stack.settings) ? podSubnets(stack) : [];
}

/**
 * Where a pod of any namespace gets in although the platform does not need it (README "Network
 * policies"): an ipBlock that must admit the real source also admits the pods sharing its addresses.
 * - Grafana 3000, when its load balancer may be beside the pods: its nodes (target-type ip) may be in
 *   any subnet of the VPC. Without a load balancer nobody but Prometheus reaches Grafana; an
 *   internet-facing one on the program's VPC is pinned to the public subnets, which hold no pods.
 * - The operator's webhook 10250 and the controller's 9443: the API server calls from the control
 *   plane's ENIs, which EKS places in the cluster's subnets, beside the pods; on a cluster by
 *   kubeconfig without cluster.kubeconfig.apiServerCidr, from an address nobody knows (any).
 */
function knownExceptions(stack: RenderedStack): string[] {
    const s = stack.settings;
    if (s.cluster.kubeconfig) return s.cluster.kubeconfig.apiServerCidr ? [] : ["Deployment/kps-operator:10250/TCP"];
    return [
        ...(grafanaLoadBalancerBesidePods(s) ? ["Deployment/grafana:3000/TCP"] : []),
        "Deployment/kps-operator:10250/TCP",
        ...(installsLoadBalancerController(s) ? ["Deployment/aws-load-balancer-controller:9443/TCP"] : []),
    ];
}

for (const name of STACK_NAMES) {
    describe(`network policies (${name})`, function () {
        let stack: RenderedStack;
        let policies: K8sObject[];
        const pod = (kind: string, workload: string): Destination => {
            const w = stack.workloads().find((x) => x.kind === kind && x.name === workload);
            if (!w) throw new Error(`${name}: no ${kind} ${workload}`);
            return destinationOf(stack, w);
        };
        /** A pod's address: in its node's subnet. */
        const podIp = (): string => hostIn(podSubnets(stack)[0] as string);
        const from = (d: Destination): Source => ({ what: d.what, namespace: d.namespace, labels: d.labels, ip: podIp() });
        /** A pod of an application namespace, addressed like every pod. */
        const appPod = (): Source => ({ what: "a pod in an app namespace", namespace: "shop", labels: { app: "shop" }, ip: podIp() });
        const lokiPods = (): Destination[] => stack.workloads().filter((w) => w.namespace === "logging").map((w) => destinationOf(stack, w));

        before(async function () {
            stack = await renderedStack(this, name);
            policies = policiesOf(stack);
            const defaultDeny = policies.find((p) => p.metadata.name === "default-deny-ingress");
            assert.ok(defaultDeny, "a default-deny policy");
        });

        it("denies ingress by default in every platform namespace", () => {
            const namespaces = new Set(stack.workloads().map((w) => w.namespace));
            for (const ns of namespaces) {
                const deny = policies.find((p) => p.metadata.namespace === ns && p.metadata.name === "default-deny-ingress");
                assert.deepEqual(rec(deny?.spec), { podSelector: {}, policyTypes: ["Ingress"] }, ns);
            }
        });

        it("allows every flow the platform needs", () => {
            const prometheus = pod("Prometheus", "kps-prometheus");
            const alertmanager = pod("Alertmanager", "kps-alertmanager");
            const grafana = pod("Deployment", "grafana");
            const alloy = pod("DaemonSet", "alloy");
            const gateway = pod("Deployment", "loki-gateway");
            const apiServer: Source[] = apiServerSubnets(stack).map((c) => ({ what: `the API server (${c})`, ip: hostIn(c) }));
            const loadBalancer: Source[] = loadBalancerSubnets(stack).map((c) => ({ what: `Grafana's load balancer (${c})`, ip: hostIn(c) }));
            const needed: [Source, Destination, number, string?][] = [
                [from(alloy), gateway, 8080],
                [from(grafana), prometheus, 9090],
                [from(grafana), gateway, 8080],
                [from(grafana), alertmanager, 9093],
                [from(prometheus), alertmanager, 9093],
                [from(alertmanager), alertmanager, 9094, "TCP"],
                [from(alertmanager), alertmanager, 9094, "UDP"],
                // Without a load balancer Grafana is reached by port-forward (through the kubelet: no policy applies).
                ...loadBalancer.map((lb) => [lb, grafana, 3000] as [Source, Destination, number]),
                ...apiServer.map((a) => [a, pod("Deployment", "kps-operator"), 10250] as [Source, Destination, number]),
                // Prometheus scrapes what it owns.
                [from(prometheus), prometheus, 9090],
                [from(prometheus), prometheus, 8080],
                [from(prometheus), alertmanager, 8080],
                [from(prometheus), grafana, 3000],
                [from(prometheus), pod("Deployment", "kube-prometheus-stack-kube-state-metrics"), 8080],
                [from(prometheus), pod("Deployment", "kps-operator"), 10250],
                [from(prometheus), alloy, 12345],
                [from(prometheus), pod("DaemonSet", "kube-prometheus-stack-prometheus-node-exporter"), 9100],
            ];
            // OpenTelemetry: any workload in any namespace to the OTLP gateway, which writes to every Prometheus and the Loki gateway.
            if (stack.settings.otlp.enabled) {
                const otlp = pod("Deployment", "alloy-otlp");
                needed.push([appPod(), otlp, 4317], [appPod(), otlp, 4318], [from(otlp), prometheus, 9090], [from(otlp), gateway, 8080], [from(prometheus), otlp, 12345]);
            }
            if (stack.settings.metrics.longTerm.enabled) {
                // Long-term metrics: Grafana -> Query Frontend -> Query -> each sidecar and the Store Gateway; Prometheus scrapes each.
                const frontend = pod("Deployment", "thanos-query-frontend");
                const query = pod("Deployment", "thanos-query");
                const store = pod("StatefulSet", "thanos-store-gateway");
                const compact = pod("StatefulSet", "thanos-compact");
                needed.push([from(grafana), frontend, 10902], [from(frontend), query, 10902], [from(query), prometheus, 10901], [from(query), store, 10901]);
                for (const t of [frontend, query, store, compact, prometheus]) needed.push([from(prometheus), t, 10902]);
            }
            for (const l of lokiPods()) {
                // The ruler (whichever Loki pod runs it) sends alerts; Prometheus scrapes every Loki pod.
                needed.push([from(l), alertmanager, 9093]);
                for (const p of l.ports.filter((x) => [3100, 4040, 9150].includes(x.port))) needed.push([from(prometheus), l, p.port]);
                // Loki's components among themselves, on every port they listen on.
                for (const other of lokiPods()) for (const p of other.ports) needed.push([from(l), other, p.port, p.protocol]);
            }
            const refused = needed.filter(([s, d, port, proto]) => !allowed(policies, s, d, port, proto ?? "TCP")).map(([s, d, port, proto]) => `${s.what} -> ${d.what}:${port}/${proto ?? "TCP"}`);
            assert.deepEqual(refused, []);
        });

        it("denies flows the platform does not need", () => {
            const app = appPod();
            const internet: Source = { what: "an address outside the VPC", ip: "198.51.100.7" };
            const alloy = from(pod("DaemonSet", "alloy"));
            const grafana = from(pod("Deployment", "grafana"));
            const alertmanager = pod("Alertmanager", "kps-alertmanager");
            const prometheus = pod("Prometheus", "kps-prometheus");
            const loki = lokiPods().find((l) => l.ports.some((p) => p.port === 3100)) as Destination;
            const unneeded: [Source, Destination, number, string?][] = [
                [app, alertmanager, 9093],
                [app, prometheus, 9090],
                [app, pod("Deployment", "loki-gateway"), 8080],
                [app, loki, 3100],
                [internet, pod("Deployment", "grafana"), 3000],
                // A cluster by kubeconfig without apiServerCidr: the API server's address is not known, so the webhook is open to any.
                ...(stack.settings.cluster.kubeconfig && !stack.settings.cluster.kubeconfig.apiServerCidr
                    ? []
                    : [[internet, pod("Deployment", "kps-operator"), 10250] as [Source, Destination, number]]),
                [alloy, alertmanager, 9093],
                [alloy, prometheus, 9090],
                [alloy, loki, 3100],
                [grafana, loki, 3100],
                [grafana, alertmanager, 9094],
                [from(prometheus), alertmanager, 9094],
                [from(loki), prometheus, 9090],
            ];
            if (stack.settings.otlp.enabled) {
                const otlp = pod("Deployment", "alloy-otlp");
                // Apps reach only the OTLP ports; the gateway reaches Prometheus and the Loki gateway, nothing else.
                unneeded.push([app, otlp, 12345], [internet, otlp, 4317], [from(otlp), alertmanager, 9093], [from(otlp), loki, 3100]);
            }
            if (stack.settings.metrics.longTerm.enabled) {
                const store = pod("StatefulSet", "thanos-store-gateway");
                const query = pod("Deployment", "thanos-query");
                unneeded.push(
                    [app, pod("Deployment", "thanos-query-frontend"), 10902],
                    [app, query, 10902],
                    [app, prometheus, 10901],
                    [app, store, 10901],
                    [alloy, store, 10901],
                    // Grafana reads through the frontend only; the sidecars answer Query only.
                    [grafana, query, 10902],
                    [grafana, prometheus, 10901],
                    [from(loki), pod("StatefulSet", "thanos-compact"), 10902],
                );
            }
            const let_in = unneeded.filter(([s, d, port, proto]) => allowed(policies, s, d, port, proto ?? "TCP")).map(([s, d, port]) => `${s.what} -> ${d.what}:${port}`);
            assert.deepEqual(let_in, []);
        });

        it("admits an app pod to the OTLP gateway and to the known exceptions only, on every port of every platform pod", () => {
            const app = appPod();
            const reached = stack
                .workloads()
                .filter((w) => !["Job", "Pod"].includes(w.kind))
                .map((w) => destinationOf(stack, w))
                .flatMap((d) => d.ports.filter((p) => allowed(policies, app, d, p.port, p.protocol)).map((p) => `${d.what}:${p.port}/${p.protocol}`));
            const otlp = stack.settings.otlp.enabled ? ["Deployment/alloy-otlp:4317/TCP", "Deployment/alloy-otlp:4318/TCP"] : [];
            assert.deepEqual([...new Set(reached)].sort(), [...otlp, ...knownExceptions(stack)].sort());
        });

        it("an app pod reaches Grafana :3000 only when Grafana's load balancer may be beside the pods", () => {
            const admitted = allowed(policies, appPod(), pod("Deployment", "grafana"), 3000);
            assert.equal(admitted, grafanaLoadBalancerBesidePods(stack.settings), `hostname ${stack.settings.grafana.hostname ?? "unset"}, scheme ${stack.settings.grafana.scheme}`);
        });

        it("turns on the VPC CNI's network policy agent on a created cluster", function () {
            const cni = stack.graph.byType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "vpc-cni");
            if (stack.settings.cluster.existing || stack.settings.cluster.kubeconfig) {
                assert.equal(cni, undefined, "a brought cluster's add-ons (and CNI) are its owner's");
                return;
            }
            assert.deepEqual(JSON.parse(String(cni?.inputs.configurationValues)), { enableNetworkPolicy: "true" });
        });
    });
}

/**
 * Grafana's load balancer in the mock graph (the program's own policies; Helm renders none for
 * Grafana): where the Ingress puts the ALB and which addresses Grafana's policy admits follow one
 * another.
 */
describe("network policies: Grafana's load balancer and where it sits", function () {
    this.timeout(120_000);
    const HOST = "grafana.plg.example.org";
    const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666";
    const SUBNETS_ANNOTATION = "alb.ingress.kubernetes.io/subnets";
    let grafana: Destination;

    before(async function () {
        // Grafana's pod as the chart really renders it (its labels do not depend on the hostname).
        const prod = await renderedStack(this, "prod");
        const w = prod.workloads().find((x) => x.kind === "Deployment" && x.name === "grafana");
        assert.ok(w);
        grafana = destinationOf(prod, w);
    });

    const policiesIn = (g: Graph): K8sObject[] =>
        g.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => {
            const inputs = g.inputs(r);
            return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: rec(inputs.metadata), spec: rec(inputs.spec) } as unknown as K8sObject;
        });
    /** The created subnets with the public (internet-facing load balancer) role tag, and the others. */
    const subnets = (g: Graph, role: "public" | "private") =>
        g.byType("aws:ec2/subnet:Subnet").filter((sn) => ("kubernetes.io/role/elb" in rec(g.inputs(sn).tags)) === (role === "public"));
    const cidrOf = (g: Graph, r: RecordedResource): string => String(g.inputs(r).cidrBlock);
    const appIn = (cidr: string): Source => ({ what: `an app pod (${cidr})`, namespace: "shop", labels: { app: "shop" }, ip: hostIn(cidr) });
    const addressIn = (cidr: string): Source => ({ what: `an address in ${cidr}`, ip: hostIn(cidr) });
    const ingressAnnotations = (g: Graph): Rec => rec(rec(g.inputs(g.one("kubernetes:networking.k8s.io/v1:Ingress")).metadata).annotations);

    it("internet-facing on the program's VPC: the ALB is pinned to the public subnets, and only they reach Grafana :3000", async () => {
        const g = await runStack("prod", { settings: { grafana: { hostname: HOST, tlsCertificateArn: CERT, scheme: "internet-facing" } } });
        const publics = subnets(g, "public");
        const privates = subnets(g, "private");
        assert.equal(publics.length, 3);
        // The annotation names the public subnets (the mock's ids are <name>-id), and takes them from those resources.
        assert.equal(ingressAnnotations(g)[SUBNETS_ANNOTATION], publics.map((sn) => `${sn.name}-id`).join(","));
        const ingress = g.one("kubernetes:networking.k8s.io/v1:Ingress");
        for (const sn of publics) assert.ok(ingress.propertyDependencies.metadata?.includes(resourceKey(sn)), sn.name);
        // The node groups run in the private subnets only: no pod has a public subnet's address.
        const nodeSubnets = new Set(g.byType("aws:eks/nodeGroup:NodeGroup").flatMap((n) => n.propertyDependencies.subnetIds ?? []));
        assert.deepEqual([...nodeSubnets].sort(), privates.map(resourceKey).sort());
        const policies = policiesIn(g);
        for (const sn of publics) assert.ok(allowed(policies, addressIn(cidrOf(g, sn)), grafana, 3000), `the ALB's node in ${sn.name}`);
        for (const sn of privates) assert.ok(!allowed(policies, appIn(cidrOf(g, sn)), grafana, 3000), `an app pod in ${sn.name}`);
        assert.ok(!allowed(policies, addressIn("10.0.0.0/16"), grafana, 3000), "the VPC's first addresses (a private subnet)");
    });

    it("internal on the program's VPC: no pinning, the VPC reaches Grafana :3000 (pods included: the known limit)", async () => {
        const g = await runStack("prod", { settings: { grafana: { hostname: HOST, tlsCertificateArn: CERT, scheme: "internal" } } });
        assert.equal(ingressAnnotations(g)[SUBNETS_ANNOTATION], undefined);
        const policies = policiesIn(g);
        for (const sn of subnets(g, "private")) assert.ok(allowed(policies, appIn(cidrOf(g, sn)), grafana, 3000), sn.name);
    });

    it("on a brought cluster: subnets by the controller's discovery, the VPC reaches Grafana :3000 (the known limit)", async () => {
        const g = await runStack("dev", { settings: { cluster: { existing: { name: "shared-eks" } }, grafana: { hostname: HOST, tlsCertificateArn: CERT, scheme: "internet-facing" } } });
        assert.equal(ingressAnnotations(g)[SUBNETS_ANNOTATION], undefined);
        assert.ok(allowed(policiesIn(g), appIn(MOCK_BROUGHT_VPC), grafana, 3000));
    });

    it("without a hostname: no load balancer, nothing but Prometheus reaches Grafana :3000", async () => {
        const g = await runStack("prod", { settings: { grafana: {} } });
        assert.deepEqual(g.byType("kubernetes:networking.k8s.io/v1:Ingress"), []);
        const policies = policiesIn(g);
        for (const sn of [...subnets(g, "private"), ...subnets(g, "public")]) assert.ok(!allowed(policies, appIn(cidrOf(g, sn)), grafana, 3000), sn.name);
        const grafanaPolicy = policies.find((p) => p.metadata.name === "grafana");
        const ipBlocks = list(rec(grafanaPolicy?.spec).ingress).flatMap((r) => list(r.from)).filter((f) => f.ipBlock !== undefined);
        assert.deepEqual(ipBlocks, []);
    });
});
