import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import {
    PAGERDUTY_ROUTING_KEY_KEY,
    SLACK_WEBHOOK_KEY,
    TEMPLATE_DIR,
    buildAlertmanagerConfig,
    type AlertmanagerBuild,
    type AlertmanagerInput,
} from "../components/k8s/metrics/alertmanager";
import { alertmanagerSecretPath, kps } from "../components/endpoints";
import { PROD_LIKE_ALERTMANAGER_INPUT } from "./support/alertmanager-input";
import { requireBinary, run } from "./support/binaries";

const { slack: _slack, pagerduty: _pagerduty, ...prodLike } = PROD_LIKE_ALERTMANAGER_INPUT;
const base: Omit<AlertmanagerInput, "slack" | "pagerduty"> = { ...prodLike, heartbeat: { enabled: false } };
const PROD: AlertmanagerInput = { ...base, slack: { enabled: true, channel: "#alerts-prod" }, pagerduty: { enabled: true } };
const DEV: AlertmanagerInput = { ...base, slack: { enabled: true, channel: "#alerts-dev" }, pagerduty: { enabled: false } };
const NONE: AlertmanagerInput = { ...base, slack: { enabled: false, channel: "" }, pagerduty: { enabled: false } };
/** prod-like, with Grafana (and so Alertmanager's externalUrl) reachable only from inside the cluster. */
const PRIVATE: AlertmanagerInput = { ...PROD, externalUrlIsPublic: false };

/**
 * Writes the config and its templates to a temp dir. The template glob is pointed at that dir so
 * amtool parses our template files too; the *_file paths need not exist (amtool only reads them
 * when sending).
 */
function writeConfig(build: AlertmanagerBuild): { dir: string; file: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-am-"));
    for (const [name, text] of Object.entries(build.templates)) fs.writeFileSync(path.join(dir, name), text);
    const templates = build.config.templates.map((t) => t.replace(TEMPLATE_DIR, dir));
    const file = path.join(dir, "alertmanager.yaml");
    fs.writeFileSync(file, stringify({ ...build.config, templates }));
    return { dir, file };
}

/** Receivers amtool resolves for a label set, e.g. "pagerduty,slack". */
function receiversFor(amtool: string, file: string, labels: string[]): string {
    const r = run(amtool, ["config", "routes", "test", `--config.file=${file}`, ...labels]);
    assert.equal(r.code, 0, r.output);
    return r.output
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("Warning:"))
        .join("\n");
}

function allKeys(node: unknown, out: string[] = []): string[] {
    if (Array.isArray(node)) node.forEach((n) => allKeys(n, out));
    else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
            out.push(k);
            allKeys(v, out);
        }
    }
    return out;
}

describe("alertmanager config (amtool)", function () {
    for (const [name, input] of [
        ["slack + pagerduty (prod-like)", PROD],
        ["slack only (dev-like)", DEV],
        ["no receivers", NONE],
        ["no public URL (no links to Alertmanager)", PRIVATE],
    ] as const) {
        it(`check-config passes, templates included: ${name}`, function () {
            const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
            const { file } = writeConfig(buildAlertmanagerConfig(input));
            const r = run(amtool, ["check-config", file]);
            assert.equal(r.code, 0, r.output);
            assert.match(r.output, / - 1 templates/);
        });
    }

    const cases: { input: AlertmanagerInput; name: string; expected: Record<string, string> }[] = [
        { input: PROD, name: "prod-like", expected: { critical: "pagerduty,slack", warning: "slack", watchdog: "null", info: "null" } },
        { input: DEV, name: "dev-like", expected: { critical: "slack", warning: "slack", watchdog: "null", info: "null" } },
        { input: NONE, name: "no receivers", expected: { critical: "null", warning: "null", watchdog: "null", info: "null" } },
    ];
    for (const c of cases) {
        it(`routes critical/warning/Watchdog to the right receivers: ${c.name}`, function () {
            const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
            const { file } = writeConfig(buildAlertmanagerConfig(c.input));
            const got = {
                critical: receiversFor(amtool, file, ["severity=critical", "alertname=HighErrorRate", "namespace=shop"]),
                warning: receiversFor(amtool, file, ["severity=warning", "alertname=HighLatencyP95", "namespace=shop"]),
                // kps' Watchdog carries severity "none"; also check it stays away from humans if it ever were critical.
                watchdog: receiversFor(amtool, file, ["severity=none", "alertname=Watchdog", "namespace=monitoring"]),
                info: receiversFor(amtool, file, ["severity=info", "alertname=KubeQuotaAlmostFull", "namespace=shop"]),
            };
            assert.deepEqual(got, c.expected);
            assert.equal(
                receiversFor(amtool, file, ["severity=critical", "alertname=Watchdog", "namespace=monitoring"]),
                "null",
            );
        });
    }

    it("renders summary, description, links and every label into the Slack message", function () {
        const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
        const build = buildAlertmanagerConfig(PROD);
        const { dir } = writeConfig(build);
        const labels = { alertname: "HighErrorRate", namespace: "shop", service: "checkout", severity: "critical" };
        const annotations = {
            summary: "High HTTP 5xx ratio on shop/checkout",
            description: "12% of requests returned 5xx",
            runbook_url: "https://runbooks.example.com/plg/higherrorrate",
            dashboard: "https://grafana.example.com/d/plg-red",
        };
        const data = {
            receiver: "slack",
            status: "firing",
            alerts: [
                {
                    status: "firing",
                    labels,
                    annotations,
                    startsAt: "2026-01-01T00:00:00Z",
                    endsAt: "0001-01-01T00:00:00Z",
                    generatorURL: "http://prometheus/graph",
                    fingerprint: "1",
                },
            ],
            groupLabels: { alertname: labels.alertname, namespace: labels.namespace },
            commonLabels: labels,
            commonAnnotations: annotations,
            externalURL: "http://alertmanager",
        };
        const dataFile = path.join(dir, "data.json");
        fs.writeFileSync(dataFile, JSON.stringify(data));
        const slack = build.config.receivers.find((r) => r.slack_configs)?.slack_configs?.[0];
        assert.ok(slack);
        const render = (text: string): string => {
            const r = run(amtool, [
                "template",
                "render",
                `--template.glob=${path.join(dir, "*.tmpl")}`,
                `--template.text=${text}`,
                `--template.data=${dataFile}`,
            ]);
            assert.equal(r.code, 0, r.output);
            return r.output;
        };
        const title = render(slack.title);
        assert.match(title, /FIRING:1/);
        assert.match(title, /HighErrorRate/);
        const text = render(slack.text);
        for (const v of Object.values(annotations)) assert.ok(text.includes(v), `text shows ${v}:\n${text}`);
        for (const [k, v] of Object.entries(labels)) assert.ok(text.includes(`${k}=${v}`), `text shows label ${k}:\n${text}`);
        const pd = build.config.receivers.find((r) => r.pagerduty_configs)?.pagerduty_configs?.[0];
        assert.ok(pd);
        assert.match(render(pd.description), /HighErrorRate.*High HTTP 5xx ratio on shop\/checkout/);
    });

    it("titles a service's page group by the firing alert and the service, also once HighErrorRate has resolved", function () {
        const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
        const build = buildAlertmanagerConfig(PROD);
        const { dir } = writeConfig(build);
        const labels = (alertname: string) => ({ alertname, namespace: "shop", job: "checkout", service: "checkout", severity: "critical" });
        const alert = (alertname: string, status: string) => ({
            status,
            labels: labels(alertname),
            annotations: { summary: `${alertname} on shop/checkout` },
            startsAt: "2026-01-01T00:00:00Z",
            endsAt: status === "firing" ? "0001-01-01T00:00:00Z" : "2026-01-01T00:05:00Z",
            generatorURL: "http://prometheus/graph",
            fingerprint: alertname,
        });
        // The spike resolved while the fast burn still fires: the group's labels differ in alertname.
        const data = {
            receiver: "pagerduty",
            status: "firing",
            alerts: [alert("HighErrorRate", "resolved"), alert("ErrorBudgetBurnFast", "firing")],
            groupLabels: { namespace: "shop", job: "checkout" },
            commonLabels: { namespace: "shop", job: "checkout", service: "checkout", severity: "critical" },
            commonAnnotations: {},
            externalURL: "http://alertmanager",
        };
        const dataFile = path.join(dir, "data.json");
        fs.writeFileSync(dataFile, JSON.stringify(data));
        const render = (text: string): string => {
            const r = run(amtool, ["template", "render", `--template.glob=${path.join(dir, "*.tmpl")}`, `--template.text=${text}`, `--template.data=${dataFile}`]);
            assert.equal(r.code, 0, r.output);
            return r.output.trim();
        };
        const slack = build.config.receivers.find((r) => r.slack_configs)?.slack_configs?.[0];
        const pd = build.config.receivers.find((r) => r.pagerduty_configs)?.pagerduty_configs?.[0];
        assert.ok(slack && pd);
        assert.equal(render(slack.title), "[FIRING:1] ErrorBudgetBurnFast (shop/checkout)");
        assert.equal(render(pd.description), "[FIRING:1] ErrorBudgetBurnFast (shop/checkout): ErrorBudgetBurnFast on shop/checkout");
    });
});

describe("alertmanager config (structure)", function () {
    it("reads credentials only from files of the mounted Secret", function () {
        const { config } = buildAlertmanagerConfig(PROD);
        const keys = allKeys(config);
        for (const forbidden of ["api_url", "routing_key", "service_key", "slack_api_url", "pagerduty_url"]) {
            assert.ok(!keys.includes(forbidden), `${forbidden} would put a secret in the config`);
        }
        const slack = config.receivers.flatMap((r) => r.slack_configs ?? []);
        const pd = config.receivers.flatMap((r) => r.pagerduty_configs ?? []);
        assert.deepEqual(slack.map((s) => s.api_url_file), [alertmanagerSecretPath(kps.receiverSecretName, SLACK_WEBHOOK_KEY)]);
        assert.deepEqual(pd.map((p) => p.routing_key_file), [alertmanagerSecretPath(kps.receiverSecretName, PAGERDUTY_ROUTING_KEY_KEY)]);
        assert.ok(slack.every((s) => s.send_resolved));
    });

    it("defines no receiver and no route for a disabled integration", function () {
        const routedTo = (input: AlertmanagerInput): string[] => {
            const { config } = buildAlertmanagerConfig(input);
            return [config.route.receiver, ...(config.route.routes ?? []).map((r) => r.receiver)];
        };
        assert.ok(!routedTo(DEV).includes("pagerduty"));
        assert.deepEqual(buildAlertmanagerConfig(DEV).config.receivers.map((r) => r.name).sort(), ["null", "slack"]);
        assert.deepEqual([...new Set(routedTo(NONE))], ["null"]);
        assert.deepEqual(buildAlertmanagerConfig(NONE).config.receivers.map((r) => r.name), ["null"]);
    });

    it("lets a critical alert mute the warning of the same alert and namespace", function () {
        const { config } = buildAlertmanagerConfig(PROD);
        const rule = config.inhibit_rules.find(
            (r) => r.source_matchers.includes('severity="critical"') && r.target_matchers.some((m) => m.includes("warning")),
        );
        assert.ok(rule);
        assert.deepEqual([...(rule.equal ?? [])].sort(), ["alertname", "namespace"]);
    });

    it("uses the settings for grouping and timing, and loads templates where kps mounts templateFiles", function () {
        const { config, templates } = buildAlertmanagerConfig({ ...DEV, groupBy: ["cluster"], repeatInterval: "12h" });
        assert.deepEqual(config.route.group_by, ["cluster"]);
        assert.equal(config.route.repeat_interval, "12h");
        assert.deepEqual(config.templates, ["/etc/alertmanager/config/*.tmpl"]);
        assert.ok(Object.keys(templates).every((f) => f.endsWith(".tmpl")));
    });

    it("links Slack titles and PagerDuty incidents to Alertmanager only when its externalUrl is public", function () {
        const links = (input: AlertmanagerInput) => {
            const { config } = buildAlertmanagerConfig(input);
            const slack = config.receivers.flatMap((r) => r.slack_configs ?? []);
            const pd = config.receivers.flatMap((r) => r.pagerduty_configs ?? []);
            assert.equal(slack.length, 1);
            assert.equal(pd.length, 1);
            return { title_link: slack[0]?.title_link, fallback: slack[0]?.fallback, client_url: pd[0]?.client_url };
        };
        // Alertmanager's defaults link to its externalUrl (the fallback text appends it); "" turns the link off.
        assert.deepEqual(links(PROD), { title_link: undefined, fallback: undefined, client_url: undefined });
        const off = links(PRIVATE);
        assert.equal(off.title_link, "");
        assert.equal(off.client_url, "");
        assert.equal(off.fallback, buildAlertmanagerConfig(PRIVATE).config.receivers.find((r) => r.slack_configs)?.slack_configs?.[0]?.title);
    });

    it("lets a fast burn mute the slow burn of the same service, identified by the rules' labels", function () {
        const { config } = buildAlertmanagerConfig({ ...PROD, serviceLabels: ["namespace", "job", "cluster"] });
        const rule = config.inhibit_rules.find((r) => r.source_matchers.some((m) => m.includes("ErrorBudgetBurnFast")));
        assert.ok(rule);
        assert.deepEqual(rule.target_matchers, ['alertname="ErrorBudgetBurnSlow"']);
        assert.deepEqual(rule.equal, ["namespace", "job", "cluster"]);
        assert.throws(() => buildAlertmanagerConfig({ ...PROD, serviceLabels: [] }), /serviceLabels/);
    });

    it("requires a Slack channel when Slack is enabled", function () {
        assert.throws(() => buildAlertmanagerConfig({ ...DEV, slack: { enabled: true, channel: "" } }), /slack\.channel/);
    });
});
