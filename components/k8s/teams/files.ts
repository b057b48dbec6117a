/**
 * A team's rules and dashboards as code: the pure loader of `teams/<team>/` (TEAMS_DIRECTORY).
 *
 *   teams/<team>/prometheus/*.yaml   Prometheus rule files (`groups:`), shipped as PrometheusRule objects
 *   teams/<team>/loki/*.yaml         Loki ruler rule files (LogQL), evaluated in the team's Loki tenant
 *   teams/<team>/dashboards/*.json   Grafana dashboard JSON, in the team's Grafana folder
 *
 * The loader checks what needs no query engine: the layout, each file's shape, the project's alert
 * convention (severity critical|warning; summary, description and runbook_url), the `team` label
 * (set here, never overridable by a file) and every dashboard datasource reference (only uids
 * Grafana is provisioned with, a team's Loki datasource only its own). Query grammars and promtool
 * run in tools/team-checks.ts (render and tests). Every problem names the file and the rule.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { TEAMS_DIRECTORY, datasourceUids, teamLokiDatasourceUid } from "../../endpoints";
import { TEAM_NAME_PATTERN } from "../../../config/teams";
import { TEAM_LABEL } from "../../labels";
import { LOKI_RULE_FILE_NAME } from "../logs/rules";

/** The label every team rule carries (alert routing by team); a file cannot set it to anything else. */
export { TEAM_LABEL };
/** Severities of the project's alert convention (Alertmanager routes on them). */
export const TEAM_ALERT_SEVERITIES = ["critical", "warning"] as const;
/** Annotations every team alert must carry. */
export const REQUIRED_ANNOTATIONS = ["summary", "description", "runbook_url"] as const;

/** The sub-directories of a team directory and the one extension each holds. */
export const TEAM_SUBDIRECTORIES = { prometheus: ".yaml", loki: ".yaml", dashboards: ".json" } as const;
export type TeamFileKind = keyof typeof TEAM_SUBDIRECTORIES;

/** Grafana's own pseudo-datasources, valid in any dashboard (annotations, mixed and dashboard queries). */
export const GRAFANA_BUILTIN_DATASOURCE_UIDS = ["-- Grafana --", "-- Mixed --", "-- Dashboard --"] as const;

/** A rule as written in a rule file (Prometheus rulefmt, which the Loki ruler reads too). */
export interface TeamRule {
    readonly alert?: string;
    readonly record?: string;
    readonly expr: string;
    readonly for?: string;
    readonly keep_firing_for?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
}

/** A rule group. */
export interface TeamRuleGroup {
    readonly name: string;
    readonly interval?: string;
    readonly limit?: number;
    readonly rules: readonly TeamRule[];
}

/** One rule file of a team, its rules already labelled `team: <team>`. */
export interface TeamRuleFile {
    /** Path shown in messages, relative to the project: teams/<team>/<kind>/<name>. */
    readonly file: string;
    /** Base name, e.g. `http.yaml`. */
    readonly name: string;
    readonly groups: readonly TeamRuleGroup[];
}

/** One dashboard of a team. */
export interface TeamDashboard {
    readonly file: string;
    readonly uid: string;
    readonly title: string;
    /** The dashboard JSON as written. */
    readonly model: Readonly<Record<string, unknown>>;
}

/** Everything one team ships. */
export interface TeamFiles {
    readonly team: string;
    readonly prometheus: readonly TeamRuleFile[];
    readonly loki: readonly TeamRuleFile[];
    readonly dashboards: readonly TeamDashboard[];
}

/** What the loader found: the teams' files, every problem, and the directories not deployed. */
export interface LoadedTeams {
    readonly teams: readonly TeamFiles[];
    readonly problems: readonly string[];
    /**
     * Directories of teams the stack does not declare (a team onboarded in another stack first, or a
     * platform-only stack): not deployed in this stack, listed so nobody mistakes them for deployed.
     */
    readonly notDeployed: readonly string[];
    /** What `pulumi up` warns and render's summary.txt says about `notDeployed` (undefined when empty). */
    readonly notDeployedWarning: string | undefined;
}

/** The text of every file under a teams directory: relative path (`payments/loki/x.yaml`) -> content. */
export type TeamTree = ReadonlyMap<string, string>;

/** Read the teams directory of a project into a TeamTree (empty when it does not exist). */
export function readTeamTree(projectDir: string): TeamTree {
    const root = path.join(projectDir, TEAMS_DIRECTORY);
    const out = new Map<string, string>();
    if (!fs.existsSync(root)) return out;
    const walk = (dir: string): void => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) walk(full);
            else out.set(path.relative(root, full).split(path.sep).join("/"), fs.readFileSync(full, "utf8"));
        }
    };
    walk(root);
    return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const q = (s: string): string => JSON.stringify(s);

const GROUP_KEYS = new Set(["name", "interval", "limit", "rules"]);
const RULE_KEYS = new Set(["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"]);
const DASHBOARD_UID_RE = /^[A-Za-z0-9_-]{1,40}$/;

/** Where a rule is, for messages: `teams/p/prometheus/x.yaml: group "g", rule "A"`. */
function ruleWhere(file: string, group: string, rule: Obj, index: number): string {
    const name = typeof rule.alert === "string" ? rule.alert : typeof rule.record === "string" ? rule.record : `#${index + 1}`;
    return `${file}: group ${q(group)}, rule ${q(name)}`;
}

function stringMap(v: unknown, where: string, key: string, problems: string[]): Record<string, string> {
    if (v === undefined) return {};
    if (!isObj(v)) {
        problems.push(`${where}: ${key} must be a map of strings`);
        return {};
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
        if (typeof x !== "string") problems.push(`${where}: ${key}.${k} must be a string, given ${JSON.stringify(x)}`);
        else out[k] = x;
    }
    return out;
}

/** Parse and check one rule file; the rules come back labelled `team: <team>`. */
export function parseTeamRuleFile(team: string, kind: "prometheus" | "loki", file: string, text: string, problems: string[]): TeamRuleFile | undefined {
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (e) {
        problems.push(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
        return undefined;
    }
    if (!isObj(doc) || !Array.isArray(doc.groups) || doc.groups.length === 0) {
        problems.push(`${file}: expected a rule file, a map with a non-empty \`groups:\` list`);
        return undefined;
    }
    for (const k of Object.keys(doc)) if (k !== "groups") problems.push(`${file}: unknown top-level key ${q(k)}; expected only groups`);
    const groups: TeamRuleGroup[] = [];
    const seen = new Set<string>();
    doc.groups.forEach((g: unknown, gi: number) => {
        if (!isObj(g) || typeof g.name !== "string" || g.name === "" || !Array.isArray(g.rules) || g.rules.length === 0) {
            problems.push(`${file}: group #${gi + 1}: expected a name and a non-empty rules list`);
            return;
        }
        const gname = g.name;
        if (seen.has(gname)) problems.push(`${file}: group ${q(gname)} is repeated`);
        seen.add(gname);
        for (const k of Object.keys(g)) if (!GROUP_KEYS.has(k)) problems.push(`${file}: group ${q(gname)}: unknown key ${q(k)}; expected ${[...GROUP_KEYS].join(", ")}`);
        const rules: TeamRule[] = [];
        g.rules.forEach((r: unknown, ri: number) => {
            if (!isObj(r)) {
                problems.push(`${file}: group ${q(gname)}, rule #${ri + 1}: expected a map`);
                return;
            }
            const where = ruleWhere(file, gname, r, ri);
            for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) problems.push(`${where}: unknown key ${q(k)}; expected ${[...RULE_KEYS].join(", ")}`);
            const isAlert = typeof r.alert === "string" && r.alert !== "";
            const isRecord = typeof r.record === "string" && r.record !== "";
            if (isAlert === isRecord) problems.push(`${where}: expected exactly one of alert or record`);
            if (kind === "loki" && isRecord) {
                problems.push(`${where}: a recording rule needs the Loki ruler's remote write, which the platform does not configure; only alert rules`);
            }
            if (typeof r.expr !== "string" || r.expr.trim() === "") problems.push(`${where}: expr must be a non-empty ${kind === "loki" ? "LogQL" : "PromQL"} expression`);
            const labels = stringMap(r.labels, where, "labels", problems);
            const annotations = stringMap(r.annotations, where, "annotations", problems);
            const given = labels[TEAM_LABEL];
            if (given !== undefined && given !== team) {
                problems.push(`${where}: label ${TEAM_LABEL} is set by the platform to the directory's team (${q(team)}), given ${q(given)}`);
            }
            if (isAlert) {
                const sev = labels.severity;
                if (sev === undefined) problems.push(`${where}: missing label severity (expected ${TEAM_ALERT_SEVERITIES.join(" or ")})`);
                else if (!(TEAM_ALERT_SEVERITIES as readonly string[]).includes(sev)) {
                    problems.push(`${where}: label severity: expected ${TEAM_ALERT_SEVERITIES.join(" or ")}, given ${q(sev)}`);
                }
                for (const a of REQUIRED_ANNOTATIONS) if (!annotations[a]?.trim()) problems.push(`${where}: missing annotation ${a}`);
            }
            rules.push({ ...(r as unknown as TeamRule), labels: { ...labels, [TEAM_LABEL]: team }, ...(isAlert ? { annotations } : {}) });
        });
        groups.push({ ...(g as unknown as TeamRuleGroup), rules });
    });
    return { file, name: path.posix.basename(file), groups };
}

/** A datasource reference found in a dashboard, with where it is. */
export interface DatasourceUse {
    readonly where: string;
    readonly ref: unknown;
}

/** A query of a dashboard: its expression and the datasource uid it runs on. */
export interface DashboardQuery {
    readonly where: string;
    readonly uid: string;
    readonly expr: string;
}

function panelsOf(model: Obj): Obj[] {
    const out: Obj[] = [];
    const walk = (ps: unknown): void => {
        if (!Array.isArray(ps)) return;
        for (const p of ps) {
            if (!isObj(p)) continue;
            out.push(p);
            walk(p.panels);
        }
    };
    walk(model.panels);
    return out;
}

/**
 * Every query of a dashboard (panel targets with an `expr`, query variables) with the uid of the
 * datasource it runs on, and every datasource reference, each located `panel "<title>" / <refId>`.
 */
export function dashboardQueries(model: Obj): { queries: DashboardQuery[]; refs: DatasourceUse[] } {
    const queries: DashboardQuery[] = [];
    const refs: DatasourceUse[] = [];
    const uidOf = (ref: unknown): string | undefined => (isObj(ref) && typeof ref.uid === "string" ? ref.uid : undefined);
    for (const p of panelsOf(model)) {
        const title = typeof p.title === "string" ? p.title : `id ${String(p.id)}`;
        const targets = Array.isArray(p.targets) ? p.targets.filter(isObj) : [];
        if (p.datasource !== undefined || targets.length > 0) refs.push({ where: `panel ${q(title)}`, ref: p.datasource });
        for (const t of targets) {
            const where = `panel ${q(title)} / ${typeof t.refId === "string" ? t.refId : "target"}`;
            // A target repeating its panel's datasource is one reference, reported once.
            if (t.datasource !== undefined && JSON.stringify(t.datasource) !== JSON.stringify(p.datasource)) refs.push({ where, ref: t.datasource });
            const uid = uidOf(t.datasource ?? p.datasource);
            if (uid !== undefined && typeof t.expr === "string") queries.push({ where, uid, expr: t.expr });
        }
    }
    const templating = isObj(model.templating) && Array.isArray(model.templating.list) ? model.templating.list.filter(isObj) : [];
    for (const v of templating) {
        if (v.type !== "query") continue;
        const where = `variable ${q(String(v.name))}`;
        refs.push({ where, ref: v.datasource });
        const uid = uidOf(v.datasource);
        const text = typeof v.query === "string" ? v.query : isObj(v.query) && typeof v.query.query === "string" ? v.query.query : undefined;
        if (uid !== undefined && text !== undefined) queries.push({ where, uid, expr: text });
    }
    const annotations = isObj(model.annotations) && Array.isArray(model.annotations.list) ? model.annotations.list.filter(isObj) : [];
    for (const a of annotations) refs.push({ where: `annotation ${q(String(a.name))}`, ref: a.datasource });
    return { queries, refs };
}

/** The datasource uids a team's dashboard may use, with the type each has. */
export function teamDatasourceTypes(team: string): Record<string, string> {
    return {
        [datasourceUids.prometheus]: "prometheus",
        [datasourceUids.alertmanager]: "alertmanager",
        [teamLokiDatasourceUid(team)]: "loki",
    };
}

function checkDatasourceRef(team: string, teams: readonly string[], file: string, use: DatasourceUse, problems: string[]): void {
    const allowed = teamDatasourceTypes(team);
    const where = `${file}: ${use.where}`;
    const expected = `one of ${Object.keys(allowed).join(", ")}`;
    if (!isObj(use.ref) || typeof use.ref.uid !== "string") {
        problems.push(`${where}: datasource must be a {type, uid} reference to a provisioned uid (${expected}), given ${JSON.stringify(use.ref ?? null)}`);
        return;
    }
    const uid = use.ref.uid;
    if ((GRAFANA_BUILTIN_DATASOURCE_UIDS as readonly string[]).includes(uid)) return;
    const type = allowed[uid];
    if (type === undefined) {
        const other = teams.find((t) => t !== team && teamLokiDatasourceUid(t) === uid);
        const why =
            uid === datasourceUids.loki
                ? ` (the platform tenant's logs; team ${team} reads its own through ${teamLokiDatasourceUid(team)})`
                : other !== undefined
                  ? ` (team ${other}'s logs; team ${team} reads only its own, through ${teamLokiDatasourceUid(team)})`
                  : "";
        problems.push(`${where}: datasource uid ${q(uid)} is not one this team's dashboards may use${why}; expected ${expected}`);
        return;
    }
    if (use.ref.type !== undefined && use.ref.type !== type) problems.push(`${where}: datasource ${q(uid)} is of type ${type}, given type ${q(String(use.ref.type))}`);
}

/** Parse and check one dashboard. */
export function parseTeamDashboard(team: string, teams: readonly string[], file: string, text: string, problems: string[]): TeamDashboard | undefined {
    let model: unknown;
    try {
        model = JSON.parse(text);
    } catch (e) {
        problems.push(`${file}: not valid JSON: ${(e as Error).message}`);
        return undefined;
    }
    if (!isObj(model)) {
        problems.push(`${file}: expected a dashboard object`);
        return undefined;
    }
    const uid = model.uid;
    const title = model.title;
    if (typeof uid !== "string" || !DASHBOARD_UID_RE.test(uid)) {
        problems.push(`${file}: uid: expected a fixed uid (letters, digits, - and _, at most 40), given ${JSON.stringify(uid ?? null)}`);
        return undefined;
    }
    if (typeof title !== "string" || title.trim() === "") problems.push(`${file}: title: expected a non-empty string`);
    for (const use of dashboardQueries(model).refs) checkDatasourceRef(team, teams, file, use, problems);
    return { file, uid, title: typeof title === "string" ? title : uid, model };
}

/**
 * Load and check every team's files from a TeamTree (readTeamTree).
 *
 * `declared` is the stack's `alerting.teams` names. A directory for a team the stack does not
 * declare is not deployed in this stack (a team is often onboarded in dev before prod) and comes
 * back in `notDeployed`, unchecked; a directory whose name no stack could declare (not a team name)
 * is a problem.
 * `reservedDashboardUids` (the platform's dashboards) may not be reused by a team.
 * `withoutLogs`: declared teams owning no namespace (logs/values.ts teamLogTenants leaves them
 * out): no logs reach them, so they have no Loki tenant and their Loki rule files are refused.
 */
export function loadTeams(tree: TeamTree, declared: readonly string[], reservedDashboardUids: readonly string[] = [], withoutLogs: readonly string[] = []): LoadedTeams {
    const problems: string[] = [];
    const byTeam = new Map<string, { prometheus: TeamRuleFile[]; loki: TeamRuleFile[]; dashboards: TeamDashboard[] }>();
    const notDeployed = new Set<string>();
    const badNames = new Set<string>();
    const kinds = Object.keys(TEAM_SUBDIRECTORIES) as TeamFileKind[];
    for (const [rel, text] of tree) {
        const file = `${TEAMS_DIRECTORY}/${rel}`;
        const parts = rel.split("/");
        const team = parts[0] as string;
        if (parts.length === 1) {
            problems.push(`${file}: unexpected file; ${TEAMS_DIRECTORY}/ holds one directory per team (<team>/{${kinds.join(",")}}/)`);
            continue;
        }
        if (!TEAM_NAME_PATTERN.test(team)) {
            if (!badNames.has(team)) {
                badNames.add(team);
                problems.push(
                    `${TEAMS_DIRECTORY}/${team}: expected a team name (a lowercase letter, then lowercase letters, digits and -, at most 32), given ${q(team)}; no stack can declare it in plg-observability:alerting.teams`,
                );
            }
            continue;
        }
        if (!declared.includes(team)) {
            notDeployed.add(`${TEAMS_DIRECTORY}/${team}`);
            continue;
        }
        const kind = parts[1] as string;
        if (parts.length !== 3 || !(kinds as string[]).includes(kind)) {
            problems.push(`${file}: unexpected path; expected ${TEAMS_DIRECTORY}/${team}/<${kinds.join("|")}>/<file>`);
            continue;
        }
        const k = kind as TeamFileKind;
        const ext = TEAM_SUBDIRECTORIES[k];
        if (!(parts[2] as string).endsWith(ext) || !/^[A-Za-z0-9_.-]+$/.test(parts[2] as string)) {
            problems.push(`${file}: expected a ${ext} file (letters, digits, ., _ and -) in ${TEAMS_DIRECTORY}/${team}/${k}/`);
            continue;
        }
        if (k === "loki" && parts[2] === LOKI_RULE_FILE_NAME) {
            problems.push(`${file}: ${LOKI_RULE_FILE_NAME} is the platform's rule file, which every team tenant runs too; rename the team's file`);
            continue;
        }
        if (k === "loki" && withoutLogs.includes(team)) {
            problems.push(
                `${file}: team ${q(team)} owns no namespace in plg-observability:alerting.teams, so no logs reach its Loki tenant and this rule would never fire; list the team's namespaces or remove the file`,
            );
            continue;
        }
        const entry = byTeam.get(team) ?? { prometheus: [], loki: [], dashboards: [] };
        byTeam.set(team, entry);
        if (k === "dashboards") {
            const d = parseTeamDashboard(team, declared, file, text, problems);
            const ownLoki = teamLokiDatasourceUid(team);
            if (d && withoutLogs.includes(team) && dashboardQueries(d.model).refs.some((r) => isObj(r.ref) && r.ref.uid === ownLoki)) {
                problems.push(`${file}: datasource ${q(ownLoki)} does not exist: team ${q(team)} owns no namespace, so it has no Loki tenant; list the team's namespaces or drop the log panels`);
            }
            if (d) entry.dashboards.push(d);
        } else {
            const f = parseTeamRuleFile(team, k, file, text, problems);
            if (f) entry[k].push(f);
        }
    }
    // Grafana uids are global across folders: a clash would replace another team's (or the platform's) dashboard.
    const uidFile = new Map<string, string>(reservedDashboardUids.map((u) => [u, "the platform's dashboards"]));
    for (const t of byTeam.values()) {
        for (const d of t.dashboards) {
            const prior = uidFile.get(d.uid);
            if (prior !== undefined) problems.push(`${d.file}: uid ${q(d.uid)} is already used by ${prior}; Grafana dashboard uids are global`);
            else uidFile.set(d.uid, d.file);
        }
    }
    const teams = [...byTeam.entries()].map(([team, f]) => ({ team, ...f }));
    return { teams, problems, notDeployed: [...notDeployed], notDeployedWarning: notDeployedWarning([...notDeployed], declared) };
}

/** The one line saying which team directories this stack leaves out, and which teams it declares. */
function notDeployedWarning(directories: readonly string[], declared: readonly string[]): string | undefined {
    if (directories.length === 0) return undefined;
    return `${directories.join(", ")}: team files not deployed in this stack: no such team in plg-observability:alerting.teams (declared: ${declared.join(", ") || "none"}); declare the team there to deploy them`;
}
