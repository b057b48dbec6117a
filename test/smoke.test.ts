/**
 * The smoke test's verdicts (tools/smoke.ts) on the answers the running services give: the
 * Prometheus targets API, Loki's query_range, Grafana's datasource health, Alertmanager's status.
 * Shapes as the upstream HTTP APIs document them; the cluster run itself is the CI workflow's.
 */
import assert from "node:assert/strict";
import { datasourceUids } from "../components/endpoints";
import { alertmanagerProblem, datasourceCheck, datasourceProblem, lokiProblem, targetsProblem } from "../tools/smoke";

describe("smoke test verdicts (tools/smoke.ts)", () => {
    it("Prometheus: passes with every active target up, names each one down, fails with none", () => {
        const target = (job: string, health: string, lastError = "") => ({ labels: { job }, scrapeUrl: `http://${job}:9090/metrics`, health, lastError });
        assert.equal(targetsProblem({ status: "success", data: { activeTargets: [target("prometheus", "up"), target("loki", "up")] } }), undefined);
        const down = targetsProblem({ status: "success", data: { activeTargets: [target("prometheus", "up"), target("alloy", "down", "connection refused")] } });
        assert.match(down ?? "", /alloy http:\/\/alloy:9090\/metrics \(down: connection refused\)/);
        assert.doesNotMatch(down ?? "", /prometheus http/);
        assert.equal(targetsProblem({ status: "success", data: { activeTargets: [] } }), "Prometheus has no active target");
    });

    it("Loki: finds the marker line in any stream, and says so when it is not there yet", () => {
        const body = (lines: string[]) => ({ status: "success", data: { resultType: "streams", result: [{ stream: { namespace: "default" }, values: lines.map((l, i) => [String(i), l]) }] } });
        assert.equal(lokiProblem(body(["other", "plg-smoke-abc123"]), "plg-smoke-abc123"), undefined);
        assert.match(lokiProblem(body(["other"]), "plg-smoke-abc123") ?? "", /no line plg-smoke-abc123 yet \(1 streams matched\)/);
        assert.match(lokiProblem({ status: "success", data: { result: [] } }, "m") ?? "", /0 streams/);
    });

    it("Grafana: a datasource is healthy only with HTTP 200 and status OK", () => {
        assert.equal(datasourceProblem("loki", 200, { status: "OK", message: "Data source successfully connected." }), undefined);
        assert.match(datasourceProblem("loki", 400, { status: "ERROR", message: "Unable to connect with Loki" }) ?? "", /loki health: HTTP 400, ERROR Unable to connect/);
        assert.match(datasourceProblem("prometheus", 401, "unauthorized") ?? "", /HTTP 401/);
    });

    it("Grafana's alertmanager datasource is checked through Grafana's proxy, not /health (no backend plugin: HTTP 500 Plugin unavailable, grafana/grafana#83794)", () => {
        const am = datasourceCheck(datasourceUids.alertmanager, 3);
        assert.equal(am.path, "/api/datasources/proxy/uid/alertmanager/api/v2/status");
        const ready = { cluster: { status: "ready", peers: [0, 1, 2].map((i) => ({ name: `p${i}`, address: `10.0.0.${i}:9094` })) } };
        assert.equal(am.problem(200, ready), undefined);
        assert.match(am.problem(200, { cluster: { status: "settling", peers: [] } }) ?? "", /alertmanager.*settling with 0 of 3 peers/);
        assert.match(am.problem(502, { message: "Bad Gateway" }) ?? "", /alertmanager.*HTTP 502/);
        // What /health answers for it on a healthy Grafana: the reason it is not asked.
        assert.ok(am.problem(500, { message: "Plugin unavailable" }) !== undefined);
        for (const uid of [datasourceUids.prometheus, datasourceUids.loki]) {
            const c = datasourceCheck(uid, 3);
            assert.equal(c.path, `/api/datasources/uid/${uid}/health`);
            assert.equal(c.problem(200, { status: "OK", message: "Data source successfully connected." }), undefined);
            assert.match(c.problem(400, { status: "ERROR", message: "down" }) ?? "", new RegExp(`${uid} health: HTTP 400`));
        }
    });

    it("Alertmanager: ready with every replica a peer; one replica runs unclustered", () => {
        const status = (s: string, peers: number) => ({ cluster: { status: s, peers: Array.from({ length: peers }, (_, i) => ({ name: `p${i}`, address: `10.0.0.${i}:9094` })) } });
        assert.equal(alertmanagerProblem(status("ready", 3), 3), undefined);
        assert.match(alertmanagerProblem(status("settling", 3), 3) ?? "", /cluster settling with 3 of 3 peers/);
        assert.match(alertmanagerProblem(status("ready", 2), 3) ?? "", /2 of 3 peers/);
        assert.equal(alertmanagerProblem(status("disabled", 0), 1), undefined);
        assert.match(alertmanagerProblem(status("disabled", 0), 3) ?? "", /disabled/);
    });
});
