import assert from "node:assert/strict";
import { parser } from "@grafana/lezer-logql";
import YAML from "yaml";
import { CORRELATION_LABELS, LOG_STREAM_LABELS } from "../components/labels";
import {
    buildLokiRulerConfigMapData,
    buildLokiRules,
    DEFAULT_LOKI_RULE_THRESHOLDS,
    type LokiRulesInput,
    type RuleFile,
} from "../components/k8s/logs/rules";
import { logqlErrors } from "../components/k8s/teams/grammar";
import { groupingLabels, streamSelectorLabels } from "./support/logql";

const input: LokiRulesInput = {
    runbookBaseUrl: "https://runbooks.example.com/logs/",
    authFailures: { count: 42, window: "2m", for: "1m", severity: "critical" },
    errorSpike: { minRatePerSecond: 0.25, factor: 7, window: "10m", baselineOffset: "30m", for: "15m", severity: "warning" },
};

const allRules = (f: RuleFile) => f.groups.flatMap((g) => g.rules);

/** Text of every node of the given type in the expression's syntax tree. */
function nodeTexts(expr: string, type: string): string[] {
    const out: string[] = [];
    parser.parse(expr).iterate({
        enter: (n) => {
            if (n.name === type) out.push(expr.slice(n.from, n.to));
        },
    });
    return out;
}

/** Numbers that appear as the right-hand side of a `>` comparison. */
function comparedNumbers(expr: string): number[] {
    const out: number[] = [];
    parser.parse(expr).iterate({
        enter: (n) => {
            if (n.name !== "Gtr") return;
            const rhs = n.node.nextSibling?.name === "BinOpModifier" ? n.node.nextSibling.nextSibling : n.node.nextSibling;
            const lit = rhs?.getChild("MetricExpr")?.getChild("LiteralExpr") ?? rhs?.getChild("LiteralExpr");
            if (lit) out.push(Number(expr.slice(lit.from, lit.to)));
        },
    });
    return out;
}

describe("Loki ruler rules", () => {
    const files = [
        ["test input", buildLokiRules(input)],
        ["defaults", buildLokiRules({ runbookBaseUrl: "https://r.example", ...DEFAULT_LOKI_RULE_THRESHOLDS })],
        ["namespace-scoped", buildLokiRules({ ...input, namespaces: ["shop", "payments"] })],
    ] as const;

    it("the LogQL helpers detect broken expressions (they are not vacuous)", () => {
        assert.ok(logqlErrors('sum by (app (rate({app="x"}[5m]))').length > 0);
        assert.ok(logqlErrors('{app="x"').length > 0);
        assert.deepEqual([...streamSelectorLabels('rate({pod="p", foo=~"x"} | json | bar="y" [1m])')].sort(), ["foo", "pod"]);
    });

    for (const [name, file] of files) {
        describe(name, () => {
            it("has the auth-failure and error-spike alerts, each in a group", () => {
                assert.deepEqual(allRules(file).map((r) => r.alert).sort(), ["LogAuthenticationFailures", "LogErrorRateSpike"]);
                assert.equal(new Set(file.groups.map((g) => g.name)).size, file.groups.length, "group names unique");
            });

            for (const rule of allRules(file)) {
                it(`${rule.alert}: expression parses with the official LogQL grammar`, () => {
                    assert.deepEqual(logqlErrors(rule.expr), [], rule.expr);
                });

                it(`${rule.alert}: stream selectors use only indexed labels`, () => {
                    const used = streamSelectorLabels(rule.expr);
                    assert.ok(used.size > 0, "must have a stream selector");
                    const indexed = new Set<string>(LOG_STREAM_LABELS);
                    for (const l of used) assert.ok(indexed.has(l), `${l} is not a stream label (${[...indexed].join(", ")})`);
                });

                it(`${rule.alert}: aggregates by correlation labels, so the alert names the workload`, () => {
                    const by = groupingLabels(rule.expr);
                    assert.ok(by.has("namespace") && by.has("app"), [...by].join(","));
                    for (const l of by) assert.ok((CORRELATION_LABELS as readonly string[]).includes(l), l);
                });

                it(`${rule.alert}: has severity, summary, description and runbook_url`, () => {
                    assert.ok(rule.labels.severity.length > 0);
                    assert.ok(rule.annotations.summary.length > 0);
                    assert.ok(rule.annotations.description.length > 0);
                    assert.match(rule.annotations.runbook_url, /^https:\/\/[^ ]+\/[a-z]+$/);
                    assert.ok(!rule.annotations.runbook_url.includes("//", 8), "no double slash after the host");
                });
            }
        });
    }

    it("thresholds, windows and severities come from input", () => {
        const rules = allRules(buildLokiRules(input));
        const auth = rules.find((r) => r.alert === "LogAuthenticationFailures");
        const spike = rules.find((r) => r.alert === "LogErrorRateSpike");
        assert.ok(auth && spike);
        assert.deepEqual(comparedNumbers(auth.expr), [42]);
        assert.deepEqual(nodeTexts(auth.expr, "Duration"), ["2m"]);
        assert.equal(auth.for, "1m");
        assert.equal(auth.labels.severity, "critical");

        assert.ok(comparedNumbers(spike.expr).includes(0.25), spike.expr);
        assert.ok(nodeTexts(spike.expr, "Number").includes("7"), "spike factor");
        assert.ok(nodeTexts(spike.expr, "Duration").includes("10m"));
        assert.ok(nodeTexts(spike.expr, "OffsetExpr").some((o) => o.endsWith("30m")), "baseline offset");
        assert.equal(spike.for, "15m");
        assert.equal(spike.labels.severity, "warning");
    });

    it("the error spike compares with the baseline and still fires for workloads with no errors an offset ago", () => {
        const spike = allRules(buildLokiRules(input)).find((r) => r.alert === "LogErrorRateSpike");
        assert.ok(spike);
        const ops = nodeTexts(spike.expr, "And").length + nodeTexts(spike.expr, "Or").length;
        assert.equal(ops, 2, "one `and` (floor and spike), one `or` (zero baseline)");
        assert.deepEqual([...streamSelectorLabels(spike.expr)].sort(), ["level", "namespace"]);
    });

    it("the auth rule filters lines for authentication failures", () => {
        const auth = allRules(buildLokiRules(input)).find((r) => r.alert === "LogAuthenticationFailures");
        assert.ok(auth);
        const filter = nodeTexts(auth.expr, "LineFilter").join(" ");
        assert.match(filter, /\|~/);
        const re = new RegExp(JSON.parse(filter.replace(/^\|~\s*/, "")).replace("(?i)", ""), "i");
        for (const line of ["Authentication failed for user bob", "LOGIN FAILED", "invalid credentials supplied"]) assert.ok(re.test(line), line);
        assert.ok(!re.test("user logged in"));
    });

    it("scopes to given namespaces", () => {
        const rules = allRules(buildLokiRules({ ...input, namespaces: ["shop", "payments"] }));
        for (const r of rules) assert.ok(nodeTexts(r.expr, "Matcher").includes('namespace=~"shop|payments"'), r.expr);
        assert.throws(() => buildLokiRules({ ...input, namespaces: ['x"}'] }), /not a namespace/);
    });

    it("rejects malformed durations instead of writing a rule Loki would refuse", () => {
        assert.throws(() => buildLokiRules({ ...input, authFailures: { ...input.authFailures, window: "1 minute" } }), /duration/);
    });

    it("ConfigMap data is one YAML rule file that parses back to the same groups", () => {
        const file = buildLokiRules(input);
        const data = buildLokiRulerConfigMapData(file);
        const entries = Object.entries(data);
        assert.equal(entries.length, 1);
        const [name, text] = entries[0] as [string, string];
        assert.match(name, /\.ya?ml$/);
        assert.deepEqual(YAML.parse(text), JSON.parse(JSON.stringify(file)));
    });
});
