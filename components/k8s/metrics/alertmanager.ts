/**
 * Alertmanager configuration (kube-prometheus-stack `alertmanager.config`) and its notification
 * templates (`alertmanager.templateFiles`).
 *
 * Credentials are never in the config: receivers read them from files of the Kubernetes Secret
 * listed in `alertmanagerSpec.secrets`, which the operator mounts at
 * /etc/alertmanager/secrets/<secret>/<key> (`api_url_file` needs Alertmanager >= 0.22,
 * `routing_key_file` >= 0.25, the heartbeat's webhook `url_file` >= 0.26; kps 88 ships 0.34).
 *
 * Team receivers (alerting.teams) read theirs the same way. Fields checked in Alertmanager v0.34.0's
 * source (the image kube-prometheus-stack 88.5.3's values.yaml pins): slack_configs.api_url_file
 * (config/notifiers.go), pagerduty_configs.routing_key_file (notify/pagerduty/config.go),
 * opsgenie_configs.api_key_file (notify/opsgenie/config.go), email_configs.auth_password_file
 * (config/notifiers.go), webhook_configs.url_file (notify/webhook/config.go, >= 0.26) and
 * msteamsv2_configs.webhook_url_file (notify/msteamsv2/config.go, >= 0.28): Microsoft retired the
 * Office 365 connectors msteams_configs posts to; msteamsv2 posts to a Teams workflow (Power Automate).
 * Routing, time_intervals and mute_time_intervals exist since 0.24.
 */
import {
    type OfficeHours,
    type TeamReceiverType,
    type TeamSecretFieldName,
    type TeamSettings,
    type TimeIntervalSpec,
    matchesTeamLabel,
    outsideOfficeHours,
    teamSecretFields,
    usedReceivers,
} from "../../../config/teams";
import { alertmanagerSecretPath } from "../../endpoints";
import { TEAM_LABEL } from "../../labels";
import { ALERTS } from "./rules";

/** Key of the Slack incoming-webhook URL in the receivers Secret. */
export const SLACK_WEBHOOK_KEY = "slack-webhook-url";
/** Key of the PagerDuty Events API v2 routing key in the receivers Secret. */
export const PAGERDUTY_ROUTING_KEY_KEY = "pagerduty-routing-key";
/** Key of the heartbeat (dead man's switch) URL in the receivers Secret. */
export const HEARTBEAT_URL_KEY = "heartbeat-url";

/** Key of a team credential (`teamSecrets.<team>.<field>`) in the receivers Secret: team-payments-pagerduty-routing-key. */
export function teamSecretKey(team: string, field: TeamSecretFieldName): string {
    return `team-${team}-${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A team's receiver of one type: payments-pagerduty. */
export const teamReceiverName = (team: string, type: TeamReceiverType): string => `${team}-${type}`;

/** The time interval muting a team's warnings: payments-outside-office-hours. */
export const teamMuteIntervalName = (team: string): string => `${team}-outside-office-hours`;

/**
 * How often the heartbeat receiver gets Watchdog (group_interval = repeat_interval): the heartbeat
 * service's period should be a few times this, so one lost request does not page.
 */
export const HEARTBEAT_INTERVAL = "1m";

/** Receiver names. */
export const RECEIVERS = {
    /** Drops notifications: the root default, Watchdog (unless the heartbeat is on) and InfoInhibitor. */
    none: "null",
    slack: "slack",
    pagerduty: "pagerduty",
    heartbeat: "heartbeat",
} as const;

/**
 * kps stores `templateFiles` in the Alertmanager config Secret, which the operator mounts at
 * /etc/alertmanager/config/; the chart's own default config loads `*.tmpl` from there.
 */
export const TEMPLATE_DIR = "/etc/alertmanager/config";
/** Name of the notification template file (a key of `alertmanager.templateFiles`). */
export const TEMPLATE_FILE = "plg-notifications.tmpl";

/** Template names defined in TEMPLATE_FILE. */
export const TEMPLATES = {
    /**
     * The alert a message is about: the group's common alertname, else (a service's page group holds
     * HighErrorRate and ErrorBudgetBurnFast) the first firing alert's.
     */
    alertname: "plg.alertname",
    title: "plg.title",
    slackText: "plg.slack.text",
    pagerdutyDescription: "plg.pagerduty.description",
} as const;

/** Critical alerts about one HTTP service that page as one incident per service (see the page route). */
export const SERVICE_PAGE_ALERTS: readonly string[] = [ALERTS.highErrorRate, ALERTS.errorBudgetBurnFast];

/** Settings of the Alertmanager configuration. */
export interface AlertmanagerInput {
    /** Labels notifications are grouped by, e.g. ["alertname", "namespace"]. */
    readonly groupBy: readonly string[];
    /** Wait before the first notification of a new group, e.g. "30s". */
    readonly groupWait: string;
    /** Wait before notifying about new alerts added to a group, e.g. "5m". */
    readonly groupInterval: string;
    /** Wait before re-sending a still-firing notification, e.g. "4h". */
    readonly repeatInterval: string;
    /** Slack receiver: gets critical and warning alerts. */
    readonly slack: {
        /** Whether Slack notifications are sent (the Secret must then hold SLACK_WEBHOOK_KEY). */
        readonly enabled: boolean;
        /** Channel to post to, e.g. "#alerts-prod" (the webhook's default channel when empty). */
        readonly channel: string;
    };
    /** PagerDuty receiver: gets critical alerts. */
    readonly pagerduty: {
        /** Whether PagerDuty incidents are opened (the Secret must then hold PAGERDUTY_ROUTING_KEY_KEY). */
        readonly enabled: boolean;
    };
    /** Dead man's switch: Watchdog to an external heartbeat URL. */
    readonly heartbeat: {
        /** Whether Watchdog is sent out (the Secret must then hold HEARTBEAT_URL_KEY). */
        readonly enabled: boolean;
    };
    /** Kubernetes Secret with the receiver credentials (endpoints.kps.receiverSecretName), mounted via alertmanagerSpec.secrets. */
    readonly secretName: string;
    /**
     * Whether Alertmanager's externalUrl is public (Grafana's alerting UI on its hostname). When it
     * is not, it is the in-cluster Service URL the chart defaults to: the Slack title and the
     * PagerDuty client link would open nowhere, so messages carry none.
     */
    readonly externalUrlIsPublic: boolean;
    /**
     * Labels that name one service on the HTTP alerts (the rules' groupBy, e.g. namespace and job):
     * a fast-burn page mutes the slow-burn ticket of the same service, and only of that one.
     */
    readonly serviceLabels: readonly string[];
    /**
     * Application teams (config/teams.ts): alerts labelled team=<name> or from their namespaces go
     * to the team's paging (critical) and chat (warning) receivers. Absent: none.
     */
    readonly teams?: readonly TeamSettings[];
}

/** A route of the routing tree. */
export interface AlertmanagerRoute {
    /** Receiver of matching alerts. */
    readonly receiver: string;
    /** Label matchers, e.g. `severity="critical"`. */
    readonly matchers?: readonly string[];
    /** Keep matching sibling routes after this one. */
    readonly continue?: boolean;
    /** Grouping labels (root route). */
    readonly group_by?: readonly string[];
    /** Root route: first notification delay. */
    readonly group_wait?: string;
    /** Root route: delay between group updates. */
    readonly group_interval?: string;
    /** Root route: re-notification delay. */
    readonly repeat_interval?: string;
    /** Names of time_intervals during which notifications of this route are muted. */
    readonly mute_time_intervals?: readonly string[];
    /** Child routes. */
    readonly routes?: readonly AlertmanagerRoute[];
}

/** Slack receiver settings. */
export interface SlackConfig {
    /** File holding the webhook URL. */
    readonly api_url_file: string;
    /** Channel. */
    readonly channel?: string;
    /** Notify when alerts resolve. */
    readonly send_resolved: boolean;
    /** Message title (template). */
    readonly title: string;
    /** Message text (template). */
    readonly text: string;
    /** Link of the title; "" for none (the default links to Alertmanager's externalUrl). */
    readonly title_link?: string;
    /** Plain-text summary (notifications); the default appends the externalUrl link. */
    readonly fallback?: string;
}

/** PagerDuty receiver settings. */
export interface PagerdutyConfig {
    /** File holding the Events API v2 routing key. */
    readonly routing_key_file: string;
    /** Resolve incidents when alerts resolve. */
    readonly send_resolved: boolean;
    /** Incident summary (template). */
    readonly description: string;
    /** PagerDuty severity. */
    readonly severity: string;
    /** "View in" link of the incident; "" for none (the default is Alertmanager's externalUrl). */
    readonly client_url?: string;
}

/** Webhook receiver settings. */
export interface WebhookConfig {
    /** File holding the URL (a heartbeat URL is a credential: anyone holding it can fake the heartbeat). */
    readonly url_file: string;
    /** Notify when alerts resolve. */
    readonly send_resolved: boolean;
}

/** Opsgenie receiver settings. */
export interface OpsgenieConfig {
    /** File holding the integration's API key. */
    readonly api_key_file: string;
    /** Opsgenie API (the EU instance has its own). */
    readonly api_url?: string;
    /** Close alerts when they resolve. */
    readonly send_resolved: boolean;
    /** Alert message (template; Opsgenie keeps 130 characters). */
    readonly message: string;
    /** P1..P5. */
    readonly priority?: string;
}

/** Email receiver settings. */
export interface EmailConfig {
    readonly to: string;
    readonly from: string;
    /** host:port of the SMTP server. */
    readonly smarthost: string;
    readonly auth_username?: string;
    /** File holding the SMTP password. */
    readonly auth_password_file?: string;
    /** Mail when alerts resolve. */
    readonly send_resolved: boolean;
    /** Mail headers (Subject). */
    readonly headers: Readonly<Record<string, string>>;
}

/** Microsoft Teams (workflow webhook) receiver settings. */
export interface MsteamsV2Config {
    /** File holding the workflow's URL. */
    readonly webhook_url_file: string;
    /** Notify when alerts resolve. */
    readonly send_resolved: boolean;
    /** Card title (template). */
    readonly title: string;
}

/** A receiver. */
export interface Receiver {
    /** Name routes refer to. */
    readonly name: string;
    /** Slack integrations. */
    readonly slack_configs?: readonly SlackConfig[];
    /** PagerDuty integrations. */
    readonly pagerduty_configs?: readonly PagerdutyConfig[];
    /** Webhook integrations. */
    readonly webhook_configs?: readonly WebhookConfig[];
    /** Opsgenie integrations. */
    readonly opsgenie_configs?: readonly OpsgenieConfig[];
    /** Email integrations. */
    readonly email_configs?: readonly EmailConfig[];
    /** Microsoft Teams (workflow) integrations. */
    readonly msteamsv2_configs?: readonly MsteamsV2Config[];
}

/** A named set of time intervals (for mute_time_intervals). */
export interface NamedTimeInterval {
    readonly name: string;
    readonly time_intervals: readonly TimeIntervalSpec[];
}

/** An inhibition: a firing source alert mutes matching target alerts. */
export interface InhibitRule {
    /** Matchers of the muting alert. */
    readonly source_matchers: readonly string[];
    /** Matchers of the muted alerts. */
    readonly target_matchers: readonly string[];
    /** Labels that must be equal on both. */
    readonly equal?: readonly string[];
}

/** The Alertmanager configuration file. */
export interface AlertmanagerConfig {
    /** Global settings. */
    readonly global: { readonly resolve_timeout: string };
    /** Routing tree. */
    readonly route: AlertmanagerRoute;
    /** Receivers (only those a route uses). */
    readonly receivers: readonly Receiver[];
    /** Inhibitions. */
    readonly inhibit_rules: readonly InhibitRule[];
    /** Named time intervals (teams' hours outside the office); absent when none. */
    readonly time_intervals?: readonly NamedTimeInterval[];
    /** Template file globs. */
    readonly templates: readonly string[];
}

/** Configuration plus the template files it loads (file name -> content). */
export interface AlertmanagerBuild {
    /** For `alertmanager.config`. */
    readonly config: AlertmanagerConfig;
    /** For `alertmanager.templateFiles`. */
    readonly templates: Record<string, string>;
}

/**
 * Title: status, count, alert name and where (namespace, and the service's job for a page group).
 * Slack text: per alert its summary, description, links and
 * every label, so a message is useful without opening Grafana.
 */
const TEMPLATE_TEXT = `{{ define "${TEMPLATES.alertname}" -}}
{{ if .CommonLabels.alertname }}{{ .CommonLabels.alertname }}{{ else if .Alerts.Firing }}{{ (index .Alerts.Firing 0).Labels.alertname }}{{ else }}{{ (index .Alerts 0).Labels.alertname }}{{ end }}
{{- end }}

{{ define "${TEMPLATES.title}" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ template "${TEMPLATES.alertname}" . }}{{ if .CommonLabels.namespace }} ({{ .CommonLabels.namespace }}{{ if .GroupLabels.job }}/{{ .GroupLabels.job }}{{ end }}){{ end }}
{{- end }}

{{ define "${TEMPLATES.slackText}" -}}
{{ range .Alerts -}}
*{{ .Annotations.summary }}*
{{ .Annotations.description }}
{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}
{{ end }}{{ if .Annotations.dashboard }}Dashboard: {{ .Annotations.dashboard }}
{{ end }}Labels:{{ range .Labels.SortedPairs }} \`{{ .Name }}={{ .Value }}\`{{ end }}

{{ end -}}
{{- end }}

{{ define "${TEMPLATES.pagerdutyDescription}" -}}
{{ template "${TEMPLATES.title}" . }}: {{ if .CommonAnnotations.summary }}{{ .CommonAnnotations.summary }}{{ else if .Alerts.Firing }}{{ (index .Alerts.Firing 0).Annotations.summary }}{{ end }}
{{- end }}
`;

const quoted = (name: string, value: string): string => `${name}="${value}"`;
const useTemplate = (name: string): string => `{{ template "${name}" . }}`;

/** The integrations every receiver of one kind shares: templates, and links only to a public externalUrl. */
function integrations(input: AlertmanagerInput) {
    const file = (key: string): string => alertmanagerSecretPath(input.secretName, key);
    return {
        file,
        slack: (key: string, channel: string): SlackConfig => ({
            api_url_file: file(key),
            channel,
            send_resolved: true,
            title: useTemplate(TEMPLATES.title),
            text: useTemplate(TEMPLATES.slackText),
            // Alertmanager's own links lead to its externalUrl: drop them when that is an in-cluster address.
            ...(input.externalUrlIsPublic ? {} : { title_link: "", fallback: useTemplate(TEMPLATES.title) }),
        }),
        pagerduty: (key: string): PagerdutyConfig => ({
            routing_key_file: file(key),
            send_resolved: true,
            description: useTemplate(TEMPLATES.pagerdutyDescription),
            severity: "critical",
            ...(input.externalUrlIsPublic ? {} : { client_url: "" }),
        }),
    };
}

/** A team's receiver of one type; its credential from the team's key in the receivers Secret (Slack: maybe the platform's). */
function teamReceiver(input: AlertmanagerInput, team: TeamSettings, type: TeamReceiverType): Receiver {
    const kit = integrations(input);
    const name = teamReceiverName(team.name, type);
    const key = (field: TeamSecretFieldName): string => teamSecretKey(team.name, field);
    switch (type) {
        case "slack": {
            const channel = team.slack?.channel ?? "";
            // The platform's webhook with the team's channel: a legacy incoming webhook honours the
            // channel; a Slack-app webhook posts to its own channel whatever this says.
            const webhook = teamSecretFields(team).includes("slackWebhookUrl") ? key("slackWebhookUrl") : SLACK_WEBHOOK_KEY;
            return { name, slack_configs: [kit.slack(webhook, channel)] };
        }
        case "pagerduty":
            return { name, pagerduty_configs: [kit.pagerduty(key("pagerdutyRoutingKey"))] };
        case "msteams":
            return { name, msteamsv2_configs: [{ webhook_url_file: kit.file(key("msteamsWebhookUrl")), send_resolved: true, title: useTemplate(TEMPLATES.title) }] };
        case "opsgenie":
            return {
                name,
                opsgenie_configs: [
                    {
                        api_key_file: kit.file(key("opsgenieApiKey")),
                        ...(team.opsgenie?.apiUrl ? { api_url: team.opsgenie.apiUrl } : {}),
                        send_resolved: true,
                        message: useTemplate(TEMPLATES.title),
                        ...(team.opsgenie?.priority ? { priority: team.opsgenie.priority } : {}),
                    },
                ],
            };
        case "email": {
            const e = team.email;
            if (!e) throw new Error(`alertmanager: team ${team.name} uses email without email settings`);
            return {
                name,
                email_configs: [
                    {
                        to: e.to,
                        from: e.from,
                        smarthost: e.smarthost,
                        ...(e.authUsername ? { auth_username: e.authUsername, auth_password_file: kit.file(key("emailPassword")) } : {}),
                        send_resolved: true,
                        headers: { Subject: useTemplate(TEMPLATES.title) },
                    },
                ],
            };
        }
        case "webhook":
            return { name, webhook_configs: [{ url_file: kit.file(key("webhookUrl")), send_resolved: true }] };
    }
}

/**
 * The teams' routes, before the platform's: per team, its critical alerts to its paging receiver
 * and its warnings to its chat receiver, matched first by the team label (the team's own rules,
 * from any namespace), then by namespace. Flat and without `continue`: an alert reaches exactly
 * one team; a severity a team has no receiver for (info, or no paging/chat) matches none of these
 * and goes on to the platform's routes, as before teams existed.
 */
function teamRoutes(input: AlertmanagerInput, teams: readonly TeamSettings[]): AlertmanagerRoute[] {
    const byLabel = teams.filter(matchesTeamLabel).map((t) => ({ team: t, selector: quoted(TEAM_LABEL, t.name) }));
    const byNamespace = teams.filter((t) => t.namespaces.length > 0).map((t) => ({ team: t, selector: `namespace=~"${t.namespaces.join("|")}"` }));
    return [...byLabel, ...byNamespace].flatMap(({ team, selector }) => {
        const timing = {
            ...(team.groupBy ? { group_by: [...team.groupBy] } : {}),
            ...(team.groupWait ? { group_wait: team.groupWait } : {}),
            ...(team.groupInterval ? { group_interval: team.groupInterval } : {}),
            ...(team.repeatInterval ? { repeat_interval: team.repeatInterval } : {}),
        };
        const routes: AlertmanagerRoute[] = [];
        if (team.paging) {
            const receiver = teamReceiverName(team.name, team.paging);
            routes.push({
                receiver,
                matchers: [selector, quoted("severity", "critical")],
                ...timing,
                // One incident, one page per service, as on the platform's page route.
                routes: [{ receiver, matchers: [`alertname=~"${SERVICE_PAGE_ALERTS.join("|")}"`], group_by: [...input.serviceLabels] }],
            });
        }
        if (team.chat) {
            routes.push({
                receiver: teamReceiverName(team.name, team.chat),
                matchers: [selector, quoted("severity", "warning")],
                ...timing,
                ...(team.officeHours && outsideOfficeHours(team.officeHours).length > 0 ? { mute_time_intervals: [teamMuteIntervalName(team.name)] } : {}),
            });
        }
        return routes;
    });
}

/** The teams' named intervals: each office-hours team's time outside them (none when the office never closes). */
function teamTimeIntervals(teams: readonly TeamSettings[]): NamedTimeInterval[] {
    return teams
        .filter((t): t is TeamSettings & { officeHours: OfficeHours } => t.officeHours !== undefined)
        .map((t) => ({ name: teamMuteIntervalName(t.name), time_intervals: outsideOfficeHours(t.officeHours) }))
        .filter((t) => t.time_intervals.length > 0);
}

/** Builds the configuration and template files; no secret value is ever an input or an output. */
export function buildAlertmanagerConfig(input: AlertmanagerInput): AlertmanagerBuild {
    if (input.slack.enabled && !input.slack.channel) {
        throw new Error("alertmanager: slack.channel is required when Slack is enabled");
    }
    if (input.serviceLabels.length === 0) throw new Error("alertmanager: serviceLabels must name at least one label");
    const teams = input.teams ?? [];
    const kit = integrations(input);
    const receivers: Receiver[] = [{ name: RECEIVERS.none }];
    if (input.heartbeat.enabled) {
        receivers.push({
            name: RECEIVERS.heartbeat,
            webhook_configs: [{ url_file: kit.file(HEARTBEAT_URL_KEY), send_resolved: false }],
        });
    }
    const routes: AlertmanagerRoute[] = [
        // Watchdog fires all the time to prove the pipeline works; it is not for humans. With the
        // heartbeat on it goes out every HEARTBEAT_INTERVAL: when it stops arriving, the outside
        // service pages (the dead man's switch).
        input.heartbeat.enabled
            ? {
                  receiver: RECEIVERS.heartbeat,
                  matchers: [quoted("alertname", "Watchdog")],
                  group_wait: "0s",
                  group_interval: HEARTBEAT_INTERVAL,
                  repeat_interval: HEARTBEAT_INTERVAL,
              }
            : { receiver: RECEIVERS.none, matchers: [quoted("alertname", "Watchdog")] },
        // kps' InfoInhibitor only exists to mute info alerts (see inhibit_rules).
        { receiver: RECEIVERS.none, matchers: [quoted("alertname", "InfoInhibitor")] },
        ...teamRoutes(input, teams),
    ];
    for (const team of teams) receivers.push(...usedReceivers(team).map((type) => teamReceiver(input, team, type)));

    // One incident, one page: a service's 5xx spike fires HighErrorRate and, a minute later,
    // ErrorBudgetBurnFast. Grouped by the labels naming the service (not by alertname), both land in
    // one group: one PagerDuty incident (its dedup key is the group key) and one Slack message;
    // the inhibition below keeps the burn alert from re-notifying that group while HighErrorRate
    // fires. Another service is another group, so it still pages on its own.
    const pageReceivers = [
        ...(input.pagerduty.enabled ? [RECEIVERS.pagerduty] : []),
        ...(input.slack.enabled ? [RECEIVERS.slack] : []),
    ];
    if (pageReceivers.length > 0) {
        routes.push({
            receiver: RECEIVERS.none,
            matchers: [`alertname=~"${SERVICE_PAGE_ALERTS.join("|")}"`, quoted("severity", "critical")],
            group_by: [...input.serviceLabels],
            routes: pageReceivers.map((receiver, i) => ({
                receiver,
                ...(i < pageReceivers.length - 1 ? { continue: true } : {}),
            })),
        });
    }

    if (input.pagerduty.enabled) {
        receivers.push({
            name: RECEIVERS.pagerduty,
            pagerduty_configs: [kit.pagerduty(PAGERDUTY_ROUTING_KEY_KEY)],
        });
        // continue: the same critical alert also goes to Slack for context.
        routes.push({
            receiver: RECEIVERS.pagerduty,
            matchers: [quoted("severity", "critical")],
            ...(input.slack.enabled ? { continue: true } : {}),
        });
    }
    if (input.slack.enabled) {
        receivers.push({
            name: RECEIVERS.slack,
            slack_configs: [kit.slack(SLACK_WEBHOOK_KEY, input.slack.channel)],
        });
        routes.push({ receiver: RECEIVERS.slack, matchers: ['severity=~"critical|warning"'] });
    }

    const config: AlertmanagerConfig = {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: RECEIVERS.none,
            group_by: [...input.groupBy],
            group_wait: input.groupWait,
            group_interval: input.groupInterval,
            repeat_interval: input.repeatInterval,
            routes,
        },
        receivers,
        inhibit_rules: [
            {
                source_matchers: [quoted("severity", "critical")],
                target_matchers: ['severity=~"warning|info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: [quoted("severity", "warning")],
                target_matchers: [quoted("severity", "info")],
                equal: ["namespace", "alertname"],
            },
            // A page about a fast burn makes the slow-burn ticket for the same service redundant.
            // Equal on labels every HTTP alert has: on a missing label (a PodMonitor app has no
            // `service`) every such app of the namespace would count as "the same".
            {
                source_matchers: [quoted("alertname", ALERTS.errorBudgetBurnFast)],
                target_matchers: [quoted("alertname", ALERTS.errorBudgetBurnSlow)],
                equal: [...input.serviceLabels],
            },
            // The spike's own page (HighErrorRate, which fires first: its `for` is shorter) makes the
            // fast-burn page of the same service redundant; the burn alert still pages alone when the
            // ratio burns the budget without crossing HighErrorRate's threshold.
            {
                source_matchers: [quoted("alertname", ALERTS.highErrorRate)],
                target_matchers: [quoted("alertname", ALERTS.errorBudgetBurnFast)],
                equal: [...input.serviceLabels],
            },
            // kps' pattern: InfoInhibitor mutes info alerts of its namespace (it is routed to "null").
            {
                source_matchers: [quoted("alertname", "InfoInhibitor")],
                target_matchers: [quoted("severity", "info")],
                equal: ["namespace"],
            },
        ],
        ...(teamTimeIntervals(teams).length > 0 ? { time_intervals: teamTimeIntervals(teams) } : {}),
        templates: [`${TEMPLATE_DIR}/*.tmpl`],
    };
    return { config, templates: { [TEMPLATE_FILE]: TEMPLATE_TEXT } };
}
