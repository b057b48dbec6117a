/**
 * Every query a team ships, checked with the grammars (grammar.ts) before any resource: each rule
 * expression (PromQL, or a LogQL metric query for the Loki ruler) and each dashboard query with the
 * grammar of the datasource it runs on, Grafana variables substituted first (a variable the
 * dashboard does not define is refused). Each problem names the file and the rule or panel.
 */
import { type TeamFiles, type TeamRuleFile, dashboardQueries, teamDatasourceTypes } from "./files";
import { sampleValues, substituteGrafanaVariables } from "./grafana-vars";
import { logqlIsMetric, logqlProblem, promqlProblem } from "./grammar";

const q = (s: string): string => JSON.stringify(s);

function ruleExprProblems(file: TeamRuleFile, language: "PromQL" | "LogQL"): string[] {
    const out: string[] = [];
    for (const g of file.groups) {
        for (const r of g.rules) {
            const where = `${file.file}: group ${q(g.name)}, rule ${q(r.alert ?? r.record ?? "?")}`;
            const bad = language === "PromQL" ? promqlProblem(r.expr) : logqlProblem(r.expr);
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
            const bad = type === "prometheus" ? promqlProblem(expr) : logqlProblem(expr);
            if (bad) out.push(`${where}: query ${bad}`);
        }
    }
    return out;
}

/** Every grammar problem of the teams' rule files and dashboards. */
export function teamQueryProblems(teams: readonly TeamFiles[]): string[] {
    return teams.flatMap((t) => [
        ...t.prometheus.flatMap((f) => ruleExprProblems(f, "PromQL")),
        ...t.loki.flatMap((f) => ruleExprProblems(f, "LogQL")),
        ...dashboardProblems(t),
    ]);
}
