import { RULES_INPUT } from "./support/fixtures";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { buildPrometheusRuleTests, type PromtoolTestFile } from "../components/k8s/metrics/rule-tests";
import {
    ALERTS,
    RED_DASHBOARD_UID,
    SLO_WINDOWS,
    buildPrometheusRules,
    sloErrorRatioRecord,
    type AlertingRule,
    type MetricsRulesInput,
    type Rule,
    type RuleFile,
} from "../components/k8s/metrics/rules";
import { requireBinary, run } from "./support/binaries";
import { promqlSyntaxErrors } from "../components/k8s/teams/grammar";

const DEFAULTS = RULES_INPUT;

/** Different numbers everywhere, to show the tests follow the settings. */
const TUNED: MetricsRulesInput = {
    httpStatusLabel: "code",
    errorRateThreshold: 0.2,
    errorRateFor: "3m",
    latencyP95ThresholdSeconds: 2,
    latencyFor: "10m",
    availabilityObjective: 0.99,
    runbookBaseUrl: "https://wiki.example.com/runbooks/",
    dashboardBaseUrl: "https://grafana.example.com",
    groupBy: ["namespace", "job", "cluster"],
    targetDownFor: "2m",
    scrapeInterval: "15s",
};

const alerts = (file: RuleFile): AlertingRule[] =>
    file.groups.flatMap((g) => g.rules).filter((r: Rule): r is AlertingRule => "alert" in r);

function writeFiles(rules: RuleFile, tests: PromtoolTestFile): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-rules-"));
    fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(rules));
    fs.writeFileSync(path.join(dir, "rules.test.yaml"), stringify(tests));
    return dir;
}

describe("metrics rules (promtool)", function () {
    for (const [name, input] of [
        ["default settings", DEFAULTS],
        ["tuned settings", TUNED],
        ["a scrape interval that divides no window evenly (45s)", { ...DEFAULTS, scrapeInterval: "45s" }],
    ] as const) {
        it(`check rules and test rules pass with ${name}`, function () {
            const promtool = requireBinary(this, "promtool", "prometheus");
            const dir = writeFiles(buildPrometheusRules(input), buildPrometheusRuleTests(input, "rules.yaml"));
            const check = run(promtool, ["check", "rules", "rules.yaml"], dir);
            assert.equal(check.code, 0, check.output);
            const test = run(promtool, ["test", "rules", "rules.test.yaml"], dir);
            assert.equal(test.code, 0, test.output);
            assert.match(test.output, /SUCCESS/);
        });
    }

    it("catches the guide's trap: a rule filtering `status` fails the tests written for http_status", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const trapped = buildPrometheusRules({ ...DEFAULTS, httpStatusLabel: "status" });
        const dir = writeFiles(trapped, buildPrometheusRuleTests(DEFAULTS, "rules.yaml"));
        const test = run(promtool, ["test", "rules", "rules.test.yaml"], dir);
        assert.notEqual(test.code, 0, "the tests should notice that HighErrorRate never fires");
        assert.match(test.output, /alertname: HighErrorRate/);
    });

    it("fails when a threshold in the rules drifts from the one the tests were written for", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const drifted = buildPrometheusRules({ ...DEFAULTS, latencyP95ThresholdSeconds: 10 });
        const dir = writeFiles(drifted, buildPrometheusRuleTests(DEFAULTS, "rules.yaml"));
        const test = run(promtool, ["test", "rules", "rules.test.yaml"], dir);
        assert.notEqual(test.code, 0);
        assert.match(test.output, /HighLatencyP95/);
    });
});

describe("metrics rules (structure)", function () {
    it("every expression parses with the PromQL grammar", function () {
        for (const input of [DEFAULTS, TUNED]) {
            for (const rule of buildPrometheusRules(input).groups.flatMap((g) => g.rules)) {
                assert.deepEqual(promqlSyntaxErrors(rule.expr), [], `${"alert" in rule ? rule.alert : rule.record}: ${rule.expr}`);
            }
        }
    });

    it("filters 5xx on the configured status label only", function () {
        for (const input of [DEFAULTS, TUNED]) {
            const exprs = buildPrometheusRules(input).groups.flatMap((g) => g.rules.map((r) => r.expr));
            const selectors = exprs.join("\n").match(/\{[^}]*=~"5\.\."[^}]*\}/g) ?? [];
            assert.ok(selectors.length > 0);
            for (const s of selectors) assert.equal(s, `{${input.httpStatusLabel}=~"5.."}`);
        }
    });

    it("gives every alert a severity, summary, description, runbook and dashboard link", function () {
        for (const input of [DEFAULTS, TUNED]) {
            const list = alerts(buildPrometheusRules(input));
            assert.deepEqual(list.map((a) => a.alert).sort(), Object.values(ALERTS).sort());
            for (const a of list) {
                assert.ok(["critical", "warning"].includes(a.labels.severity ?? ""), a.alert);
                assert.ok(a.annotations.summary, `${a.alert} summary`);
                assert.match(a.annotations.description ?? "", /\{\{ \$value/, `${a.alert} description shows the value`);
                assert.match(a.annotations.description ?? "", /\{\{ \$labels\.namespace \}\}/);
                assert.equal(
                    a.annotations.runbook_url,
                    `${input.runbookBaseUrl.replace(/\/$/, "")}/${a.alert.toLowerCase()}`,
                );
                const dashboard = a.annotations.dashboard ?? "";
                if (input.dashboardBaseUrl === undefined) {
                    assert.equal(a.annotations.dashboard, undefined, `${a.alert}: a link with no Grafana hostname opens nowhere`);
                    continue;
                }
                // Absolute: a Slack or PagerDuty reader opens it outside Grafana.
                assert.ok(dashboard.startsWith(`${input.dashboardBaseUrl}/d/${RED_DASHBOARD_UID}?`), dashboard);
                assert.match(dashboard, /^https:\/\//);
                for (const l of input.groupBy) assert.ok(dashboard.includes(`var-${l}={{ $labels.${l} }}`), dashboard);
            }
        }
    });

    it("aggregates by labels every target has (namespace, job) and keeps service where present", function () {
        const rules = buildPrometheusRules({ ...DEFAULTS, dashboardBaseUrl: "https://grafana.example.com" }).groups.flatMap((g) => g.rules);
        for (const r of rules) {
            const name = "alert" in r ? r.alert : r.record;
            const groupings = [...r.expr.matchAll(/by \(([^)]*)\)/g)].map((m) => (m[1] as string).split(", ").filter((l) => l !== "le"));
            // Burn-rate alerts compare recorded ratios, which carry the recording rules' labels.
            if (groupings.length === 0) assert.match(r.expr, /^slo:/, `${name} aggregates nothing`);
            for (const g of groupings) {
                assert.ok(g.includes("namespace") && g.includes("job"), `${name}: ${r.expr}`);
                assert.ok(g.includes("service"), `${name} drops the service label: ${r.expr}`);
            }
        }
        for (const a of alerts({ groups: [{ name: "all", rules }] })) {
            assert.match(a.annotations.dashboard ?? "", /var-namespace=.*&var-job=/, a.alert);
            assert.doesNotMatch(a.annotations.dashboard ?? "", /var-service=/, "a PodMonitor app has no service to link with");
        }
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, groupBy: ["namespace", "service"] }), /PodMonitor/);
    });

    it("refuses a scrape interval too long for the rules' rate windows, naming the limit", function () {
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, scrapeInterval: "2m" }), /scrapeInterval: expected at most 1m15s.*5m.*4 scrapes; given "2m"/);
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, scrapeInterval: "0s" }), /scrapeInterval: expected at least 1s/);
        assert.doesNotThrow(() => buildPrometheusRules({ ...DEFAULTS, scrapeInterval: "75s" }));
    });

    it("promtool tests evaluate at the scrape interval and sample every scrape", function () {
        const tests = buildPrometheusRuleTests(TUNED, "rules.yaml");
        assert.equal(tests.evaluation_interval, TUNED.scrapeInterval);
        for (const t of tests.tests) assert.equal(t.interval, TUNED.scrapeInterval, t.name);
    });

    it("pages on fast burn and HighErrorRate, tickets the rest", function () {
        const severity = Object.fromEntries(alerts(buildPrometheusRules(DEFAULTS)).map((a) => [a.alert, a.labels.severity]));
        assert.deepEqual(severity, {
            [ALERTS.highErrorRate]: "critical",
            [ALERTS.highLatencyP95]: "warning",
            [ALERTS.scrapeTargetDown]: "warning",
            [ALERTS.errorBudgetBurnFast]: "critical",
            [ALERTS.errorBudgetBurnSlow]: "warning",
        });
    });

    it("records the SLO error ratio for every burn-rate window, before the alerts that read them", function () {
        const slo = buildPrometheusRules(DEFAULTS).groups.find((g) => g.rules.some((r) => "record" in r));
        assert.ok(slo);
        const records = slo.rules.filter((r) => "record" in r).map((r) => ("record" in r ? r.record : ""));
        assert.deepEqual(records, SLO_WINDOWS.map(sloErrorRatioRecord));
        const firstAlert = slo.rules.findIndex((r) => "alert" in r);
        assert.equal(firstAlert, records.length);
        for (const a of slo.rules.filter((r): r is AlertingRule => "alert" in r)) {
            const used = a.expr.match(/slo:http_error_ratio:rate\w+/g) ?? [];
            assert.equal(used.length, 2, `${a.alert} combines a long and a short window`);
            for (const u of used) assert.ok(records.includes(u), `${u} is recorded`);
        }
    });

    it("does not reuse kube-prometheus-stack's TargetDown name", function () {
        assert.ok(!alerts(buildPrometheusRules(DEFAULTS)).some((a) => a.alert === "TargetDown"));
    });

    it("has a firing and a silent promtool case for every alert", function () {
        const tests = buildPrometheusRuleTests(TUNED, "rules.yaml").tests.flatMap((t) => t.alert_rule_test ?? []);
        for (const name of Object.values(ALERTS)) {
            const mine = tests.filter((t) => t.alertname === name);
            assert.ok(mine.some((t) => t.exp_alerts.length > 0), `${name} fires somewhere`);
            assert.ok(mine.some((t) => t.exp_alerts.length === 0), `${name} stays silent somewhere`);
        }
    });

    it("rejects settings that would make alerts wrong or dead", function () {
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, httpStatusLabel: "http-status" }), /httpStatusLabel/);
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, errorRateThreshold: 5 }), /errorRateThreshold/);
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, latencyFor: "5 minutes" }), /latencyFor/);
        // 14.4 x a 10% budget is more than 100% errors: the page could never fire.
        assert.throws(() => buildPrometheusRules({ ...DEFAULTS, availabilityObjective: 0.9 }), /availabilityObjective/);
    });
});
