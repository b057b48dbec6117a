import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { parseSettings } from "../config";
import { kps, datasourceUids, urls } from "../components/endpoints";
import { PAGERDUTY_ROUTING_KEY_KEY, SLACK_WEBHOOK_KEY } from "../components/k8s/metrics/alertmanager";
import { RED_DASHBOARD_UID } from "../components/k8s/metrics/rules";
import { isSecretMarker } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { requireBinary, run } from "./support/binaries";
import { type Graph, PROJECT, ROOT, runStack } from "./support/graph";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";

type Obj = Record<string, unknown>;
function at(o: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((cur, k) => (cur && typeof cur === "object" ? (cur as Obj)[k] : undefined), o);
}

const SLACK = "https://hooks.slack.com/services/TGRAPH/BGRAPH/graphtestwebhook";
const PD = "graphtestroutingkey0123456789abc";

for (const stack of ["dev", "prod"] as const) {
    const prod = stack === "prod";
    describe(`metrics and alerting in the mock graph (${stack})`, () => {
        let g: Graph;
        let values: Obj;
        before(async () => {
            g = await runStack(stack, { secrets: { slackWebhookUrl: SLACK, ...(prod ? { pagerdutyRoutingKey: PD } : {}) } });
            values = g.releaseValues(kps.release);
        });

        it("installs the operator CRDs as their own release, and kube-prometheus-stack after it without CRDs", () => {
            const crds = g.byType(RELEASE).find((r) => r.inputs.name === kps.crdsRelease);
            const main = g.byType(RELEASE).find((r) => r.inputs.name === kps.release);
            assert.ok(crds && main);
            assert.equal(crds.inputs.chart, "prometheus-operator-crds");
            assert.ok(main.options.dependsOn?.includes(crds.name), "kps must wait for its CRDs");
            assert.equal(at(values, "crds.enabled"), false);
            assert.equal(values.fullnameOverride, kps.fullname);
            for (const r of [crds, main]) assert.match(String(r.inputs.version), /^\d+\.\d+\.\d+$/, "chart versions are pinned");
        });

        it("runs the environment's Prometheus: replicas, retention, volume, external labels", () => {
            const spec = at(values, "prometheus.prometheusSpec") as Obj;
            assert.equal(spec.replicas, prod ? 2 : 1);
            assert.equal(spec.retention, prod ? "15d" : "7d");
            assert.equal(at(spec, "storageSpec.volumeClaimTemplate.spec.storageClassName"), "gp3");
            assert.equal(at(spec, "storageSpec.volumeClaimTemplate.spec.resources.requests.storage"), prod ? "100Gi" : "20Gi");
            assert.deepEqual(spec.externalLabels, { cluster: `plg-${stack}`, environment: stack });
            assert.ok(spec.replicaExternalLabelName);
        });

        it("selects every ServiceMonitor, PodMonitor, PrometheusRule, Probe and ScrapeConfig in the cluster", () => {
            const spec = at(values, "prometheus.prometheusSpec") as Obj;
            for (const k of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                assert.equal(spec[`${k}SelectorNilUsesHelmValues`], false, k);
            }
        });

        it(prod ? "clusters 3 Alertmanagers and guards both with PodDisruptionBudgets" : "runs one Alertmanager and no PDBs", () => {
            assert.equal(at(values, "alertmanager.alertmanagerSpec.replicas"), prod ? 3 : 1);
            assert.equal(at(values, "alertmanager.podDisruptionBudget.enabled"), prod);
            assert.equal(at(values, "prometheus.podDisruptionBudget.enabled"), prod);
        });

        it("mounts receiver credentials from one Secret by reference; no secret value in the Helm values", () => {
            assert.deepEqual(at(values, "alertmanager.alertmanagerSpec.secrets"), [kps.receiverSecretName]);
            const text = JSON.stringify(values);
            assert.ok(!text.includes(SLACK) && !text.includes(PD), "a receiver secret leaked into Helm values");
            assert.ok(text.includes(`/etc/alertmanager/secrets/${kps.receiverSecretName}/${SLACK_WEBHOOK_KEY}`));
            assert.equal(text.includes(PAGERDUTY_ROUTING_KEY_KEY), prod, "PagerDuty is referenced only where it is enabled");
        });

        it("keeps the receiver Secret's data a Pulumi secret holding exactly the enabled receivers", () => {
            const s = g.byType(SECRET).find((r) => at(r.inputs, "metadata.name") === kps.receiverSecretName);
            assert.ok(s, "no receiver Secret");
            assert.ok(isSecretMarker(s.inputs.stringData), "stringData must be secret");
            const data = g.inputs(s).stringData as Obj;
            assert.equal(data[SLACK_WEBHOOK_KEY], SLACK);
            assert.equal(data[PAGERDUTY_ROUTING_KEY_KEY], prod ? PD : undefined);
            assert.equal(at(s.inputs, "metadata.namespace"), kps.namespace);
        });

        it("gives Grafana a generated admin password in a secret Secret, and exports it as a secret", () => {
            const s = g.byType(SECRET).find((r) => at(r.inputs, "metadata.name") === kps.grafanaAdminSecretName);
            assert.ok(s && isSecretMarker(s.inputs.stringData));
            assert.equal(at(values, "grafana.admin.existingSecret"), kps.grafanaAdminSecretName);
            assert.ok(isSecretMarker(g.run.outputs.grafanaAdminPassword), "grafanaAdminPassword output must be secret");
            const ini = at(values, "grafana.grafana\\.ini") ?? (at(values, "grafana") as Obj)["grafana.ini"];
            assert.equal(at(ini, "users.allow_sign_up"), false);
            assert.equal(at(ini, "auth\\.anonymous") ?? (ini as Obj)["auth.anonymous"] ? at((ini as Obj)["auth.anonymous"], "enabled") : undefined, false);
            assert.equal(at(ini, "users.auto_assign_org_role"), "Viewer");
        });

        it("provisions datasources with the fixed uids, Loki at the gateway with the tenant header", () => {
            const extra = at(values, "grafana.additionalDataSources") as Obj[];
            const lokiDs = extra.find((d) => d.type === "loki");
            // Literal uids: dashboards and links in the wild refer to these; they must never drift.
            assert.equal(lokiDs?.uid, "loki");
            assert.equal(at(values, "grafana.sidecar.datasources.uid"), "prometheus");
            assert.equal(at(values, "grafana.sidecar.datasources.alertmanager.uid"), "alertmanager");
            assert.deepEqual(datasourceUids, { prometheus: "prometheus", alertmanager: "alertmanager", loki: "loki" });
            assert.equal(lokiDs?.url, urls.lokiGateway);
            assert.equal(at(lokiDs, "jsonData.httpHeaderName1"), "X-Scope-OrgID");
            // The platform tenant first, then each team tenant (a multi-tenant query: the platform's view reads every tenant).
            const parsed = parseSettings(readStackConfig(ROOT, path.join(ROOT, `Pulumi.${stack}.yaml`)).config);
            assert.ok(parsed.ok);
            const teams = parsed.settings.alerting.teams.filter((t) => t.namespaces.length > 0).map((t) => t.name);
            assert.ok(teams.length > 0, "the committed stack shows an example team");
            assert.equal(at(lokiDs, "secureJsonData.httpHeaderValue1"), ["platform", ...teams].join("|"));
        });

        it("ships the RED dashboard every alert links to, for Grafana's sidecar, after Grafana", () => {
            const cms = g.byType("kubernetes:core/v1:ConfigMap").filter((c) => at(c.inputs, "metadata.labels.grafana_dashboard") === "1");
            const uids = cms.map((c) => (JSON.parse(Object.values(c.inputs.data as Record<string, string>)[0] ?? "{}") as { uid?: string }).uid);
            assert.ok(uids.includes(RED_DASHBOARD_UID), `dashboards: ${uids.join(", ")}`);
            const main = g.byType(RELEASE).find((r) => r.inputs.name === kps.release);
            for (const c of cms) assert.ok(c.options.dependsOn?.includes(main?.name ?? "?"));
        });

        it("scrapes and evaluates rules at metrics.scrapeInterval (the Grafana datasource's interval follows)", () => {
            assert.equal(at(values, "prometheus.prometheusSpec.scrapeInterval"), "30s");
            assert.equal(at(values, "prometheus.prometheusSpec.evaluationInterval"), "30s");
        });

        it(prod ? "protects the monitoring namespace, the CRDs and kube-prometheus-stack" : "protects nothing (dev is disposable)", () => {
            const ns = g.byType("kubernetes:core/v1:Namespace").find((r) => at(r.inputs, "metadata.name") === kps.namespace);
            const crds = g.byType(RELEASE).find((r) => r.inputs.name === kps.crdsRelease);
            const main = g.byType(RELEASE).find((r) => r.inputs.name === kps.release);
            assert.ok(ns && crds && main);
            for (const r of [ns, crds, main]) assert.equal(r.options.protect === true, prod, r.name);
        });

        it("keeps every CRD when its release is removed or replaced", () => {
            const crds = g.releaseValues(kps.crdsRelease);
            assert.deepEqual(at(crds, "crds.annotations"), { "helm.sh/resource-policy": "keep" });
        });

        it("turns off the control-plane scrapes EKS cannot serve", () => {
            for (const k of ["kubeControllerManager", "kubeScheduler", "kubeEtcd"]) assert.equal(at(values, `${k}.enabled`), false, k);
        });

        it("deploys the platform's alert rules as a PrometheusRule after the CRDs", () => {
            const rule = g.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "-metrics-rules");
            const alerts = ((rule.inputs.spec as { groups: { rules: { alert?: string }[] }[] }).groups).flatMap((gr) => gr.rules.map((r) => r.alert)).filter(Boolean);
            for (const a of ["HighErrorRate", "HighLatencyP95", "ScrapeTargetDown", "ErrorBudgetBurnFast", "ErrorBudgetBurnSlow"]) assert.ok(alerts.includes(a), a);
            const crds = g.byType(RELEASE).find((r) => r.inputs.name === kps.crdsRelease);
            assert.ok(rule.options.dependsOn?.includes(crds?.name ?? "?"));
        });
    });
}

describe("metrics: Grafana on a hostname", () => {
    it("gets an HTTPS ALB ingress with the certificate, and alerts and outputs link to it", async () => {
        const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666";
        const g = await runStack("prod", { settings: { grafana: { hostname: "grafana.plg.example.org", tlsCertificateArn: cert } } });
        const values = g.releaseValues(kps.release);
        // The program's own Ingress (Pulumi waits for its ALB), none from the chart.
        assert.equal(at(values, "grafana.ingress.enabled"), false);
        const ingress = g.inputs(g.one("kubernetes:networking.k8s.io/v1:Ingress"));
        assert.deepEqual((at(ingress, "spec.rules") as Obj[]).map((r) => r.host), ["grafana.plg.example.org"]);
        assert.equal((at(ingress, "metadata.annotations") as Obj)["alb.ingress.kubernetes.io/certificate-arn"], cert);
        assert.equal(g.run.outputs.grafanaAccess, "https://grafana.plg.example.org");
        assert.equal(at(values, "alertmanager.alertmanagerSpec.externalUrl"), "https://grafana.plg.example.org/alerting");
        const rule = g.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "-metrics-rules");
        const dashboards = (rule.inputs.spec as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] }).groups
            .flatMap((gr) => gr.rules)
            .filter((r) => r.alert)
            .map((r) => r.annotations?.dashboard ?? "");
        assert.ok(dashboards.length > 0 && dashboards.every((d) => d.startsWith("https://grafana.plg.example.org/d/")), dashboards.join("\n"));
    });

    it("without a hostname, has no ingress and says how to port-forward", async () => {
        const g = await runStack("prod");
        assert.notEqual(at(g.releaseValues(kps.release), "grafana.ingress.enabled"), true);
        assert.deepEqual(g.byType("kubernetes:networking.k8s.io/v1:Ingress"), []);
        assert.equal(g.run.outputs.grafanaLoadBalancer, undefined);
        assert.equal(at(g.releaseValues(kps.release), "alertmanager.alertmanagerSpec.externalUrl"), undefined);
        // The whole output is a command to paste (EKS: the kubeconfig output's context is the current one).
        assert.equal(g.run.outputs.grafanaAccess, "kubectl -n monitoring port-forward svc/grafana 3000:80");
    });

    it("without a hostname, alerts and notifications carry no link that opens nowhere", async () => {
        const g = await runStack("prod");
        const rule = g.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "-metrics-rules");
        const annotations = (rule.inputs.spec as { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] }).groups
            .flatMap((gr) => gr.rules)
            .filter((r) => r.alert)
            .map((r) => r.annotations ?? {});
        assert.ok(annotations.length > 0);
        for (const a of annotations) {
            assert.equal(a.dashboard, undefined, "a relative /d/... link cannot be opened from Slack");
            assert.ok(!Object.values(a).some((v) => /(^|[\s(])\/d\//.test(v)), JSON.stringify(a));
        }
        const receivers = (at(g.releaseValues(kps.release), "alertmanager.config.receivers") as Obj[]).flatMap((r) => [
            ...((r.slack_configs as Obj[] | undefined) ?? []),
            ...((r.pagerduty_configs as Obj[] | undefined) ?? []),
        ]);
        // The platform's Slack and PagerDuty, and the example team's Slack.
        assert.equal(receivers.length, 3);
        // The default links go to Alertmanager's in-cluster URL: turned off.
        for (const r of receivers) assert.equal(r.title_link ?? r.client_url, "");
    });
});

describe("metrics: scrape interval", () => {
    it("a scrapeInterval setting reaches Prometheus, its rule evaluation and the promtool tests' step", async () => {
        const g = await runStack("dev", { settings: { metrics: { ...readMetrics("dev"), scrapeInterval: "15s" } } });
        assert.equal(at(g.releaseValues(kps.release), "prometheus.prometheusSpec.scrapeInterval"), "15s");
        assert.equal(at(g.releaseValues(kps.release), "prometheus.prometheusSpec.evaluationInterval"), "15s");
    });

    it("refuses a scrapeInterval the rules' rate windows cannot hold 4 scrapes of, naming the key", () => {
        const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.dev.yaml")).config;
        const r = parseSettings({ ...cfg, [`${PROJECT}:metrics`]: JSON.stringify({ scrapeInterval: "2m" }) });
        assert.equal(r.ok, false);
        const problems = r.ok ? [] : r.problems;
        assert.ok(
            problems.some((p) => p.startsWith(`${PROJECT}:metrics.scrapeInterval:`) && p.includes("expected at most 1m15s") && p.includes('given "2m"')),
            problems.join("\n"),
        );
    });
});

/** The stack file's metrics block (overrides replace a top-level key whole). */
function readMetrics(stack: string): Obj {
    const cfg = readStackConfig(ROOT, path.join(ROOT, `Pulumi.${stack}.yaml`)).config;
    const raw = cfg[`${PROJECT}:metrics`];
    return raw ? (JSON.parse(raw) as Obj) : {};
}

describe("metrics: the deployed rules fire for ServiceMonitor and PodMonitor apps alike", () => {
    it("HighErrorRate fires for each, labelled so the two are told apart (promtool)", async function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const g = await runStack("dev");
        const rule = g.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "-metrics-rules");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-deployed-rules-"));
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(rule.inputs.spec));
        // As the operator labels targets: a ServiceMonitor's carry the Service (job = its name),
        // a PodMonitor's have no service and job = <namespace>/<podmonitor>.
        const serviceMonitor = 'namespace="shop", service="cart", endpoint="http", job="cart", pod="cart-0", container="cart"';
        const podMonitor = 'namespace="shop", job="shop/orders", pod="orders-0", container="orders"';
        const failing = (labels: string) => [
            { series: `http_requests_total{${labels}, http_status="500"}`, values: "0+60x20" },
            { series: `http_requests_total{${labels}, http_status="200"}`, values: "0+60x20" },
        ];
        fs.writeFileSync(
            path.join(dir, "test.yaml"),
            stringify({
                rule_files: ["rules.yaml"],
                evaluation_interval: "30s",
                tests: [
                    {
                        interval: "30s",
                        input_series: [...failing(serviceMonitor), ...failing(podMonitor)],
                        promql_expr_test: [
                            {
                                expr: 'ALERTS{alertname="HighErrorRate", alertstate="firing"}',
                                eval_time: "5m",
                                exp_samples: [
                                    { labels: 'ALERTS{alertname="HighErrorRate", alertstate="firing", severity="critical", namespace="shop", job="cart", service="cart"}', value: 1 },
                                    { labels: 'ALERTS{alertname="HighErrorRate", alertstate="firing", severity="critical", namespace="shop", job="shop/orders"}', value: 1 },
                                ],
                            },
                        ],
                    },
                ],
            }),
        );
        const test = run(promtool, ["test", "rules", "test.yaml"], dir);
        assert.equal(test.code, 0, test.output);
    });
});

describe("metrics: receivers follow config", () => {
    it("a stack with Slack disabled and no secret has no Slack route and an empty receiver Secret", async () => {
        const g = await runStack("dev", {
            settings: { alerting: { slack: { enabled: false, channel: "#x" } } },
            secrets: { slackWebhookUrl: null },
        });
        const values = g.releaseValues(kps.release);
        assert.ok(!JSON.stringify(at(values, "alertmanager.config")).includes("slack"), "no Slack receiver when disabled");
        const s = g.byType(SECRET).find((r) => at(r.inputs, "metadata.name") === kps.receiverSecretName);
        assert.deepEqual(g.inputs(s!).stringData, {});
    });
});
