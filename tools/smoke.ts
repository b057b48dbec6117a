/**
 * Smoke test of a deployed platform, through `kubectl` (on the PATH) and the given kubeconfig:
 *   npm run smoke -- <kubeconfig> [--context <name>] [--tenant <Loki tenant>] [--timeout <seconds>]
 * Checks, each retried until the timeout: every platform workload is rolled out; Prometheus has
 * active targets and none down; a line a test pod writes is found in Loki through the gateway with
 * the tenant header; Grafana's prometheus, loki and alertmanager datasources pass their health
 * checks; the Alertmanager cluster is ready. Reaches each service by `kubectl port-forward` (which
 * network policies do not filter). Exit 0 when all pass, 1 with each failure named.
 *
 * The response evaluators are pure (tested in test/smoke.test.ts); the rest is I/O.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { alloy, datasourceUids, kps, loki, namespaces } from "../components/endpoints";
import { GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_USER_KEY } from "../components/k8s/metrics/values";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

// ------------------------------------------------------------------ pure evaluators: a problem, or undefined

/** Prometheus /api/v1/targets: at least one active target, none down. */
export function targetsProblem(body: unknown): string | undefined {
    const active = list(rec(rec(body).data).activeTargets);
    if (active.length === 0) return "Prometheus has no active target";
    const down = active.filter((t) => t.health !== "up").map((t) => `${String(rec(t.labels).job ?? "?")} ${String(t.scrapeUrl ?? "")} (${String(t.health)}: ${String(t.lastError ?? "")})`);
    return down.length > 0 ? `Prometheus targets not up: ${down.join("; ")}` : undefined;
}

/** Loki /loki/api/v1/query_range: a stream holding a line with `marker`. */
export function lokiProblem(body: unknown, marker: string): string | undefined {
    const streams = list(rec(rec(body).data).result);
    const found = streams.some((s) => (Array.isArray(s.values) ? (s.values as unknown[]) : []).some((v) => Array.isArray(v) && String(v[1]).includes(marker)));
    return found ? undefined : `Loki has no line ${marker} yet (${streams.length} streams matched)`;
}

/** Grafana /api/datasources/uid/<uid>/health: status OK. */
export function datasourceProblem(uid: string, status: number, body: unknown): string | undefined {
    const b = rec(body);
    if (status === 200 && b.status === "OK") return undefined;
    return `Grafana datasource ${uid} health: HTTP ${status}, ${String(b.status ?? "")} ${String(b.message ?? "")}`.trim();
}

/**
 * What the smoke test asks Grafana about a datasource, and how it judges the answer. The
 * Alertmanager datasource has no backend plugin, so Grafana's /health answers HTTP 500 "Plugin
 * unavailable" for it (grafana/grafana#83794): it is checked through Grafana's datasource proxy
 * (/api/datasources/proxy/uid/<uid>/..., Grafana HTTP API "Data source API") on Alertmanager's
 * /api/v2/status, judged like Alertmanager's own answer; the others by their /health.
 */
export function datasourceCheck(uid: string, alertmanagerReplicas: number): { path: string; problem: (status: number, body: unknown) => string | undefined } {
    if (uid !== datasourceUids.alertmanager) return { path: `/api/datasources/uid/${uid}/health`, problem: (status, body) => datasourceProblem(uid, status, body) };
    return {
        path: `/api/datasources/proxy/uid/${uid}/api/v2/status`,
        problem: (status, body) => {
            const where = `Grafana datasource ${uid} (proxied /api/v2/status)`;
            if (status !== 200) return `${where}: HTTP ${status} ${String(rec(body).message ?? "")}`.trim();
            const problem = alertmanagerProblem(body, alertmanagerReplicas);
            return problem === undefined ? undefined : `${where}: ${problem}`;
        },
    };
}

/**
 * Alertmanager /api/v2/status: the cluster ready with every replica a peer. One replica runs
 * without clustering (the operator leaves --cluster.listen-address empty): status disabled is its ready.
 */
export function alertmanagerProblem(body: unknown, replicas: number): string | undefined {
    const cluster = rec(rec(body).cluster);
    const peers = list(cluster.peers).length;
    if (replicas <= 1 && (cluster.status === "disabled" || cluster.status === "ready")) return undefined;
    if (cluster.status === "ready" && peers >= replicas) return undefined;
    return `Alertmanager cluster ${String(cluster.status ?? "unknown")} with ${peers} of ${replicas} peers`;
}

// ------------------------------------------------------------------ I/O

interface Options {
    readonly kubeconfig: string;
    readonly context?: string;
    readonly tenant: string;
    readonly timeoutSeconds: number;
}

function parseArgs(argv: readonly string[]): Options {
    const args = [...argv];
    const opts: { kubeconfig?: string; context?: string; tenant: string; timeoutSeconds: number } = { tenant: "platform", timeoutSeconds: 300 };
    while (args.length > 0) {
        const a = args.shift() as string;
        if (a === "--context") opts.context = args.shift();
        else if (a === "--tenant") opts.tenant = args.shift() ?? opts.tenant;
        else if (a === "--timeout") opts.timeoutSeconds = Number(args.shift());
        else if (a === "--help" || a === "-h") throw new UsageError();
        else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
        else opts.kubeconfig = a;
    }
    if (opts.kubeconfig === undefined) throw new UsageError("expected the kubeconfig file of the cluster");
    if (!Number.isFinite(opts.timeoutSeconds) || opts.timeoutSeconds <= 0) throw new UsageError("--timeout: expected seconds above 0");
    return { kubeconfig: opts.kubeconfig, tenant: opts.tenant, timeoutSeconds: opts.timeoutSeconds, ...(opts.context ? { context: opts.context } : {}) };
}

class UsageError extends Error {}

function kubectlArgs(o: Options, args: readonly string[]): string[] {
    return ["--kubeconfig", o.kubeconfig, ...(o.context ? ["--context", o.context] : []), ...args];
}

function kubectl(o: Options, args: readonly string[]): string {
    const r = spawnSync("kubectl", kubectlArgs(o, args), { encoding: "utf8" });
    if (r.error) throw new Error(`kubectl: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`kubectl ${args.slice(0, 3).join(" ")}: ${r.stderr.trim()}`);
    return r.stdout;
}

/** `kubectl port-forward` to a service on a free local port; resolves once it listens. */
async function portForward(o: Options, namespace: string, service: string, port: number): Promise<{ url: string; stop: () => void }> {
    const child: ChildProcess = spawn("kubectl", kubectlArgs(o, ["-n", namespace, "port-forward", `svc/${service}`, `:${port}`]), { stdio: ["ignore", "pipe", "pipe"] });
    const local = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`port-forward to ${namespace}/${service} did not start`)), 30_000);
        child.stdout?.on("data", (d: Buffer) => {
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(d.toString());
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.on("exit", (code) => reject(new Error(`port-forward to ${namespace}/${service} exited (${String(code)})`)));
    });
    return { url: `http://127.0.0.1:${local}`, stop: () => child.kill() };
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const r = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
    const text = await r.text();
    let body: unknown = text;
    try {
        body = JSON.parse(text);
    } catch {
        // not JSON: keep the text for the message
    }
    return { status: r.status, body };
}

/** Retry `check` (a problem, or undefined) until it passes or the deadline; the last problem otherwise. */
async function until(deadline: number, check: () => Promise<string | undefined>): Promise<string | undefined> {
    let problem: string | undefined = "not run";
    while (Date.now() < deadline) {
        try {
            problem = await check();
        } catch (e) {
            problem = e instanceof Error ? e.message : String(e);
        }
        if (problem === undefined) return undefined;
        await new Promise((r) => setTimeout(r, 5_000));
    }
    return problem;
}

async function withForward<T>(o: Options, ns: string, svc: string, port: number, fn: (url: string) => Promise<T>): Promise<T> {
    const f = await portForward(o, ns, svc, port);
    try {
        return await fn(f.url);
    } finally {
        f.stop();
    }
}

export async function smoke(o: Options, log: (line: string) => void = console.log): Promise<string[]> {
    const deadline = Date.now() + o.timeoutSeconds * 1000;
    const failures: string[] = [];
    const step = async (name: string, check: () => Promise<string | undefined>): Promise<void> => {
        const problem = await until(deadline, check);
        log(`${problem === undefined ? "ok  " : "FAIL"} ${name}${problem === undefined ? "" : `: ${problem}`}`);
        if (problem !== undefined) failures.push(`${name}: ${problem}`);
    };

    await step("every platform workload rolled out", async () => {
        for (const ns of [namespaces.monitoring, namespaces.logging, namespaces.nodeAgents]) {
            kubectl(o, ["-n", ns, "wait", "--for=condition=Ready", "pods", "--all", "--timeout=60s"]);
        }
        return undefined;
    });

    await step("Prometheus scrapes its targets, none down", () =>
        withForward(o, kps.namespace, kps.prometheus.service, kps.prometheus.port, async (url) => targetsProblem((await getJson(`${url}/api/v1/targets?state=active`)).body)),
    );

    const marker = `plg-smoke-${randomBytes(6).toString("hex")}`;
    const pod = `plg-smoke-${Date.now()}`;
    kubectl(o, ["-n", "default", "run", pod, "--image=busybox:1.36.1", "--restart=Never", "--command", "--", "sh", "-c", `echo ${marker}; sleep 30`]);
    try {
        await step(`a test pod's line reaches Loki (tenant ${o.tenant}, through the gateway; Alloy ${alloy.release})`, () =>
            withForward(o, loki.namespace, loki.gateway.service, loki.gateway.port, async (url) => {
                const query = encodeURIComponent(`{namespace="default", pod="${pod}"} |= "${marker}"`);
                const start = (Date.now() - 15 * 60_000) * 1e6;
                return lokiProblem((await getJson(`${url}/loki/api/v1/query_range?query=${query}&start=${start}&limit=10`, { "X-Scope-OrgID": o.tenant })).body, marker);
            }),
        );
    } finally {
        kubectl(o, ["-n", "default", "delete", "pod", pod, "--ignore-not-found", "--wait=false"]);
    }

    const secret = (key: string): string =>
        Buffer.from(kubectl(o, ["-n", kps.namespace, "get", "secret", kps.grafanaAdminSecretName, "-o", `jsonpath={.data.${key}}`]), "base64").toString("utf8");
    const auth = `Basic ${Buffer.from(`${secret(GRAFANA_ADMIN_USER_KEY)}:${secret(GRAFANA_ADMIN_PASSWORD_KEY)}`).toString("base64")}`;
    const alertmanagerReplicas = (): number => Number(kubectl(o, ["-n", kps.namespace, "get", "alertmanager", "-o", "jsonpath={.items[0].spec.replicas}"]) || "1");
    for (const uid of Object.values(datasourceUids)) {
        await step(`Grafana's ${uid} datasource answers through Grafana`, () =>
            withForward(o, kps.namespace, kps.grafana.service, kps.grafana.port, async (url) => {
                const check = datasourceCheck(uid, alertmanagerReplicas());
                const r = await getJson(`${url}${check.path}`, { Authorization: auth });
                return check.problem(r.status, r.body);
            }),
        );
    }

    await step("the Alertmanager cluster is ready", () =>
        withForward(o, kps.namespace, kps.alertmanager.service, kps.alertmanager.port, async (url) => alertmanagerProblem((await getJson(`${url}/api/v2/status`)).body, alertmanagerReplicas())),
    );
    return failures;
}

if (require.main === module) {
    let opts: Options;
    try {
        opts = parseArgs(process.argv.slice(2));
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        if (e.message) console.error(`smoke: ${e.message}`);
        console.error("usage: npm run smoke -- <kubeconfig> [--context <name>] [--tenant <Loki tenant, default platform>] [--timeout <seconds, default 300>]");
        process.exit(e.message ? 2 : 0);
    }
    smoke(opts).then(
        (failures) => {
            if (failures.length > 0) {
                console.error(`smoke: ${failures.length} check(s) failed`);
                process.exit(1);
            }
            console.log("smoke: every check passed");
        },
        (e: unknown) => {
            console.error(`smoke: ${e instanceof Error ? e.message : String(e)}`);
            process.exit(1);
        },
    );
}
