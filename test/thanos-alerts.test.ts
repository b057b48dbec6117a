/**
 * Alerts on long-term metrics (Thanos): only with metrics.longTerm, proven to fire and stay silent by
 * `promtool test rules`, on the `job` label the rendered sidecar ServiceMonitor gives, with the
 * project's annotations (summary, description, runbook, dashboard link) and severities.
 */
import { RULES_INPUT } from "./support/fixtures";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { kps, thanos } from "../components/endpoints";
import { DASHBOARD_UIDS } from "../components/k8s/dashboards/builders";
import { PLATFORM_METRICS } from "../components/k8s/dashboards/platform";
import { metricsRulesInput } from "../components/k8s/metrics";
import { buildPrometheusRuleTests } from "../components/k8s/metrics/rule-tests";
import {
    PLATFORM_HEALTH_DASHBOARD_UID,
    RULE_GROUPS,
    THANOS_ALERTS,
    buildPrometheusRules,
    type AlertingRule,
    type MetricsRulesInput,
    type RuleFile,
} from "../components/k8s/metrics/rules";
import { promqlSyntaxErrors } from "../components/k8s/teams/grammar";
import { parseSettings } from "../config";
import { readStackConfig } from "../tools/stack-config";
import { requireBinary, run } from "./support/binaries";
import { ROOT } from "./support/graph";
import { type RenderedStack, STACK_FILES, renderedStack } from "./support/manifests";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});

const WITH_THANOS: MetricsRulesInput = { ...RULES_INPUT, dashboardBaseUrl: "https://grafana.example.com", thanos: { sidecarJob: thanos.sidecarDiscoveryService } };

const thanosGroup = (file: RuleFile): AlertingRule[] =>
    (file.groups.find((g) => g.name === RULE_GROUPS.thanos)?.rules ?? []).filter((r): r is AlertingRule => "alert" in r);

function settingsOf(stack: keyof typeof STACK_FILES) {
    const r = parseSettings(readStackConfig(ROOT, STACK_FILES[stack]).config);
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r.settings;
}

describe("Thanos alerts", function () {
    for (const [name, input] of [
        ["default settings", WITH_THANOS],
        ["a 15s scrape interval", { ...WITH_THANOS, scrapeInterval: "15s" }],
    ] as const) {
        it(`promtool check rules and test rules pass with ${name}, Thanos cases included`, function () {
            const promtool = requireBinary(this, "promtool", "prometheus");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-thanos-rules-"));
            const tests = buildPrometheusRuleTests(input, "rules.yaml");
            const thanosCases = tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((t) => t.alertname.startsWith("Thanos"));
            for (const a of Object.values(THANOS_ALERTS)) {
                assert.ok(thanosCases.some((t) => t.alertname === a && t.exp_alerts.length > 0), `${a} fires somewhere`);
                assert.ok(thanosCases.some((t) => t.alertname === a && t.exp_alerts.length === 0), `${a} stays silent somewhere`);
            }
            fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(buildPrometheusRules(input)));
            fs.writeFileSync(path.join(dir, "rules.test.yaml"), stringify(tests));
            const check = run(promtool, ["check", "rules", "rules.yaml"], dir);
            assert.equal(check.code, 0, check.output);
            const test = run(promtool, ["test", "rules", "rules.test.yaml"], dir);
            assert.equal(test.code, 0, test.output);
        });
    }

    it("the sidecar tests fail against rules matching another job (the review's job=~\".*prometheus.*\" would never fire)", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-thanos-rules-"));
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(buildPrometheusRules({ ...WITH_THANOS, thanos: { sidecarJob: "kps-prometheus" } })));
        fs.writeFileSync(path.join(dir, "rules.test.yaml"), stringify(buildPrometheusRuleTests(WITH_THANOS, "rules.yaml")));
        const test = run(promtool, ["test", "rules", "rules.test.yaml"], dir);
        assert.notEqual(test.code, 0);
        assert.match(test.output, /ThanosSidecarBucketOperationsFailed/);
    });

    it("only with metrics.longTerm: prod's rules have the Thanos group, dev's do not", function () {
        assert.deepEqual(thanosGroup(buildPrometheusRules(metricsRulesInput(settingsOf("dev")))), []);
        assert.deepEqual(buildPrometheusRuleTests(metricsRulesInput(settingsOf("dev")), "r.yaml").tests.filter((t) => /Thanos/.test(t.name)), []);
        const prod = settingsOf("prod");
        assert.equal(prod.metrics.longTerm.enabled, true);
        assert.deepEqual(thanosGroup(buildPrometheusRules(metricsRulesInput(prod))).map((a) => a.alert).sort(), Object.values(THANOS_ALERTS).sort());
    });

    it("follows the alert conventions: severity, summary, description with the value, runbook, a link to the platform health dashboard", function () {
        for (const input of [WITH_THANOS, { ...WITH_THANOS, dashboardBaseUrl: undefined }]) {
            const list = thanosGroup(buildPrometheusRules(input));
            assert.equal(list.length, 2);
            for (const a of list) {
                assert.deepEqual(promqlSyntaxErrors(a.expr), [], a.expr);
                assert.equal(a.labels.severity, "warning", a.alert);
                assert.ok(a.annotations.summary, a.alert);
                assert.match(a.annotations.description ?? "", /\{\{ \$value/, a.alert);
                assert.equal(a.annotations.runbook_url, `${RULES_INPUT.runbookBaseUrl}/${a.alert.toLowerCase()}`);
                if (input.dashboardBaseUrl === undefined) assert.equal(a.annotations.dashboard, undefined);
                else assert.equal(a.annotations.dashboard, `https://grafana.example.com/d/${PLATFORM_HEALTH_DASHBOARD_UID}`);
            }
        }
        assert.equal(DASHBOARD_UIDS.platformHealth, PLATFORM_HEALTH_DASHBOARD_UID, "the dashboard the link opens is one the platform builds");
    });

    it("reads the series the platform health dashboard charts", function () {
        const exprs = thanosGroup(buildPrometheusRules(WITH_THANOS)).map((a) => a.expr).join("\n");
        assert.ok(exprs.includes(`${PLATFORM_METRICS.thanos.compactHalted})`), exprs);
        assert.ok(exprs.includes(`${PLATFORM_METRICS.thanos.bucketOperationFailures}{job="${thanos.sidecarDiscoveryService}"}`), exprs);
    });
});

describe("Thanos alerts: the sidecar's job label as the real charts render it (prod)", function () {
    let stack: RenderedStack;
    before(async function () {
        stack = await renderedStack(this, "prod");
    });

    it("the sidecar ServiceMonitor has no jobLabel, so `job` is the name of the Service it selects: the alert's job", function () {
        const monitors = stack.objects(kps.release).filter((o) => o.kind === "ServiceMonitor");
        const sidecar = monitors.filter((m) => JSON.stringify(rec(m.spec).selector).includes("thanos-discovery"));
        assert.equal(sidecar.length, 1, monitors.map((m) => m.metadata.name).join(", "));
        const spec = rec(sidecar[0]?.spec);
        assert.equal(spec.jobLabel, undefined);
        const wanted = rec(rec(spec.selector).matchLabels);
        const services = stack.objects(kps.release).filter((o) => o.kind === "Service" && Object.entries(wanted).every(([k, v]) => rec(o.metadata.labels)[k] === v));
        assert.deepEqual(services.map((s) => s.metadata.name), [thanos.sidecarDiscoveryService]);
        const rules = stack.graph.byType("kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        const text = JSON.stringify(rules.map((r) => r.inputs));
        assert.ok(text.includes(`job=\\"${thanos.sidecarDiscoveryService}\\"`), "the deployed PrometheusRule matches that job");
        assert.ok(text.includes(RULE_GROUPS.thanos));
    });
});
