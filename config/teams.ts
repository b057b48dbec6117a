import { z } from "zod";
import { dnsLabel, text, uniqueList } from "./validators";

/**
 * The application teams that share the platform (`alerting.teams`): the one registry every
 * per-team feature reads — alert routing (the team's namespaces or its `team` label), the team's
 * rules and dashboards in the repository (`teams/<name>/`), and its Loki tenant (the team's name).
 */

/** A team's name: a Kubernetes label value, a Loki tenant id, a Grafana folder and a directory name at once. */
export const TEAM_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;
export const teamName = text(TEAM_NAME_PATTERN, "expected a team name: a lowercase letter, then lowercase letters, digits and - (at most 32)");

export const teamSchema = z.strictObject({
    name: teamName.describe("The team: its `team` alert label, its Loki tenant, its Grafana folder and its teams/<name>/ directory."),
    namespaces: uniqueList(dnsLabel, "namespace").describe("Kubernetes namespaces the team owns: their alerts go to the team, their logs to its Loki tenant."),
});

export const teamsSchema = z.array(teamSchema).describe("Application teams sharing the platform, each with its namespaces, receivers and Loki tenant.");

export type TeamSettings = z.infer<typeof teamSchema>;
