/**
 * The local target (cluster.kubeconfig): the committed Pulumi.local.yaml validates, creates nothing
 * in AWS, lands on the kubeconfig context through one Kubernetes provider, runs the same releases,
 * rules and dashboards as dev, keeps Loki's chunks on its own volume with retention, and fits the
 * laptop budget; the settings it cannot honour are refused by key.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { ConfigError, type Settings, parseSettings } from "../config";
import { kps, loadBalancerController as lbc, loki } from "../components/endpoints";
import { checkKubeconfigContext, kubeconfigContextProblem, kubeconfigContexts, kubeconfigFile, kubeconfigFiles } from "../components/k8s/local-cluster";
import { lokiValuesInput } from "../components/k8s/logs";
import { buildLokiValues } from "../components/k8s/logs/values";
import { LOCAL_BUDGET, capacityReport, platformPods, totalRequests } from "../components/requests";
import { footprint } from "../tools/footprint";
import type { K8sObject } from "../tools/helm";
import { readStackConfig } from "../tools/stack-config";
import { type Graph, ROOT, TEST_KUBECONFIG, runStack } from "./support/graph";
import { type RenderedStack, STACK_FILES, renderedStack } from "./support/manifests";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** The local stack's raw config with top-level keys replaced (objects merged over the stack file's). */
function localConfig(over: Record<string, unknown> = {}, replace: Record<string, unknown> = {}): Record<string, string> {
    const cfg = readStackConfig(ROOT, STACK_FILES.local);
    const config = { ...cfg.config };
    for (const [k, v] of Object.entries(over)) {
        const key = `plg-observability:${k}`;
        if (typeof v !== "object" || v === null) {
            config[key] = String(v);
            continue;
        }
        const base = config[key] !== undefined ? (JSON.parse(config[key] as string) as Rec) : {};
        config[key] = JSON.stringify({ ...base, ...(v as Rec) });
    }
    for (const [k, v] of Object.entries(replace)) config[`plg-observability:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    return config;
}

function problemsOf(config: Record<string, string>): string[] {
    const r = parseSettings(config);
    assert.equal(r.ok, false, "expected the configuration to be refused");
    return r.ok ? [] : r.problems;
}

function localSettings(over: Record<string, unknown> = {}): Settings {
    const r = parseSettings(localConfig(over));
    if (!r.ok) throw new Error(r.problems.join("\n"));
    return r.settings;
}

describe("local target: configuration (cluster.kubeconfig)", () => {
    it("the committed Pulumi.local.yaml is valid without warnings: dev, no aws, Slack and heartbeat off", () => {
        const r = parseSettings(localConfig());
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.deepEqual(r.warnings, []);
        assert.equal(r.settings.environment, "dev");
        assert.equal(r.settings.aws, undefined, "no AWS settings are filled in by the profile");
        assert.equal(r.settings.cluster.kubeconfig?.context, "kind-plg");
        assert.equal(r.settings.alerting.slack.enabled, false);
        assert.equal(r.settings.alerting.heartbeat.enabled, false);
    });

    it("refuses cluster.existing, created-EKS keys, aws and network beside it, naming each key", () => {
        const problems = problemsOf(
            localConfig(
                { cluster: { existing: { name: "shared-eks" }, adminPrincipalArns: ["arn:aws:iam::123456789012:role/PlatformAdmin"], nodeGroups: [] } },
                { aws: { region: "eu-west-1", tags: {} }, network: { mode: "create", cidr: "10.0.0.0/16", azCount: 3, natGateways: "single" } },
            ),
        );
        for (const key of ["cluster.existing", "cluster.adminPrincipalArns", "cluster.nodeGroups", "aws", "network"]) {
            assert.ok(
                problems.some((p) => p.startsWith(`plg-observability:${key}: `) && /cluster\.kubeconfig/.test(p)),
                `${key} named with cluster.kubeconfig:\n${problems.join("\n")}`,
            );
        }
    });

    it("refuses every feature that needs AWS, naming its key", () => {
        const problems = problemsOf(
            localConfig({
                metrics: { longTerm: { enabled: true, retentionDays: { raw: 7, fiveMinutes: 30, oneHour: 90 }, lifecycleMarginDays: 7, compactorVolumeSizeGiB: 20, storeGatewayVolumeSizeGiB: 10 } },
                grafana: { database: { type: "rds" }, hostname: "grafana.example.com", tlsCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0123abcd-0123-0123-0123-0123456789ab" },
            }),
        );
        for (const key of ["metrics.longTerm.enabled", "grafana.database.type", "grafana.hostname", "grafana.tlsCertificateArn"]) {
            assert.ok(problems.some((p) => p.startsWith(`plg-observability:${key}: `) && /AWS/.test(p)), `${key}:\n${problems.join("\n")}`);
        }
    });

    it("refuses a Loki that filesystem storage cannot run (more replicas, another mode) and a prod local stack", () => {
        const replicas = problemsOf(localConfig({ logs: { replicas: 2 } }));
        assert.ok(replicas.some((p) => p.startsWith("plg-observability:logs.replicas: ") && /expected 1, given 2/.test(p)), replicas.join("\n"));
        const mode = problemsOf(localConfig({ logs: { mode: "distributed" } }));
        assert.ok(mode.some((p) => p.startsWith("plg-observability:logs.mode: ") && /expected monolithic, given distributed/.test(p)), mode.join("\n"));
        const prod = problemsOf(localConfig({ environment: "prod" }));
        assert.ok(prod.some((p) => p.startsWith("plg-observability:environment: ") && /expected dev with cluster\.kubeconfig, given prod/.test(p)), prod.join("\n"));
    });

    it("a cluster on EKS still needs aws; a local one needs a name for the cluster label", () => {
        const eks = readStackConfig(ROOT, STACK_FILES.dev).config;
        const withoutAws = { ...eks };
        delete withoutAws["plg-observability:aws"];
        const problems = problemsOf(withoutAws);
        assert.ok(problems.some((p) => p.startsWith("plg-observability:aws") && /given nothing/.test(p)), problems.join("\n"));
        const nameless = problemsOf(localConfig({}, { cluster: { kubeconfig: { context: "kind-plg" } } }));
        assert.ok(nameless.some((p) => p.startsWith("plg-observability:cluster.name: ") && /`cluster` label/.test(p)), nameless.join("\n"));
    });

    it("a context missing from the kubeconfig names the key, the file and its contexts, never its credentials", () => {
        const file = "/home/me/.kube/config";
        const text = YAML.stringify({
            apiVersion: "v1",
            kind: "Config",
            contexts: [{ name: "kind-other", context: { cluster: "c", user: "u" } }, { name: "docker-desktop", context: { cluster: "d", user: "u" } }],
            users: [{ name: "u", user: { token: "s3cr3t-token-value-0123456789" } }],
        });
        const problem = kubeconfigContextProblem({ context: "kind-plg" }, [{ file, text }]);
        assert.ok(problem !== undefined);
        assert.match(problem, /^plg-observability:cluster\.kubeconfig\.context: expected a context of \/home\/me\/\.kube\/config \(it has "kind-other", "docker-desktop"/);
        assert.match(problem, /given "kind-plg"$/);
        assert.ok(!problem.includes("s3cr3t"), "no credential of the file in the message");
        assert.equal(kubeconfigContextProblem({ context: "docker-desktop" }, [{ file, text }]), undefined, "an existing context passes");
        // An unreadable default file is left to the provider; an unreadable given path is named.
        assert.equal(kubeconfigContextProblem({ context: "kind-plg" }, [{ file, text: undefined }]), undefined);
        assert.match(kubeconfigContextProblem({ context: "kind-plg", path: "./nope" }, [{ file: "./nope", text: undefined }]) ?? "", /^plg-observability:cluster\.kubeconfig\.path: expected a readable kubeconfig file, given "\.\/nope"/);
        assert.match(kubeconfigContextProblem({ context: "kind-plg" }, [{ file, text: "- just\n- a list\n" }]) ?? "", /expected \/home\/me\/\.kube\/config to be a kubeconfig/);
        assert.deepEqual(kubeconfigContexts("apiVersion: v1\nkind: Config\n"), []);
    });

    it("reads the kubeconfig kubectl reads: the given path, else every file of $KUBECONFIG, else ~/.kube/config", () => {
        assert.deepEqual(kubeconfigFiles("/etc/k.yaml", { KUBECONFIG: "/a.yaml" }, "/home/me"), ["/etc/k.yaml"]);
        assert.equal(kubeconfigFile("~/k.yaml", "/home/me"), path.join("/home/me", "k.yaml"));
        assert.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: `/a.yaml${path.delimiter}${path.delimiter}/b.yaml` }, "/home/me"), ["/a.yaml", "/b.yaml"]);
        assert.deepEqual(kubeconfigFiles(undefined, {}, "/home/me"), [path.join("/home/me", ".kube", "config")]);
    });

    it("merges the contexts of every $KUBECONFIG file as kubectl does: a context in the second file passes, a missing file is skipped", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-kubeconfigs-"));
        try {
            const write = (name: string, contexts: string[]): string => {
                const f = path.join(dir, name);
                fs.writeFileSync(f, YAML.stringify({ apiVersion: "v1", kind: "Config", contexts: contexts.map((c) => ({ name: c, context: { cluster: c, user: c } })) }));
                return f;
            };
            const a = write("a.yaml", ["kind-other"]);
            const b = write("b.yaml", ["kind-plg"]);
            const env = { KUBECONFIG: [a, path.join(dir, "missing.yaml"), b].join(path.delimiter) };
            assert.doesNotThrow(() => checkKubeconfigContext({ context: "kind-plg" }, env));
            assert.doesNotThrow(() => checkKubeconfigContext({ context: "kind-other" }, env));
            assert.throws(
                () => checkKubeconfigContext({ context: "docker-desktop" }, env),
                (e: Error) => e.message.includes(`expected a context of the merged kubeconfig of ${a}, ${b} (they have "kind-other", "kind-plg"`),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the platform fits the laptop budget on one node; more is refused naming cluster.kubeconfig", () => {
        const s = localSettings();
        const total = totalRequests(platformPods(s), 1);
        assert.ok(total.memoryMiB <= 4096, `${total.memoryMiB} MiB`);
        assert.deepEqual(capacityReport(s), { problems: [], warnings: [] });
        const big = capacityReport(localSettings({ metrics: { resources: { cpu: "500m", memory: "3Gi" } } }));
        assert.equal(big.problems.length, 1, big.problems.join("\n"));
        assert.match(big.problems[0] as string, /^plg-observability:cluster\.kubeconfig: the platform requests \d+\.\d\d vCPU and \d+\.\d GiB on one node \(largest: kube-prometheus-stack\/prometheus/);
        assert.match(big.problems[0] as string, new RegExp(`expected at most ${(LOCAL_BUDGET.cpuMillis / 1000).toFixed(2)} vCPU and 4\\.0 GiB`));
    });
});

describe("local target: mock graph", function () {
    let g: Graph;
    let dev: Graph;
    before(async function () {
        g = await runStack("local");
        // dev without its example team (the local stack declares none): otherwise the same settings' code paths.
        const devAlerting = JSON.parse(readStackConfig(ROOT, STACK_FILES.dev).config["plg-observability:alerting"] as string) as Rec;
        dev = await runStack("dev", { settings: { alerting: { ...devAlerting, teams: [] } }, secrets: { teamSecrets: null } });
    });

    it("creates nothing in AWS: no aws resource, no aws provider", () => {
        assert.deepEqual(
            g.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").map((r) => `${r.type} ${r.name}`),
            [],
        );
        assert.ok(dev.resources.some((r) => r.type === "pulumi:providers:aws"), "the same query finds dev's AWS provider");
    });

    it("reaches the cluster through one Kubernetes provider bound to the context, used by every Kubernetes resource", () => {
        const providers = g.byType("pulumi:providers:kubernetes");
        assert.equal(providers.length, 1);
        const p = providers[0] as (typeof providers)[number];
        assert.equal(p.inputs.context, "kind-plg");
        // No path in the stack file: the provider takes $KUBECONFIG's path (the tests': support/graph.ts), never the file's content, so no credential enters the state.
        assert.equal(p.inputs.kubeconfig, TEST_KUBECONFIG);
        const k8s = g.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(k8s.length > 20);
        assert.deepEqual(k8s.filter((r) => r.options.provider !== p.name).map((r) => r.name), []);
        assert.deepEqual(g.byType("kubernetes:storage.k8s.io/v1:StorageClass"), [], "the cluster's default StorageClass, none of the platform's");
    });

    it("exports no AWS outputs, and Grafana's port-forward", () => {
        // README "Try it locally": these four, none of the AWS ones (endpoint, kubeconfig, VPC, bucket, key, roles).
        assert.deepEqual(Object.keys(g.run.outputs).sort(), ["clusterName", "environment", "grafanaAccess", "grafanaAdminPassword"]);
        for (const [k, v] of Object.entries(g.run.outputs)) assert.notEqual(v, undefined, `${k} is never undefined`);
        assert.equal(g.run.outputs.clusterName, "local");
        // A command to paste as is, bound to the stack's context (not whatever kubectl's current one is); the URL is README's.
        assert.equal(g.run.outputs.grafanaAccess, "kubectl --context kind-plg -n monitoring port-forward svc/grafana 3000:80");
    });

    it("runs the same Helm releases, dashboards and rules as dev, without the AWS Load Balancer Controller", () => {
        const names = (x: Graph, type: string): string[] =>
            x
                .byType(type)
                .map((r) => `${String(rec(r.inputs.metadata).namespace ?? "")}/${String(rec(r.inputs.metadata).name ?? r.inputs.name)}`)
                .sort();
        const releases = (x: Graph): string[] => x.byType("kubernetes:helm.sh/v3:Release").map((r) => String(r.inputs.name)).sort();
        assert.deepEqual(releases(g), releases(dev).filter((r) => !/load-balancer-controller/.test(r)));
        for (const type of ["kubernetes:core/v1:ConfigMap", "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "kubernetes:networking.k8s.io/v1:NetworkPolicy"]) {
            assert.ok(names(g, type).length > 0, type);
            assert.deepEqual(names(g, type), names(dev, type).filter((n) => !n.startsWith(`${lbc.namespace}/`)), type);
        }
        const pipeline = (x: Graph): string => String(rec(rec(x.releaseValues("alloy").alloy).configMap).content);
        assert.equal(pipeline(g), pipeline(dev).replaceAll('"plg-dev"', '"local"'), "the same Alloy pipeline, for the local cluster label");
    });
});

describe("local target: real helm template", function () {
    let stack: RenderedStack;
    before(async function () {
        stack = await renderedStack(this, "local");
    });

    function lokiConfig(): Rec {
        const cm = stack.objects(loki.release).find((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && o.metadata.name === loki.fullname);
        assert.ok(cm, "the chart's Loki configuration object");
        const raw = String(rec(cm.data)["config.yaml"]);
        return rec(YAML.parse(cm.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw));
    }

    it("Loki keeps chunks and index on its volume (filesystem store) and the compactor still enforces retention", () => {
        const config = lokiConfig();
        const fsStore = rec(rec(rec(config.common).storage).filesystem);
        assert.match(String(fsStore.chunks_directory), /^\/var\/loki\//);
        assert.deepEqual(list(rec(config.schema_config).configs).map((c) => c.object_store), ["filesystem"]);
        const compactor = rec(config.compactor);
        assert.equal(compactor.retention_enabled, true);
        assert.equal(compactor.delete_request_store, "filesystem");
        assert.equal(rec(config.limits_config).retention_period, `${stack.settings.logs.retentionDays * 24}h`);
        assert.ok(!JSON.stringify(config).includes("s3"), "no S3 anywhere in Loki's configuration");
    });

    it("one Loki pod owns that volume, mounted where the store writes, of the cluster's default StorageClass", () => {
        const sts = stack.objects(loki.release).filter((o) => o.kind === "StatefulSet");
        const loki1 = sts.filter((o) => list(rec(rec(rec(o.spec).template).spec).containers).some((c) => ((c.args as string[] | undefined) ?? []).includes("-target=all")));
        assert.equal(loki1.length, 1);
        const spec = rec((loki1[0] as K8sObject).spec);
        assert.equal(spec.replicas, 1);
        const claims = list(spec.volumeClaimTemplates);
        assert.deepEqual(claims.map((c) => rec(c.metadata).name), ["storage"]);
        assert.equal(rec(claims[0]?.spec).storageClassName, undefined);
        const mounts = list(rec(rec(spec.template).spec).containers).flatMap((c) => list(c.volumeMounts));
        assert.ok(mounts.some((m) => m.name === "storage" && m.mountPath === "/var/loki"), JSON.stringify(mounts));
    });

    it("node-exporter mounts no host root (Docker Desktop refuses / with HostToContainer propagation); dev keeps it", async function () {
        const rootMount = (x: RenderedStack): string[] => {
            const ds = x.objects(kps.release).filter((o) => o.kind === "DaemonSet" && /node-exporter/.test(o.metadata.name));
            assert.equal(ds.length, 1, `${x.name}: one node-exporter DaemonSet`);
            const pod = rec(rec(rec((ds[0] as K8sObject).spec).template).spec);
            const hostRoot = list(pod.volumes).filter((v) => rec(v.hostPath).path === "/").map((v) => `volume ${String(v.name)}`);
            const containers = list(pod.containers);
            const mounts = containers.flatMap((c) => list(c.volumeMounts)).filter((m) => m.mountPath === "/host/root").map((m) => `mount ${String(m.mountPath)} ${String(m.mountPropagation)}`);
            const args = containers.flatMap((c) => ((c.args as string[] | undefined) ?? []).filter((a) => a.startsWith("--path.rootfs")));
            return [...hostRoot, ...mounts, ...args];
        };
        assert.deepEqual(rootMount(stack), []);
        const dev = await renderedStack(this, "dev");
        assert.deepEqual(rootMount(dev), ["volume root", "mount /host/root HostToContainer", "--path.rootfs=/host/root"], "the same query finds dev's host root");
    });

    it("no volume of the platform names a StorageClass: the cluster's default serves them", () => {
        const named: string[] = [];
        const walk = (v: unknown, where: string): void => {
            if (Array.isArray(v)) v.forEach((x) => walk(x, where));
            else if (v && typeof v === "object") {
                for (const [k, x] of Object.entries(v)) {
                    if (k === "storageClassName" && x !== undefined && x !== null && x !== "") named.push(`${where}: ${String(x)}`);
                    walk(x, where);
                }
            }
        };
        // CRDs only describe the field; every object that uses it is checked.
        for (const o of stack.allObjects().filter((x) => x.kind !== "CustomResourceDefinition")) walk(o, `${o.kind}/${o.metadata.name}`);
        assert.deepEqual(named, []);
        assert.ok(stack.allObjects().some((o) => o.kind === "Prometheus"), "Prometheus's claim template is among the objects checked");
    });

    it("requests at most 4 GiB of memory on one node (real helm output)", () => {
        const f = footprint(stack.workloads(), 1);
        assert.ok(f.memoryMiB <= 4096, `${f.memoryMiB} MiB`);
        assert.ok(f.memoryMiB > 1024, "the footprint counts the platform's pods");
    });
});

describe("local target: first preview and the Loki builder", function () {
    it("a first preview registers the same resources as up (the provider's configuration is known: a context)", async () => {
        const up = await runStack("local");
        const preview = await runStack("local", {}, "preview");
        const keys = (x: Graph): string[] => x.resources.map((r) => `${r.type} ${r.name}`).sort();
        assert.deepEqual(keys(preview), keys(up));
    });

    it("the Loki builder refuses filesystem storage for more than one replica or another mode, as the chart would", () => {
        const input = lokiValuesInput(localSettings(), {}, undefined);
        assert.equal(rec(rec(buildLokiValues(input).loki).storage).type, "filesystem");
        assert.throws(() => buildLokiValues({ ...input, replicas: 2 }), /objectStorage filesystem needs mode monolithic with 1 replica/);
        assert.throws(() => buildLokiValues({ ...input, mode: "distributed" }), /objectStorage filesystem needs mode monolithic/);
    });
});

describe("local target: refused at preview", function () {
    it("a context missing from the kubeconfig stops the program before any resource, naming the key", async () => {
        await assert.rejects(
            runStack("local", { settings: { cluster: { name: "local", kubeconfig: { context: "kind-missing" } } } }),
            (e: unknown) => {
                const message = e instanceof Error ? e.message : String(e);
                assert.ok(e instanceof ConfigError || /cluster\.kubeconfig\.context/.test(message), message);
                assert.match(message, /plg-observability:cluster\.kubeconfig\.context: expected a context of .*kubeconfig\.yaml \(it has "kind-plg", "docker-desktop"/);
                return true;
            },
        );
    });
});
