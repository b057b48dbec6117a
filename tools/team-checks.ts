/**
 * The teams' files (teams/<team>/) checked with the engines before anything deploys, by render and
 * by the tests: the loader's checks (layout, alert convention, team label, datasource uids), then
 * every rule expression with the official PromQL / LogQL grammars, every dashboard query with the
 * grammar of the datasource it runs on (Grafana variables substituted first), and every Prometheus
 * rule file, as shipped (team label added), with `promtool check rules`. Each problem names the
 * file and the rule (or panel).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parser as logqlParser } from "@grafana/lezer-logql";
import type { Settings } from "../config";
import { lokiRulesInput } from "../components/k8s/logs";
import { buildLokiRulerConfigMapData, buildLokiRules } from "../components/k8s/logs/rules";
import { teamLogTenants, tenantRuleFiles } from "../components/k8s/logs/values";
import { metricsRulesInput } from "../components/k8s/metrics";
import { buildPrometheusRules } from "../components/k8s/metrics/rules";
import { PROJECT_DIR, stackTeams, teamLokiRules, teamRuleFileYaml } from "../components/k8s/teams";
import { type TeamFiles, type TeamRuleFile, dashboardQueries, teamDatasourceTypes } from "../components/k8s/teams/files";
import { findBinary } from "../test/support/binaries";
import { sampleValues, substituteGrafanaVariables } from "../test/support/grafana-vars";
import { logqlErrors } from "../test/support/logql";
import { promqlSyntaxErrors } from "../test/support/promql";

export interface TeamCheckResult {
    /** The teams' files as loaded (meaningful when there is no problem). */
    readonly teams: readonly TeamFiles[];
    /** Every problem, each naming the file and the rule or panel. */
    readonly problems: readonly string[];
    /** Team directories not deployed because the stack declares no team. */
    readonly notDeployed: readonly string[];
    /** Whether promtool ran (absent from PATH: the grammars alone checked the Prometheus rules). */
    readonly promtool: boolean;
}

const q = (s: string): string => JSON.stringify(s);

function syntax(language: "PromQL" | "LogQL", expr: string): string | undefined {
    const errors = language === "PromQL" ? promqlSyntaxErrors(expr).map((e) => e.near) : logqlErrors(expr).map((e) => e.context);
    return errors.length > 0 ? `does not parse as ${language} near ${q(errors[0] as string)}` : undefined;
}

/** A Loki alert must be a metric query (rate, count_over_time, ...): a log query returns lines, not samples. */
function logqlIsMetric(expr: string): boolean {
    const top = logqlParser.parse(expr).topNode.firstChild;
    return top?.name === "Expr" && top.firstChild?.name === "MetricExpr";
}

function ruleExprProblems(file: TeamRuleFile, language: "PromQL" | "LogQL"): string[] {
    const out: string[] = [];
    for (const g of file.groups) {
        for (const r of g.rules) {
            const where = `${file.file}: group ${q(g.name)}, rule ${q(r.alert ?? r.record ?? "?")}`;
            const bad = syntax(language, r.expr);
            if (bad) out.push(`${where}: expr ${bad}`);
            else if (language === "LogQL" && !logqlIsMetric(r.expr)) out.push(`${where}: expr must be a LogQL metric query (rate, count_over_time, ...), given a log query`);
        }
    }
    return out;
}

/** `label_values(<selector>, label)` / `query_result(<expr>)`: the query inside a Grafana variable query. */
function variableQueryExpr(text: string): string | undefined {
    const m = /^\s*(label_values|query_result)\s*\(([\s\S]*)\)\s*$/.exec(text);
    if (!m) return undefined;
    const inner = (m[2] as string).trim();
    if (m[1] === "query_result") return inner;
    const comma = inner.lastIndexOf(",");
    return comma < 0 ? undefined : inner.slice(0, comma).trim();
}

function dashboardProblems(team: TeamFiles): string[] {
    const out: string[] = [];
    const types = teamDatasourceTypes(team.team);
    for (const d of team.dashboards) {
        const templating = (d.model.templating as { list?: { name?: unknown }[] } | undefined)?.list ?? [];
        const values = sampleValues(templating.map((v) => String(v.name)));
        for (const query of dashboardQueries(d.model).queries) {
            const type = types[query.uid];
            if (type !== "prometheus" && type !== "loki") continue;
            const where = `${d.file}: ${query.where}`;
            const raw = query.where.startsWith("variable ") ? variableQueryExpr(query.expr) : query.expr;
            if (raw === undefined) continue;
            let expr: string;
            try {
                expr = substituteGrafanaVariables(raw, values);
            } catch (e) {
                out.push(`${where}: ${(e as Error).message}`);
                continue;
            }
            const bad = syntax(type === "prometheus" ? "PromQL" : "LogQL", expr);
            if (bad) out.push(`${where}: query ${bad}`);
        }
    }
    return out;
}

/** `promtool check rules` on one file as shipped; its messages name the source file. */
function promtoolProblems(promtool: string, file: TeamRuleFile, dir: string): string[] {
    const shipped = path.join(dir, file.file.replace(/\//g, "__"));
    fs.writeFileSync(shipped, teamRuleFileYaml(file));
    try {
        execFileSync(promtool, ["check", "rules", shipped], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return [];
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        const lines = `${err.stdout ?? ""}${err.stderr ?? ""}`
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l.startsWith(shipped));
        const msgs = lines.length > 0 ? lines.map((l) => l.slice(shipped.length).replace(/^:\s*(\d+:\d+:\s*)?/, "")) : ["promtool check rules failed"];
        return msgs.map((m) => `${file.file}: promtool check rules: ${m}`);
    }
}

/**
 * What each team tenant's ruler reads, as render writes it: `loki-rules/<tenant>/<file>` -> text
 * (the team's own files and the platform's, which every team tenant runs too; the platform
 * tenant's are loki-rules.yaml).
 */
export function teamTenantRuleFiles(settings: Settings, teams: readonly TeamFiles[]): Map<string, string> {
    const platformTenant = settings.logs.tenantId;
    const perTenant = tenantRuleFiles(
        platformTenant,
        buildLokiRulerConfigMapData(buildLokiRules(lokiRulesInput(settings))),
        teamLogTenants(settings.alerting.teams).map((t) => t.tenant),
        teamLokiRules(teams),
    );
    const out = new Map<string, string>();
    for (const [tenant, files] of Object.entries(perTenant)) {
        if (tenant === platformTenant) continue;
        for (const [file, text] of Object.entries(files)) out.set(`loki-rules/${tenant}/${file}`, text);
    }
    return out;
}

/**
 * Check the teams' files of a project for a stack. `promtool` is the binary's path, found on PATH
 * unless given; null skips it (the grammars still run).
 */
export function checkTeams(settings: Settings, projectDir: string = PROJECT_DIR, promtool: string | null | undefined = findBinary("promtool")): TeamCheckResult {
    const loaded = stackTeams(settings, projectDir);
    const problems = [...loaded.problems];
    // render writes every PrometheusRule's groups into one promtool file: a group name may appear once.
    const groupOwner = new Map<string, string>(buildPrometheusRules(metricsRulesInput(settings)).groups.map((g) => [g.name, "the platform's rules"]));
    for (const t of loaded.teams) {
        for (const f of t.prometheus) {
            problems.push(...ruleExprProblems(f, "PromQL"));
            for (const g of f.groups) {
                const prior = groupOwner.get(g.name);
                if (prior !== undefined && prior !== f.file) problems.push(`${f.file}: group ${q(g.name)} is also in ${prior}; Prometheus group names must be unique`);
                groupOwner.set(g.name, f.file);
            }
        }
        for (const f of t.loki) problems.push(...ruleExprProblems(f, "LogQL"));
        problems.push(...dashboardProblems(t));
    }
    if (promtool) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-rules-"));
        try {
            for (const t of loaded.teams) for (const f of t.prometheus) problems.push(...promtoolProblems(promtool, f, dir));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    return { teams: loaded.teams, problems: [...new Set(problems)], notDeployed: loaded.notDeployed, promtool: !!promtool };
}
