/**
 * The teams' files (teams/<team>/) checked before anything deploys, by render and by the tests:
 * everything the program itself checks (stackTeams: layout, alert convention, team label,
 * datasource uids, the PromQL and LogQL grammars on every rule and dashboard query), plus what
 * needs a binary or the whole render: `promtool check rules` on every Prometheus rule file as
 * shipped (team label added) and group names unique across the rendered rules. The PromQL grammar
 * (Prometheus 3.x) is authoritative for syntax: promtool refusing only what it accepts is a warning.
 * Each problem names the file and the rule (or panel).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Settings } from "../config";
import { lokiRulesInput } from "../components/k8s/logs";
import { buildLokiRulerConfigMapData, buildLokiRules } from "../components/k8s/logs/rules";
import { teamLogTenants, tenantRuleFiles } from "../components/k8s/logs/values";
import { metricsRulesInput } from "../components/k8s/metrics";
import { buildPrometheusRules } from "../components/k8s/metrics/rules";
import { PROJECT_DIR, stackTeams, teamLokiRules, teamRuleFileYaml } from "../components/k8s/teams";
import type { TeamFiles, TeamRuleFile } from "../components/k8s/teams/files";
import { promqlProblem } from "../components/k8s/teams/grammar";
import { findBinary } from "./binaries";

export interface TeamCheckResult {
    /** The teams' files as loaded (meaningful when there is no problem). */
    readonly teams: readonly TeamFiles[];
    /** Every problem, each naming the file and the rule or panel. */
    readonly problems: readonly string[];
    /**
     * What does not stop a deploy: a rule promtool refuses while the Prometheus 3 grammar accepts it
     * (Debian's promtool is older than the cluster's Prometheus), each naming the file and rule.
     */
    readonly warnings: readonly string[];
    /** Directories of teams the stack does not declare (not deployed in it). */
    readonly notDeployed: readonly string[];
    /** The line saying so (loadTeams), for summary.txt; the program warns with the same text. */
    readonly notDeployedWarning: string | undefined;
    /** Whether promtool ran (absent from PATH: the grammars alone checked the Prometheus rules). */
    readonly promtool: boolean;
}

const q = (s: string): string => JSON.stringify(s);

/** promtool's version line (`promtool, version 2.42.0+ds ...`), for messages. */
function promtoolVersion(promtool: string): string {
    try {
        return /version (\S+)/.exec(execFileSync(promtool, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }))?.[1] ?? "unknown";
    } catch {
        return "unknown";
    }
}

/** A promtool message about one rule's expression: `group "g", rule 2, "Name": could not parse expression: ...`. */
const EXPR_MESSAGE = /^group ("(?:[^"\\]|\\.)*"), rule (\d+), ("(?:[^"\\]|\\.)*"): could not parse expression: (.*)$/;

/**
 * `promtool check rules` on one file as shipped; its messages name the source file. A message that
 * promtool could not parse an expression the Prometheus 3 grammar accepts (e.g. a quoted UTF-8
 * metric name) is a warning: the cluster's Prometheus is v3, Debian's promtool older.
 */
function promtoolCheck(promtool: string, version: string, file: TeamRuleFile, dir: string): { problems: string[]; warnings: string[] } {
    const shipped = path.join(dir, file.file.replace(/\//g, "__"));
    fs.writeFileSync(shipped, teamRuleFileYaml(file));
    try {
        execFileSync(promtool, ["check", "rules", shipped], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return { problems: [], warnings: [] };
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        const lines = `${err.stdout ?? ""}${err.stderr ?? ""}`
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l.startsWith(shipped));
        const msgs = lines.length > 0 ? lines.map((l) => l.slice(shipped.length).replace(/^:\s*(\d+:\d+:\s*)?/, "")) : ["promtool check rules failed"];
        const out = { problems: [] as string[], warnings: [] as string[] };
        for (const m of msgs) {
            const x = EXPR_MESSAGE.exec(m);
            const group = x ? file.groups.find((g) => q(g.name) === x[1]) : undefined;
            const rule = x ? group?.rules[Number(x[2]) - 1] : undefined;
            if (x && rule && promqlProblem(rule.expr) === undefined) {
                out.warnings.push(
                    `${file.file}: group ${x[1]}, rule ${x[3]}: promtool ${version} refuses the expression (${x[4]}) but the Prometheus 3 grammar accepts it, and the cluster runs Prometheus 3; checked by the grammar only`,
                );
            } else out.problems.push(`${file.file}: promtool check rules: ${m}`);
        }
        return out;
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
            for (const g of f.groups) {
                const prior = groupOwner.get(g.name);
                if (prior !== undefined && prior !== f.file) problems.push(`${f.file}: group ${q(g.name)} is also in ${prior}; Prometheus group names must be unique`);
                groupOwner.set(g.name, f.file);
            }
        }
    }
    const warnings: string[] = [];
    if (promtool) {
        const version = promtoolVersion(promtool);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-rules-"));
        try {
            for (const t of loaded.teams) {
                for (const f of t.prometheus) {
                    const r = promtoolCheck(promtool, version, f, dir);
                    problems.push(...r.problems);
                    warnings.push(...r.warnings);
                }
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    return {
        teams: loaded.teams,
        problems: [...new Set(problems)],
        warnings,
        notDeployed: loaded.notDeployed,
        notDeployedWarning: loaded.notDeployedWarning,
        promtool: !!promtool,
    };
}
