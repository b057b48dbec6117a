/**
 * A team that owns no namespace (known only by its `team` alert label) writes no logs, so it has no
 * Loki tenant (logs/values.ts teamLogTenants, the function Alloy routes by) and no loki-<team>
 * datasource: the team files loader refuses its Loki rule files and dashboards reading that uid,
 * naming each file, on the repository's own example team.
 */
import assert from "node:assert/strict";
import { type Settings, parseSettings } from "../config";
import { stackTeams } from "../components/k8s/teams";
import { readStackConfig } from "../tools/stack-config";
import { PROJECT, ROOT } from "./support/graph";

/** The dev stack with `teams` as its alerting.teams. */
function devWith(teams: unknown[]): Settings {
    const cfg = { ...readStackConfig(ROOT, `${ROOT}/Pulumi.dev.yaml`).config };
    const alerting = JSON.parse(cfg[`${PROJECT}:alerting`] ?? "{}") as Record<string, unknown>;
    cfg[`${PROJECT}:alerting`] = JSON.stringify({ ...alerting, teams });
    const r = parseSettings(cfg);
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.settings;
}

describe("teams without namespaces: no Loki tenant, so no Loki rules or own-Loki dashboards", () => {
    it("a team that owns no namespace may not ship Loki rules or read its own Loki: the loader refuses them, naming each file", () => {
        const problems = stackTeams(devWith([{ name: "payments", namespaces: [] }])).problems;
        // The repository's example team ships teams/payments/loki/logs.yaml and a dashboard reading loki-payments.
        assert.ok(problems.some((p) => p.startsWith(`teams/payments/loki/logs.yaml: team "payments" owns no namespace`)), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("teams/payments/dashboards/payments-overview.json: datasource \"loki-payments\" does not exist")), problems.join("\n"));
        assert.deepEqual(stackTeams(devWith([{ name: "payments", namespaces: ["payments"] }])).problems, []);
    });
});
