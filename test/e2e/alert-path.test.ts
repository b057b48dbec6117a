/**
 * The alert path end to end, with real engines on 127.0.0.1: the sample service, two Prometheus
 * replicas loading the rules the program renders, three clustered Alertmanagers loading the
 * Alertmanager configuration it renders, and a sink standing in for Slack and PagerDuty.
 *
 * What is changed from the rendered files, and why:
 * - Prometheus' own config is the test's (the operator writes it in the cluster): 1 s scrape and
 *   evaluation intervals, the target labelled as a ServiceMonitor target is, the replica label
 *   dropped from alerts as the operator does (`alert_relabel_configs: labeldrop prometheus_replica`).
 * - alertmanager.yaml: every `*_file` points at a temp file (a sink URL or a dummy key), PagerDuty's
 *   `url` at the sink, the template glob at a temp folder. The config is rendered from the prod stack
 *   with alerting.groupWait 1s / groupInterval 5s (the 30s / 5m defaults would not let a resolved
 *   notification arrive within the test's 3 minutes) and a Grafana hostname (so links exist).
 *
 * Of the two services, `checkout` is scraped (a ServiceMonitor target) and `sample-app` pushes its
 * metrics over OTLP as `sampleApp.metricsExporter: otlp` deploys it: started with the environment of
 * the Deployment the program renders (the pod's address 127.0.0.1, the push interval 1 s like the
 * scrapes, the gateway's URL swapped for a stand-in on loopback). No Alloy binary exists here (not on
 * npm, not in Debian) and Debian's Prometheus 2.42 has no OTLP receiver, so the stand-in receives the
 * service's real OTLP/HTTP exports and converts them with test/support/otlp-gateway-model.ts, which
 * follows the gateway configuration the program renders for prod (k8sattributes, the transform's
 * OTTL statements, otelcol.exporter.prometheus's naming as upstream's tests state it); Prometheus
 * scrapes the result with honor_labels, standing in for remote write (it adds `instance` where remote
 * write would not). Both services must page alike: the rules and routes cannot tell the paths apart.
 *
 * Timing is bound by the rules' own `for`: HighErrorRate fires 1 min after the errors start,
 * ErrorBudgetBurnFast 2 min after; the whole run takes about 2.5 minutes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { kps, otlpGateway } from "../../components/endpoints";
import { SAMPLE_APP } from "../../components/k8s/sample-app";
import { profileFor } from "../../config/profiles";
import { ALERTS, BURN_RATE_WINDOWS, sloErrorRatioRecord } from "../../components/k8s/metrics/rules";
import { prometheusRuleGroups } from "../../tools/artifacts";
import { requireBinary } from "../support/binaries";
import { containerEnv } from "../support/container-env";
import { renderTplLiteral } from "../support/helm-tpl";
import { OtlpGatewayModel, type Sample } from "../support/otlp-gateway-model";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver";
import { ROOT, runStack } from "../support/graph";
import { Proc, freePorts, sleep, stopAll, waitFor } from "../support/processes";

const BUDGET_MS = 180_000;
const NAMESPACE = "demo";
/** Two services: both fail, and each must page on its own. */
const SERVICES = ["sample-app", "checkout"] as const;
type Service = (typeof SERVICES)[number];
/** The service whose metrics are pushed over OTLP (the sample service's own name: its Deployment sets service.name). */
const OTLP_SERVICE: Service = SAMPLE_APP.name;
/** What k8sattributes would find for the OTLP service's pod, by its address. */
const OTLP_POD = { ip: "127.0.0.1", namespace: NAMESPACE, name: `${OTLP_SERVICE}-6d4b9c7f8-x2k4q`, labels: { "app.kubernetes.io/name": OTLP_SERVICE } };
const GRAFANA_HOST = "grafana.example.com";
/** Prometheus' job scraping the gateway stand-in. */
const GATEWAY_JOB = "otlp-gateway-stand-in";
const RUNBOOKS = "https://runbooks.example.com/plg";
const AM_PEER_TIMEOUT = "2s";

interface Notification {
    readonly receiver: string;
    readonly at: number;
    readonly body: Record<string, unknown>;
}
/** The attachment Alertmanager's Slack integration posts (`{channel, attachments: [..]}`). */
interface SlackBody {
    text: string;
    title: string;
    title_link?: string;
}
const slackMessage = (n: Notification): SlackBody => ((n.body.attachments as SlackBody[] | undefined) ?? [])[0] ?? { text: "", title: "" };
interface PagerdutyBody {
    event_action: string;
    dedup_key: string;
    client_url?: string;
    payload: { summary: string };
}

/** A stand-in for Slack's webhook and PagerDuty's Events API: records every POST by receiver. */
function startSink(port: number, received: Notification[]): Promise<http.Server> {
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            const receiver = (req.url ?? "/").split("/")[1] ?? "";
            received.push({ receiver, at: Date.now(), body: JSON.parse(body) as Record<string, unknown> });
            // PagerDuty answers 202 Accepted; Slack 200 "ok".
            if (receiver === "pagerduty") res.writeHead(202, { "content-type": "application/json" }).end('{"status":"success"}');
            else res.writeHead(200).end("ok");
        });
    });
    return new Promise((r) => server.listen(port, "127.0.0.1", () => r(server)));
}

/** Rewrites every receiver credential file and URL towards the sink; nothing else changes. */
function pointReceiversAtSink(config: Record<string, unknown>, dir: string, sink: string, templateDir: string): Record<string, unknown> {
    const receivers = (config.receivers as Record<string, unknown>[]).map((r) => {
        const out: Record<string, unknown> = { ...r };
        for (const [kind, list] of Object.entries(r)) {
            if (!kind.endsWith("_configs")) continue;
            out[kind] = (list as Record<string, unknown>[]).map((c, i) => {
                const cfg: Record<string, unknown> = { ...c };
                for (const key of Object.keys(c).filter((k) => k.endsWith("_file"))) {
                    const file = path.join(dir, `${String(r.name)}-${kind}-${i}-${key}`);
                    fs.writeFileSync(file, key.includes("url") ? `${sink}/${String(r.name)}` : `e2e-${String(r.name)}-key`);
                    cfg[key] = file;
                }
                if (kind === "pagerduty_configs") cfg.url = `${sink}/${String(r.name)}`;
                return cfg;
            });
        }
        return out;
    });
    return { ...config, receivers, templates: [path.join(templateDir, "*.tmpl")] };
}

/**
 * The OTLP gateway's stand-in: OTLP/HTTP in (the service's real exports), the model's conversion,
 * and the latest value of every series served as a text exposition for Prometheus to scrape.
 */
async function startGatewayStandIn(model: OtlpGatewayModel, expositionPort: number): Promise<{ receiver: OtlpReceiver; exposition: http.Server }> {
    const latest = new Map<string, Sample>();
    const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    const receiver = await startOtlpReceiver((e) => {
        for (const sample of model.metricsOf(e)) latest.set(key(sample.labels), sample);
    });
    const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const exposition = http.createServer((_req, res) => {
        const lines = [...latest.values()].map(({ labels: { __name__: name, ...rest }, value }) => `${name}{${Object.entries(rest).map(([k, v]) => `${k}="${escape(v)}"`).join(",")}} ${value}`);
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${lines.join("\n")}\n`);
    });
    await new Promise<void>((r) => exposition.listen(expositionPort, "127.0.0.1", r));
    return { receiver, exposition };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
    const res = await fetch(url, init);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
}

describe("alert path end to end: sample app → 2 Prometheus → 3 Alertmanagers → Slack/PagerDuty sink", function () {
    this.timeout(BUDGET_MS);
    const started = Date.now();
    const received: Notification[] = [];
    const procs: Proc[] = [];
    let sink: http.Server | undefined;
    let standIn: { receiver: OtlpReceiver; exposition: http.Server } | undefined;
    let gatewayModel: OtlpGatewayModel | undefined;
    let traffic: { stop: () => Promise<void> } | undefined;
    let apps: Record<Service, string>;
    let proms: string[] = [];
    let ams: { proc: Proc; base: string }[] = [];
    let externalUrl = "";

    /** Steady traffic to every service: `ok` healthy and `errors` failing requests per second each. */
    function drive(ok: number, errors: number): { stop: () => Promise<void> } {
        let running = true;
        const loop = async (url: string, perSecond: number) => {
            while (running && perSecond > 0) {
                await fetch(url).then((r) => r.arrayBuffer()).catch(() => undefined);
                await sleep(1000 / perSecond);
            }
        };
        const loops = Object.values(apps).flatMap((base) => [loop(`${base}/`, ok), loop(`${base}/error`, errors)]);
        return {
            stop: async () => {
                running = false;
                await Promise.all(loops);
            },
        };
    }

    async function switchTraffic(ok: number, errors: number): Promise<void> {
        await traffic?.stop();
        traffic = drive(ok, errors);
    }

    /** `n` healthy requests per service as fast as 32 connections allow. */
    async function flood(n: number): Promise<void> {
        await Promise.all(
            Object.values(apps).map(async (base) => {
                let left = n;
                await Promise.all(
                    Array.from({ length: 32 }, async () => {
                        while (left-- > 0) await fetch(`${base}/`).then((r) => r.arrayBuffer());
                    }),
                );
            }),
        );
    }

    const slack = (service?: Service) =>
        received.filter((n) => n.receiver === "slack" && (service === undefined || slackMessage(n).text.includes(`job=${service}\``)));
    const pagerduty = () => received.filter((n) => n.receiver === "pagerduty").map((n) => n.body as unknown as PagerdutyBody);

    async function firing(prom: string, alertname: string): Promise<string[]> {
        const r = await json<{ data: { alerts: { labels: Record<string, string>; state: string }[] } }>(`${prom}/api/v1/alerts`);
        return r.data.alerts.filter((a) => a.labels.alertname === alertname && a.state === "firing").map((a) => a.labels.job ?? "").sort();
    }

    before(async function () {
        const promBin = requireBinary(this, "prometheus", "prometheus");
        const amBin = requireBinary(this, "prometheus-alertmanager", "prometheus-alertmanager");

        // The program's own output for the prod stack (what `npm run render` writes).
        const g = await runStack("prod", {
            settings: {
                alerting: { slack: { channel: "#alerts-prod" }, groupWait: "1s", groupInterval: "5s" },
                grafana: { hostname: GRAFANA_HOST, tlsCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" },
                sampleApp: { enabled: true, image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/plg-sample-app:0.1.0", metricsExporter: "otlp" },
            },
        });
        // The sample service's container environment and the gateway's configuration, as rendered.
        const deployment = g.inputs(g.one("kubernetes:apps/v1:Deployment", "-sample-app-deployment")) as unknown as {
            spec: { template: { spec: { containers: { env: Parameters<typeof containerEnv>[0] }[] } } };
        };
        const otlpEnv = containerEnv(deployment.spec.template.spec.containers[0]?.env ?? [], { "status.podIP": OTLP_POD.ip, "metadata.name": OTLP_POD.name, "metadata.namespace": OTLP_POD.namespace });
        const gatewayValues = g.releaseValues(otlpGateway.release) as { alloy: { configMap: { content: string } } };
        // The values escape `{{` for Helm's template engine; Alloy reads the text after rendering.
        const model = (gatewayModel = new OtlpGatewayModel(renderTplLiteral(gatewayValues.alloy.configMap.content), [OTLP_POD]));
        const values = g.releaseValues(kps.release) as {
            alertmanager: { config: Record<string, unknown>; templateFiles: Record<string, string>; alertmanagerSpec: { externalUrl: string } };
            prometheus: { prometheusSpec: { externalLabels: Record<string, string>; replicaExternalLabelName: string } };
        };
        externalUrl = values.alertmanager.alertmanagerSpec.externalUrl;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-e2e-"));
        const rulesFile = path.join(dir, "prometheus-rules.yaml");
        fs.writeFileSync(rulesFile, YAML.stringify({ groups: prometheusRuleGroups(g.resources) }));
        const templateDir = path.join(dir, "templates");
        fs.mkdirSync(templateDir);
        for (const [name, text] of Object.entries(values.alertmanager.templateFiles)) fs.writeFileSync(path.join(templateDir, name), text);

        const [sinkPort, app1, app2, p1, p2, expositionPort, ...amPorts] = await freePorts(12);
        const webPorts = amPorts.slice(0, 3);
        const clusterPorts = amPorts.slice(3, 6);
        const sinkBase = `http://127.0.0.1:${sinkPort}`;
        sink = await startSink(sinkPort as number, received);
        standIn = await startGatewayStandIn(model, expositionPort as number);

        // The sample service, one process per Service, as its container would run it: `checkout`
        // scraped, `sample-app` pushing over OTLP with its Deployment's environment.
        apps = { "sample-app": `http://127.0.0.1:${app1}`, checkout: `http://127.0.0.1:${app2}` };
        const appPorts: Record<Service, number> = { "sample-app": app1 as number, checkout: app2 as number };
        assert.equal(otlpEnv.OTEL_SERVICE_NAME, OTLP_SERVICE);
        for (const service of SERVICES) {
            const pushed = service === OTLP_SERVICE ? { ...otlpEnv, OTEL_EXPORTER_OTLP_ENDPOINT: standIn.receiver.url, OTEL_METRIC_EXPORT_INTERVAL: "1000" } : {};
            const proc = new Proc(service, process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "examples/sample-app/src/main.ts")], {
                ...process.env,
                ...pushed,
                PORT: String(appPorts[service]),
                HOST: "127.0.0.1",
                SERVICE_NAME: service,
            });
            procs.push(proc);
        }

        // Three Alertmanagers gossiping on loopback, as alertmanagerSpec.replicas runs them.
        const amFile = path.join(dir, "alertmanager.yaml");
        fs.writeFileSync(amFile, YAML.stringify(pointReceiversAtSink(values.alertmanager.config, dir, sinkBase, templateDir)));
        ams = webPorts.map((port, i) => {
            const proc = new Proc(`alertmanager-${i}`, amBin, [
                `--config.file=${amFile}`,
                `--storage.path=${path.join(dir, `am-${i}`)}`,
                `--web.listen-address=127.0.0.1:${port}`,
                `--web.external-url=${externalUrl}`,
                // The operator serves the API at / whatever the external URL's path (routePrefix "/").
                "--web.route-prefix=/",
                `--cluster.listen-address=127.0.0.1:${clusterPorts[i]}`,
                `--cluster.advertise-address=127.0.0.1:${clusterPorts[i]}`,
                ...clusterPorts.filter((_, j) => j !== i).map((p) => `--cluster.peer=127.0.0.1:${p}`),
                `--cluster.peer-timeout=${AM_PEER_TIMEOUT}`,
            ]);
            procs.push(proc);
            return { proc, base: `http://127.0.0.1:${port}` };
        });

        // Two Prometheus replicas: the operator's external labels, target labels and alert relabeling.
        const spec = values.prometheus.prometheusSpec;
        proms = [p1, p2].map((port, i) => {
            const config = {
                global: {
                    scrape_interval: "1s",
                    evaluation_interval: "1s",
                    external_labels: { ...spec.externalLabels, prometheus: "monitoring/kps-prometheus", [spec.replicaExternalLabelName]: `prometheus-kps-prometheus-${i}` },
                },
                rule_files: [rulesFile],
                alerting: {
                    alert_relabel_configs: [{ action: "labeldrop", regex: spec.replicaExternalLabelName }],
                    alertmanagers: [{ api_version: "v2", static_configs: [{ targets: webPorts.map((p) => `127.0.0.1:${p}`) }] }],
                },
                scrape_configs: [
                    ...SERVICES.filter((service) => service !== OTLP_SERVICE).map((service) => ({
                        job_name: `serviceMonitor/${NAMESPACE}/${service}/0`,
                        static_configs: [
                            {
                                targets: [`127.0.0.1:${appPorts[service]}`],
                                // What a ServiceMonitor target carries (the operator's relabeling from
                                // the endpoints' metadata); `job` is the Service's name.
                                labels: { namespace: NAMESPACE, service, pod: `${service}-6d4b9c7f8-x2k4q`, container: service, endpoint: "http" },
                            },
                        ],
                        relabel_configs: [{ target_label: "job", replacement: service }],
                    })),
                    // The gateway's remote write, as a scrape that keeps the written labels.
                    { job_name: GATEWAY_JOB, honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${expositionPort}`] }] },
                ],
            };
            const file = path.join(dir, `prometheus-${i}.yaml`);
            fs.writeFileSync(file, YAML.stringify(config));
            procs.push(
                new Proc(`prometheus-${i}`, promBin, [
                    `--config.file=${file}`,
                    `--storage.tsdb.path=${path.join(dir, `prom-${i}`)}`,
                    `--web.listen-address=127.0.0.1:${port}`,
                ]),
            );
            return `http://127.0.0.1:${port}`;
        });

        await Promise.all([
            // As the Deployment's readiness probe: GET / (the OTLP service has no /metrics).
            ...SERVICES.map((s, i) => (procs[i] as Proc).waitReady(`${apps[s]}/`)),
            ...ams.map((a) => a.proc.waitReady(`${a.base}/-/ready`)),
            ...proms.map((p, i) => (procs[procs.length - 2 + i] as Proc).waitReady(`${p}/-/ready`)),
        ]);
        // Clustered: each Alertmanager sees the other two.
        await waitFor("a 3-member Alertmanager cluster", 20_000, async () => {
            const peers = await Promise.all(ams.map((a) => json<{ cluster: { peers: unknown[] } }>(`${a.base}/api/v2/status`)));
            return peers.every((p) => p.cluster.peers.length === 3) ? true : undefined;
        });
        traffic = drive(5, 0);
    });

    after(async () => {
        await traffic?.stop().catch(() => undefined);
        await stopAll(procs);
        await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
        await standIn?.receiver.close();
        await new Promise<void>((r) => (standIn ? standIn.exposition.close(() => r()) : r()));
    });

    it("scraped and pushed over OTLP, both services' series carry the labels the rules read, the app's route label intact", async () => {
        for (const prom of proms) {
            await waitFor(`the scraped service and the gateway stand-in up on ${prom}`, 20_000, async () => {
                const r = await json<{ data: { result: unknown[] } }>(`${prom}/api/v1/query?query=${encodeURIComponent(`up{job=~"checkout|${GATEWAY_JOB}"} == 1`)}`);
                return r.data.result.length === 2 ? true : undefined;
            });
        }
        const series = await waitFor("http_requests_total series of both services", 20_000, async () => {
            const r = await json<{ data: { result: { metric: Record<string, string> }[] } }>(
                `${proms[0]}/api/v1/query?query=${encodeURIComponent('http_requests_total{route="/"}')}`,
            );
            return r.data.result.length === SERVICES.length ? r.data.result.map((s) => s.metric) : undefined;
        });
        const of = (job: Service) => series.find((m) => m.job === job) as Record<string, string>;
        for (const service of SERVICES) {
            const m = of(service);
            assert.ok(m, `a series with job=${service}: ${JSON.stringify(series)}`);
            assert.equal(m.exported_endpoint, undefined, "no clash renamed an app label");
            assert.equal(m.http_status, "200");
            assert.equal(m.method, "GET");
            assert.equal(m.namespace, NAMESPACE);
            assert.equal(m.service, service);
            assert.equal(m.container, service);
        }
        assert.equal(of("checkout").endpoint, "http", "the scraped target's endpoint label");
        // Pushed: the pod and container as the pod states them, `instance` the pod, no scrape labels.
        const pushed = of(OTLP_SERVICE);
        assert.equal(pushed.pod, OTLP_POD.name);
        assert.equal(pushed.instance, OTLP_POD.name);
        assert.equal(pushed.endpoint, undefined);
        assert.equal(pushed.otel_scope_name, "plg-sample-app");
        assert.deepEqual(standIn?.receiver.refused, [], "OTLP/HTTP JSON on /v1/metrics");
        // Each Prometheus replica gets every sample: one remote-write endpoint each in the rendered config.
        assert.equal(gatewayModel?.remoteWriteUrls.length, proms.length);
        const buckets = await json<{ data: { result: { metric: Record<string, string> }[] } }>(
            `${proms[0]}/api/v1/query?query=${encodeURIComponent(`http_request_latency_seconds_bucket{job="${OTLP_SERVICE}",route="/"}`)}`,
        );
        assert.ok(buckets.data.result.some((b) => b.metric.le === "0.5") && buckets.data.result.some((b) => b.metric.le === "+Inf"), "the latency histogram, its `le` as the scraped one's");
    });

    it("healthy traffic: no notification", async () => {
        // Enough evaluations for any rule that would fire on healthy traffic to be pending or firing.
        await sleep(5_000);
        for (const prom of proms) {
            const r = await json<{ data: { alerts: { labels: Record<string, string> }[] } }>(`${prom}/api/v1/alerts`);
            assert.deepEqual(r.data.alerts.map((a) => a.labels.alertname), [], `${prom} has no pending or firing alert`);
        }
        assert.deepEqual(received, []);
    });

    it("an error burst on two services: one Slack message and one PagerDuty incident per service, with summary, runbook and dashboard", async () => {
        await switchTraffic(2, 0.5); // one request in five fails: well above the 5% threshold
        await waitFor("a page per service on Slack and PagerDuty", 100_000, async () =>
            SERVICES.every((s) => slack(s).length > 0) && pagerduty().length >= SERVICES.length ? true : undefined,
        1_000);
        await sleep(2_000); // a duplicate from another replica or Alertmanager would arrive by now
        for (const service of SERVICES) {
            const messages = slack(service);
            assert.equal(messages.length, 1, `one Slack message for ${service}`);
            const body = slackMessage(messages[0] as Notification);
            assert.equal(body.title, `[FIRING:1] ${ALERTS.highErrorRate} (${NAMESPACE}/${service})`);
            assert.ok(body.text.includes(`*High HTTP 5xx ratio on ${NAMESPACE}/${service}*`), body.text);
            assert.ok(body.text.includes(`Runbook: ${RUNBOOKS}/${ALERTS.highErrorRate.toLowerCase()}`), body.text);
            assert.ok(body.text.includes(`Dashboard: https://${GRAFANA_HOST}/d/plg-red?var-namespace=${NAMESPACE}&var-job=${service}`), body.text);
            assert.ok(body.title_link?.startsWith(externalUrl), `Slack title links to Grafana's alerting UI: ${body.title_link}`);
        }
        const pages = pagerduty();
        assert.deepEqual(pages.map((p) => p.event_action), ["trigger", "trigger"]);
        assert.equal(new Set(pages.map((p) => p.dedup_key)).size, 2, "two services, two incidents");
        for (const p of pages) {
            assert.match(p.payload.summary, new RegExp(`^\\[FIRING:1\\] ${ALERTS.highErrorRate} \\(${NAMESPACE}/([a-z-]+)\\): High HTTP 5xx ratio on ${NAMESPACE}/\\1$`));
            assert.ok(p.client_url?.startsWith(externalUrl), `PagerDuty's link opens Grafana's alerting UI: ${p.client_url}`);
        }
        assert.deepEqual(new Set(received.map((n) => n.receiver)), new Set(["slack", "pagerduty"]));
    });

    it("an Alertmanager dies and the budget burn fires too: still one notification per service and receiver", async () => {
        await (ams[0] as { proc: Proc }).proc.stop("SIGKILL");
        // ErrorBudgetBurnFast (for: 2m) fires on both replicas for both services.
        for (const prom of proms) {
            await waitFor(`${ALERTS.errorBudgetBurnFast} firing on ${prom}`, 90_000, async () =>
                (await firing(prom, ALERTS.errorBudgetBurnFast)).length === SERVICES.length ? true : undefined,
            1_000);
        }
        const survivor = ams[1] as { base: string };
        const burn = await waitFor("the burn alerts in a surviving Alertmanager", 10_000, async () => {
            const a = await json<{ labels: Record<string, string>; status: { state: string } }[]>(
                `${survivor.base}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${ALERTS.errorBudgetBurnFast}"`)}`,
            );
            return a.length === SERVICES.length ? a : undefined;
        });
        assert.deepEqual(burn.map((a) => a.status.state), ["suppressed", "suppressed"], "the spike's page already covers the burn");
        // A group interval (5s) and the peers' wait: an extra notification would have gone out.
        await sleep(8_000);
        for (const service of SERVICES) assert.equal(slack(service).length, 1, `still one Slack message for ${service}`);
        assert.equal(pagerduty().length, SERVICES.length, "still one PagerDuty event per service");
    });

    it("healthy traffic returns: one resolved notification per service and receiver, on the same incident", async () => {
        await switchTraffic(5, 0);
        // Good requests until the 5-minute error ratio is under half the fast burn's threshold on
        // both replicas, so HighErrorRate and the burn resolve together.
        const objective = (profileFor("prod").alerting as { availabilityObjective: number }).availabilityObjective;
        const burnThreshold = BURN_RATE_WINDOWS.fast.factor * (1 - objective);
        await waitFor("the 5m error ratio under the burn threshold", 60_000, async () => {
            await flood(1_000);
            for (const prom of proms) {
                const r = await json<{ data: { result: { value: [number, string] }[] } }>(
                    `${prom}/api/v1/query?query=${encodeURIComponent(`max(${sloErrorRatioRecord("5m")}{namespace="${NAMESPACE}"})`)}`,
                );
                if (!(Number(r.data.result[0]?.value[1] ?? 1) < burnThreshold / 2)) return undefined;
            }
            return true;
        }, 0);
        const resolved = (service: Service) => slack(service).some((n) => slackMessage(n).title.startsWith("[RESOLVED]"));
        await waitFor("resolved notifications", 60_000, async () =>
            SERVICES.every(resolved) && pagerduty().filter((p) => p.event_action === "resolve").length >= SERVICES.length ? true : undefined,
        1_000);
        await sleep(7_000); // a duplicate resolve would arrive by now
        const pages = pagerduty();
        const incidents = [...new Set(pages.map((p) => p.dedup_key))];
        assert.equal(incidents.length, SERVICES.length, "still one incident per service");
        for (const key of incidents) {
            const events = pages.filter((p) => p.dedup_key === key).map((p) => p.event_action);
            assert.equal(events[0], "trigger");
            assert.equal(events.filter((e) => e === "resolve").length, 1, `one resolve: ${events.join(", ")}`);
            assert.equal(events[events.length - 1], "resolve");
        }
        for (const service of SERVICES) {
            const titles = slack(service).map((n) => slackMessage(n).title);
            assert.equal(titles[0], `[FIRING:1] ${ALERTS.highErrorRate} (${NAMESPACE}/${service})`);
            assert.equal(titles.filter((t) => t.startsWith("[RESOLVED]")).length, 1, titles.join(" | "));
            assert.match(titles[titles.length - 1] ?? "", /^\[RESOLVED\] /);
            // In between, only what the inhibition lets through by design: the burn still firing
            // for a moment after HighErrorRate resolved (an update of the same incident).
            assert.ok(titles.length <= 3, titles.join(" | "));
            for (const t of titles.slice(1, -1)) assert.equal(t, `[FIRING:1] ${ALERTS.errorBudgetBurnFast} (${NAMESPACE}/${service})`, titles.join(" | "));
        }
        assert.ok(Date.now() - started < BUDGET_MS, `took ${Date.now() - started} ms`);
    });
});
