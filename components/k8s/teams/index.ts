/**
 * What the teams ship from `teams/<team>/` (files.ts): each Prometheus rule file as a
 * PrometheusRule in the monitoring namespace (the platform's Prometheus selects every rule, see
 * `ruleSelectorNilUsesHelmValues` in metrics/values.ts), each dashboard in the team's Grafana folder.
 * The Loki rule files go to the Logs component (teamLokiRules), into the team's ruler tenant.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { ConfigError } from "../../../config";
import type { Settings } from "../../../config";
import { Dashboards } from "../dashboards";
import { teamLogTenants, teamLokiTenant } from "../logs/values";
import { DASHBOARD_UIDS } from "../dashboards/builders";
import { TEAM_LABEL, type LoadedTeams, type TeamFiles, type TeamRuleFile, loadTeams, readTeamTree } from "./files";
import { teamQueryProblems } from "./queries";

/** The project directory, which holds TEAMS_DIRECTORY (as IAM_POLICY_FILE, read beside the sources). */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..", "..");

/**
 * The team files of a project for a stack's settings, with every problem the checks that need no
 * binary find: the loader's (layout, alert convention, team label, datasources) and the PromQL and
 * LogQL grammars on every rule and dashboard query. `pulumi up` runs exactly these; render and the
 * tests add promtool (tools/team-checks.ts).
 */
export function stackTeams(settings: Settings, projectDir: string = PROJECT_DIR): LoadedTeams {
    // The teams Alloy routes logs for (the same function): the others have no tenant for Loki rules.
    const logTenants = new Set(teamLogTenants(settings.alerting.teams).map((t) => t.team));
    const loaded = loadTeams(
        readTeamTree(projectDir),
        settings.alerting.teams.map((t) => t.name),
        Object.values(DASHBOARD_UIDS),
        settings.alerting.teams.filter((t) => !logTenants.has(t.name)).map((t) => t.name),
    );
    return { ...loaded, problems: [...loaded.problems, ...teamQueryProblems(loaded.teams)] };
}

/**
 * The team files the program deploys: a ConfigError naming every broken file and rule, before any
 * resource; a warning naming the directories of teams this stack does not declare.
 */
export function deployedTeams(settings: Settings, projectDir: string = PROJECT_DIR): readonly TeamFiles[] {
    const loaded = stackTeams(settings, projectDir);
    if (loaded.problems.length > 0) throw new ConfigError([...loaded.problems]);
    if (loaded.notDeployedWarning !== undefined) pulumi.log.warn(loaded.notDeployedWarning);
    return loaded.teams;
}

/** Name of the PrometheusRule of one team rule file: team-<team>-<file without .yaml>, a DNS-1123 name. */
export function teamPrometheusRuleName(team: string, file: TeamRuleFile): string {
    const base = file.name.replace(/\.yaml$/, "").toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
    return `team-${team}-${base}`.slice(0, 253).replace(/[-.]+$/, "");
}

/** The rule file in the format Prometheus and the Loki ruler read (rules already labelled with the team). */
export function teamRuleFileYaml(file: TeamRuleFile): string {
    return YAML.stringify({ groups: file.groups }, { lineWidth: 0 });
}

/**
 * Tenant -> (file name -> rule file text): the teams' Loki rules for the ruler's per-tenant rule
 * ConfigMaps (logs/values.ts `rules`), keyed by the team's tenant (teamLokiTenant).
 */
export function teamLokiRules(teams: readonly TeamFiles[]): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const t of teams) {
        if (t.loki.length === 0) continue;
        out[teamLokiTenant(t.team)] = Object.fromEntries(t.loki.map((f) => [f.name, teamRuleFileYaml(f)]));
    }
    return out;
}

export interface TeamContentArgs {
    /** The teams' checked files (deployedTeams). */
    readonly teams: readonly TeamFiles[];
    /** Namespace of the PrometheusRules and dashboard ConfigMaps (the monitoring namespace). */
    readonly namespace: pulumi.Input<string>;
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** What the PrometheusRules wait for (the prometheus-operator CRDs). */
    readonly rulesDependOn: pulumi.Input<pulumi.Resource>[];
    /** What the dashboards wait for (the kube-prometheus-stack release: Grafana's sidecar). */
    readonly dashboardsDependOn: pulumi.Input<pulumi.Resource>[];
}

/** Every team's PrometheusRules and dashboards. */
export class TeamContent extends pulumi.ComponentResource {
    constructor(name: string, args: TeamContentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:TeamContent", name, {}, opts);
        const k8sOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const names = new Map<string, string>();
        for (const t of args.teams) {
            for (const f of t.prometheus) {
                const ruleName = teamPrometheusRuleName(t.team, f);
                const prior = names.get(ruleName);
                if (prior !== undefined) throw new ConfigError([`${f.file}: its PrometheusRule name ${ruleName} is also ${prior}'s; rename one file`]);
                names.set(ruleName, f.file);
                new k8s.apiextensions.CustomResource(
                    `${name}-${ruleName}`,
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "PrometheusRule",
                        metadata: {
                            name: ruleName,
                            namespace: args.namespace,
                            labels: { [TEAM_LABEL]: t.team, "app.kubernetes.io/part-of": "plg-observability" },
                        },
                        spec: { groups: f.groups },
                    },
                    { ...k8sOpts, dependsOn: args.rulesDependOn },
                );
            }
            if (t.dashboards.length > 0) {
                new Dashboards(
                    `${name}-${t.team}-dashboards`,
                    {
                        provider: args.provider,
                        namespace: args.namespace,
                        dashboards: t.dashboards.map((d) => ({ ...d.model, uid: d.uid })),
                        folder: t.team,
                        dependsOn: args.dashboardsDependOn,
                    },
                    { parent: this },
                );
            }
        }
        this.registerOutputs({});
    }
}
