import type { SecretKey, Settings } from "./schema";

/** A secret the settings require: `pulumi up` stops without it. */
export interface RequiredSecret {
    readonly key: SecretKey;
    /** The setting that turns on the feature using it (`["alerting", "slack", "enabled"]`). */
    readonly path: readonly (string | number)[];
    /** The feature, for messages. */
    readonly feature: string;
}

/** Each receiver's credential, needed exactly when the receiver is on. */
const RULES: readonly (RequiredSecret & { readonly on: (s: Settings) => boolean })[] = [
    { key: "slackWebhookUrl", path: ["alerting", "slack", "enabled"], feature: "Slack", on: (s) => s.alerting.slack.enabled },
    { key: "pagerdutyRoutingKey", path: ["alerting", "pagerduty", "enabled"], feature: "PagerDuty", on: (s) => s.alerting.pagerduty.enabled },
    { key: "ssoClientSecret", path: ["grafana", "sso", "provider"], feature: "Grafana single sign-on", on: (s) => s.grafana.sso.provider !== "none" },
    { key: "heartbeatUrl", path: ["alerting", "heartbeat", "enabled"], feature: "the heartbeat", on: (s) => s.alerting.heartbeat.enabled },
];

/**
 * The secrets these settings require. One list for the config check (a required secret absent
 * stops `pulumi up`) and for render (placeholders only for these; the rest stay absent, as the
 * program would see them).
 */
export function requiredSecrets(s: Settings): RequiredSecret[] {
    return RULES.filter((r) => r.on(s)).map(({ key, path, feature }) => ({ key, path, feature }));
}
