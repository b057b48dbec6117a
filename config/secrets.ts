import type { SecretKey, Settings } from "./schema";
import { TEAM_SECRET_FIELDS, type TeamSecretFieldName, teamSecretFields, teamSecretPath, usesPlatformSlack } from "./teams";

/** A secret the settings require: `pulumi up` stops without it. */
export interface RequiredSecret {
    readonly key: SecretKey;
    /** The setting that turns on the feature using it (`["alerting", "slack", "enabled"]`). */
    readonly path: readonly (string | number)[];
    /** The feature, for messages. */
    readonly feature: string;
    /** For key teamSecrets: the team and field inside it (`teamSecrets.<team>.<field>`). */
    readonly field?: readonly [team: string, field: TeamSecretFieldName];
}

/** The secret's name in messages: `pagerdutyRoutingKey`, `teamSecrets.payments.pagerdutyRoutingKey`. */
export const secretName = (r: RequiredSecret): string => (r.field ? teamSecretPath(...r.field) : r.key);

/** The command that sets it. */
export const secretSetCommand = (r: RequiredSecret, value = "<value>"): string =>
    r.field ? `pulumi config set --secret --path '${secretName(r)}' ${value}` : `pulumi config set --secret ${r.key} ${value}`;

/** Whether `secrets` (raw values) holds it; a teamSecrets that does not parse holds nothing. */
export function secretPresent(r: RequiredSecret, secrets: Partial<Record<SecretKey, string>>): boolean {
    const raw = secrets[r.key];
    if (!raw) return false;
    if (!r.field) return true;
    try {
        const v = (JSON.parse(raw) as Record<string, Record<string, unknown> | undefined>)[r.field[0]]?.[r.field[1]];
        return typeof v === "string" && v !== "";
    } catch {
        return false;
    }
}

/** Each receiver's credential, needed exactly when the receiver is on. */
const RULES: readonly (RequiredSecret & { readonly on: (s: Settings) => boolean })[] = [
    { key: "slackWebhookUrl", path: ["alerting", "slack", "enabled"], feature: "Slack", on: (s) => s.alerting.slack.enabled },
    { key: "pagerdutyRoutingKey", path: ["alerting", "pagerduty", "enabled"], feature: "PagerDuty", on: (s) => s.alerting.pagerduty.enabled },
    { key: "ssoClientSecret", path: ["grafana", "sso", "provider"], feature: "Grafana single sign-on", on: (s) => s.grafana.sso.provider !== "none" },
    { key: "heartbeatUrl", path: ["alerting", "heartbeat", "enabled"], feature: "the heartbeat", on: (s) => s.alerting.heartbeat.enabled },
    { key: "logReplicaCredential", path: ["logs", "replicateTo"], feature: "the second log region", on: (s) => s.logs.replicateTo !== undefined },
];

/**
 * The secrets these settings require. One list for the config check (a required secret absent
 * stops `pulumi up`) and for render (placeholders only for these; the rest stay absent, as the
 * program would see them).
 */
export function requiredSecrets(s: Settings): RequiredSecret[] {
    const platform = RULES.filter((r) => r.on(s)).map(({ key, path, feature }) => ({ key, path, feature }));
    // Each team receiver's credential; a team's Slack on the platform's webhook needs slackWebhookUrl
    // (listed once: when the platform's Slack is on, its own entry already asks for it).
    const platformKeys = new Set(platform.map((r) => r.key));
    const teams = s.alerting.teams.flatMap((t, i): RequiredSecret[] => [
        ...(usesPlatformSlack(t) && !platformKeys.has("slackWebhookUrl") ? [{ key: "slackWebhookUrl" as const, path: ["alerting", "teams", i, "slack"], feature: `team ${t.name}'s Slack (the platform's webhook)` }] : []),
        ...teamSecretFields(t).map((f) => {
            const receiver = TEAM_SECRET_FIELDS[f].receiver;
            return { key: "teamSecrets" as const, path: ["alerting", "teams", i, receiver], feature: `team ${t.name}'s ${receiver}`, field: [t.name, f] as const };
        }),
    ]);
    return [...platform, ...teams];
}
