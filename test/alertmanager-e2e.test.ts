import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { kps } from "../components/endpoints";
import { requireBinary } from "./support/binaries";
import { runStack } from "./support/graph";
import { Proc, freePort } from "./support/processes";

interface AlertGroup {
    receiver: { name: string };
    alerts: { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
}

/**
 * The Alertmanager configuration the prod stack deploys, loaded by a real Alertmanager on
 * loopback: alerts posted to its API land in the receivers the routing promises, and critical
 * inhibits warning for the same alert and namespace.
 */
describe("alertmanager end to end (real process on loopback)", function () {
    this.timeout(30_000);
    let proc: Proc | undefined;
    let base = "";

    before(async function () {
        const bin = requireBinary(this, "prometheus-alertmanager", "prometheus-alertmanager");
        const g = await runStack("prod");
        const config = (g.releaseValues(kps.release).alertmanager as { config: unknown }).config;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-am-"));
        fs.writeFileSync(path.join(dir, "alertmanager.yml"), YAML.stringify(config));
        const port = await freePort();
        base = `http://127.0.0.1:${port}`;
        proc = new Proc("alertmanager", bin, [
            `--config.file=${path.join(dir, "alertmanager.yml")}`,
            `--storage.path=${path.join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--cluster.listen-address=",
        ]);
        await proc.waitReady(`${base}/-/ready`, 15_000);
        const alert = (labels: Record<string, string>) => ({ labels, annotations: { summary: "test" }, startsAt: new Date().toISOString() });
        const res = await fetch(`${base}/api/v2/alerts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify([
                alert({ alertname: "HighErrorRate", severity: "critical", namespace: "shop", service: "checkout" }),
                alert({ alertname: "HighErrorRate", severity: "warning", namespace: "shop", service: "checkout" }),
                alert({ alertname: "HighLatencyP95", severity: "warning", namespace: "shop", service: "checkout" }),
                alert({ alertname: "Watchdog", severity: "none" }),
                // Two apps scraped by PodMonitors: no `service` label, told apart by `job`.
                alert({ alertname: "ErrorBudgetBurnFast", severity: "critical", namespace: "shop", job: "shop/orders" }),
                alert({ alertname: "ErrorBudgetBurnSlow", severity: "warning", namespace: "shop", job: "shop/orders" }),
                alert({ alertname: "ErrorBudgetBurnSlow", severity: "warning", namespace: "shop", job: "shop/payments" }),
                // One incident per service: a spike on `api` fires both pages; `web` only burns.
                alert({ alertname: "HighErrorRate", severity: "critical", namespace: "pay", job: "api", service: "api" }),
                alert({ alertname: "ErrorBudgetBurnFast", severity: "critical", namespace: "pay", job: "api", service: "api" }),
                alert({ alertname: "ErrorBudgetBurnFast", severity: "critical", namespace: "pay", job: "web", service: "web" }),
            ]),
        });
        assert.equal(res.status, 200, await res.text());
    });

    after(() => proc?.stop());

    async function groups(): Promise<AlertGroup[]> {
        // Inhibition is evaluated on read; give the dispatcher a moment to group.
        for (let i = 0; i < 50; i++) {
            const gs = (await (await fetch(`${base}/api/v2/alerts/groups`)).json()) as AlertGroup[];
            if (gs.length >= 4) return gs;
            await new Promise((r) => setTimeout(r, 100));
        }
        return (await (await fetch(`${base}/api/v2/alerts/groups`)).json()) as AlertGroup[];
    }

    function receiversOf(gs: AlertGroup[], alertname: string, severity?: string): string[] {
        return gs
            .filter((g) => g.alerts.some((a) => a.labels.alertname === alertname && (severity === undefined || a.labels.severity === severity)))
            .map((g) => g.receiver.name)
            .sort();
    }

    it("pages and posts a critical alert, posts a warning, tells nobody about Watchdog", async () => {
        const gs = await groups();
        const shop = gs.filter((g) => g.alerts.every((a) => a.labels.namespace === "shop"));
        assert.deepEqual(receiversOf(shop, "HighErrorRate", "critical"), ["pagerduty", "slack"]);
        assert.deepEqual(receiversOf(gs, "HighLatencyP95"), ["slack"]);
        assert.deepEqual(receiversOf(gs, "Watchdog"), ["null"]);
    });

    it("inhibits the warning of an alert that is also critical in the same namespace", async () => {
        const res = await fetch(`${base}/api/v2/alerts?filter=alertname%3D%22HighErrorRate%22&filter=severity%3D%22warning%22`);
        const alerts = (await res.json()) as { status: { state: string; inhibitedBy: string[] } }[];
        assert.equal(alerts.length, 1);
        assert.equal(alerts[0]?.status.state, "suppressed");
        assert.ok((alerts[0]?.status.inhibitedBy.length ?? 0) > 0);
        const latency = (await (await fetch(`${base}/api/v2/alerts?filter=alertname%3D%22HighLatencyP95%22`)).json()) as { status: { state: string } }[];
        assert.equal(latency[0]?.status.state, "active", "a warning with no critical twin is not inhibited");
    });

    it("one service's HighErrorRate and fast burn are one group per receiver (one page), another service pages apart", async () => {
        const gs = await groups();
        for (const receiver of ["pagerduty", "slack"]) {
            const pay = gs.filter((g) => g.receiver.name === receiver && g.alerts.some((a) => a.labels.namespace === "pay"));
            const jobs = pay.map((g) => [...new Set(g.alerts.map((a) => a.labels.job))]).sort();
            assert.deepEqual(jobs, [["api"], ["web"]], `${receiver}: one group per service`);
            const api = pay.find((g) => g.alerts.some((a) => a.labels.job === "api"));
            assert.deepEqual(api?.alerts.map((a) => a.labels.alertname).sort(), ["ErrorBudgetBurnFast", "HighErrorRate"]);
        }
        const burn = (await (await fetch(`${base}/api/v2/alerts?filter=alertname%3D%22ErrorBudgetBurnFast%22&filter=namespace%3D%22pay%22`)).json()) as {
            labels: Record<string, string>;
            status: { state: string };
        }[];
        const state = Object.fromEntries(burn.map((a) => [a.labels.job, a.status.state]));
        assert.deepEqual(state, { api: "suppressed", web: "active" }, "the spike's burn alert adds nothing to its page; a burn alone still pages");
    });

    it("a fast burn mutes the slow burn of the same app only, for apps without a service label too", async () => {
        const res = await fetch(`${base}/api/v2/alerts?filter=alertname%3D%22ErrorBudgetBurnSlow%22`);
        const alerts = (await res.json()) as { labels: Record<string, string>; status: { state: string } }[];
        const state = Object.fromEntries(alerts.map((a) => [a.labels.job, a.status.state]));
        assert.deepEqual(state, { "shop/orders": "suppressed", "shop/payments": "active" });
    });
});
