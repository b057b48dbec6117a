/**
 * Dead man's switch: the always-firing Watchdog goes to an external heartbeat URL (a Pulumi secret
 * delivered as a file of the receivers Secret), off unless configured, prod warned while off.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { parseSettings } from "../config";
import { alertmanagerSecretPath, kps } from "../components/endpoints";
import {
    HEARTBEAT_INTERVAL,
    HEARTBEAT_URL_KEY,
    RECEIVERS,
    type AlertmanagerConfig,
    type AlertmanagerInput,
    buildAlertmanagerConfig,
} from "../components/k8s/metrics/alertmanager";
import { isSecretMarker } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { PROD_LIKE_ALERTMANAGER_INPUT } from "./support/alertmanager-input";
import { requireBinary, run } from "./support/binaries";
import { ROOT, runStack } from "./support/graph";

const HEARTBEAT_URL = "https://hc-ping.com/0f4c2b8e-heartbeat-test";

const input = (heartbeat: boolean): AlertmanagerInput => ({ ...PROD_LIKE_ALERTMANAGER_INPUT, heartbeat: { enabled: heartbeat } });

/**
 * Receivers amtool routes a label set to. Debian's amtool (0.25) predates the webhook `url_file`
 * (Alertmanager 0.26; the chart ships 0.34): for routing only, the file reference becomes a URL.
 */
function routesTo(config: AlertmanagerConfig, labels: string[], ctx: Mocha.Context): string {
    const amtool = requireBinary(ctx, "amtool", "prometheus-alertmanager");
    const forOldAmtool = {
        ...config,
        templates: [],
        receivers: config.receivers.map((r) =>
            r.webhook_configs ? { ...r, webhook_configs: r.webhook_configs.map(({ send_resolved }) => ({ url: "https://heartbeat.invalid/", send_resolved })) } : r,
        ),
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plg-hb-")), "alertmanager.yaml");
    fs.writeFileSync(file, stringify(forOldAmtool));
    const r = run(amtool, ["config", "routes", "test", `--config.file=${file}`, ...labels]);
    assert.equal(r.code, 0, r.output);
    return r.output.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("Warning:")).join("\n");
}

describe("dead man's switch (heartbeat)", function () {
    it("sends Watchdog, and only Watchdog, to the heartbeat webhook every minute, its URL read from the receivers Secret", function () {
        const { config } = buildAlertmanagerConfig(input(true));
        const hb = config.receivers.find((r) => r.name === RECEIVERS.heartbeat);
        assert.deepEqual(hb?.webhook_configs, [{ url_file: alertmanagerSecretPath(kps.receiverSecretName, HEARTBEAT_URL_KEY), send_resolved: false }]);
        const route = config.route.routes?.find((r) => r.receiver === RECEIVERS.heartbeat);
        assert.equal(route?.repeat_interval, HEARTBEAT_INTERVAL);
        assert.equal(route?.group_interval, HEARTBEAT_INTERVAL);
        assert.equal(routesTo(config, ["alertname=Watchdog", "severity=none"], this), RECEIVERS.heartbeat);
        // Real alerts still page and post as before; the heartbeat sees none of them.
        assert.equal(routesTo(config, ["alertname=HighErrorRate", "severity=critical", "namespace=shop", "job=shop"], this), "pagerduty,slack");
        assert.equal(routesTo(config, ["alertname=KubePodCrashLooping", "severity=warning", "namespace=shop"], this), RECEIVERS.slack);
    });

    it("is off by default: Watchdog dropped, no heartbeat receiver", function () {
        const { config } = buildAlertmanagerConfig(input(false));
        assert.equal(config.receivers.find((r) => r.name === RECEIVERS.heartbeat), undefined);
        assert.equal(routesTo(config, ["alertname=Watchdog", "severity=none"], this), RECEIVERS.none);
    });

    it("puts the URL in the receivers Secret as a Pulumi secret, and only its file path in the Helm values", async () => {
        const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.prod.yaml"));
        const alerting = { ...(JSON.parse(cfg.config["plg-observability:alerting"] ?? "{}") as Record<string, unknown>), heartbeat: { enabled: true } };
        const on = await runStack("prod", { settings: { alerting }, secrets: { heartbeatUrl: HEARTBEAT_URL } });
        const g = await runStack("prod", { secrets: { heartbeatUrl: HEARTBEAT_URL } });
        const secretOf = (graph: typeof g) => graph.one("kubernetes:core/v1:Secret", "-receivers");
        const data = secretOf(on).inputs.stringData;
        assert.ok(isSecretMarker(data), "stringData is a Pulumi secret");
        assert.equal((on.inputs(secretOf(on)).stringData as Record<string, string>)[HEARTBEAT_URL_KEY], HEARTBEAT_URL);
        // Off: the URL, even when set, never reaches the cluster.
        assert.equal((g.inputs(secretOf(g)).stringData as Record<string, string>)[HEARTBEAT_URL_KEY], undefined);
        const values = JSON.stringify(on.releaseValues(kps.release));
        assert.ok(!values.includes(HEARTBEAT_URL), "the URL is in the Helm values");
        assert.ok(values.includes(alertmanagerSecretPath(kps.receiverSecretName, HEARTBEAT_URL_KEY)));
    });

    it("requires the heartbeatUrl secret when on, and warns prod while it is off", () => {
        const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.prod.yaml"));
        const alerting = JSON.parse(cfg.config["plg-observability:alerting"] ?? "{}") as Record<string, unknown>;
        const withSecrets = { ...cfg.config, "plg-observability:slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/x", "plg-observability:pagerdutyRoutingKey": "0123456789abcdef0123456789abcdef" };
        const off = parseSettings({ ...withSecrets, "plg-observability:alerting": JSON.stringify({ ...alerting, heartbeat: { enabled: false } }) });
        assert.ok(off.ok);
        assert.ok(off.warnings.some((w) => w.startsWith("plg-observability:alerting.heartbeat.enabled:") && w.includes("heartbeatUrl")), off.warnings.join("\n"));
        const on = { ...withSecrets, "plg-observability:alerting": JSON.stringify({ ...alerting, heartbeat: { enabled: true } }) };
        // readStackConfig gives every absent secret its offline placeholder: take it away.
        const withoutUrl: Record<string, string> = { ...on };
        delete withoutUrl["plg-observability:heartbeatUrl"];
        const missing = parseSettings(withoutUrl);
        assert.ok(!missing.ok && missing.problems.some((p) => p.includes("heartbeatUrl")), JSON.stringify(missing));
        const given = parseSettings({ ...on, "plg-observability:heartbeatUrl": HEARTBEAT_URL });
        assert.ok(given.ok, JSON.stringify(given));
        assert.ok(!given.warnings.some((w) => w.includes("alerting.heartbeat")));
        const dev = readStackConfig(ROOT, path.join(ROOT, "Pulumi.dev.yaml"));
        const devParsed = parseSettings({ ...dev.config, "plg-observability:slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/x" });
        assert.ok(devParsed.ok && !devParsed.warnings.some((w) => w.includes("alerting.heartbeat")), "dev is not nagged");
    });
});
