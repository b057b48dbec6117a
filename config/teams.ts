import { z } from "zod";
import type { Check } from "./checks";
import { dnsLabel, duration, durationOrZero, durationSeconds, issueWithHint, labelName, text, uniqueList } from "./validators";
import { namespaces as platformNamespaces } from "../components/endpoints";

/**
 * The application teams that share the platform (`alerting.teams`): the one registry every
 * per-team feature reads — alert routing (the team's namespaces or its `team` label), the team's
 * rules and dashboards in the repository (`teams/<name>/`), and its Loki tenant (the team's name).
 *
 * Routing (components/k8s/metrics/alertmanager.ts): a team's critical alerts go to its `paging`
 * receiver, its warnings to its `chat` receiver; a severity without a receiver, and every alert
 * no team owns, stays on the platform's routes. Credentials are Pulumi secrets under the one
 * secret key `teamSecrets` (`teamSecrets.<team>.<field>`, see TEAM_SECRET_FIELDS).
 */

/** A team's name: a Kubernetes label value, a Loki tenant id, a Grafana folder and a directory name at once. */
export const TEAM_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/;
export const teamName = text(TEAM_NAME_PATTERN, "expected a team name: a lowercase letter, then lowercase letters, digits and - (at most 32)");

/** The kinds of receiver a team can page or chat through. */
export const TEAM_RECEIVER_TYPES = ["slack", "pagerduty", "msteams", "opsgenie", "email", "webhook"] as const;
export type TeamReceiverType = (typeof TEAM_RECEIVER_TYPES)[number];

/**
 * Namespaces no team may own: the platform's own (their alerts and logs are the platform's) and
 * the cluster's system namespace.
 */
export const RESERVED_NAMESPACES: readonly string[] = [...Object.values(platformNamespaces), "kube-system"];

// ------------------------------------------------------------------ credentials (secret key teamSecrets)

/** A credential of a team receiver: `teamSecrets.<team>.<field>`, read by Alertmanager as a file. */
export interface TeamSecretField {
    /** The receiver using it. */
    readonly receiver: TeamReceiverType;
    /** Shape check (the value is never shown). */
    readonly looksValid: (v: string) => boolean;
    readonly expected: string;
    /** What render uses offline. */
    readonly offlinePlaceholder: string;
}

/** A Slack incoming-webhook URL (the platform's slackWebhookUrl and a team's). */
export const SLACK_WEBHOOK_URL = /^https:\/\/hooks\.slack\.com\/services\/\S+$/;
const HTTPS_URL = /^https:\/\/[^\s/]+\.[^\s/]+(\/\S*)?$/;

export const TEAM_SECRET_FIELDS = {
    slackWebhookUrl: {
        receiver: "slack",
        looksValid: (v: string) => SLACK_WEBHOOK_URL.test(v),
        expected: "an https://hooks.slack.com/services/... URL",
        offlinePlaceholder: "https://hooks.slack.com/services/OFFLINE/RENDER/TEAM-PLACEHOLDER",
    },
    pagerdutyRoutingKey: {
        receiver: "pagerduty",
        looksValid: (v: string) => /^[A-Za-z0-9]{32}$/.test(v),
        expected: "a 32-character PagerDuty Events API v2 routing key",
        offlinePlaceholder: "offlineteamplaceholder0123456789",
    },
    msteamsWebhookUrl: {
        receiver: "msteams",
        looksValid: (v: string) => HTTPS_URL.test(v),
        expected: "the https:// URL of a Teams workflow (Power Automate 'post to a channel when a webhook request is received')",
        offlinePlaceholder: "https://msteams.invalid/offline-render-placeholder",
    },
    opsgenieApiKey: {
        receiver: "opsgenie",
        looksValid: (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
        expected: "an Opsgenie integration API key (a UUID)",
        offlinePlaceholder: "00000000-0ff1-4e00-8000-000000000000",
    },
    emailPassword: {
        receiver: "email",
        looksValid: (v: string) => v.length >= 1 && v.length <= 512 && !/[\r\n]/.test(v),
        expected: "the SMTP password (one line)",
        offlinePlaceholder: "offline-render-placeholder-smtp-password",
    },
    webhookUrl: {
        receiver: "webhook",
        looksValid: (v: string) => HTTPS_URL.test(v),
        expected: "an https:// URL",
        offlinePlaceholder: "https://webhook.invalid/offline-render-placeholder",
    },
} as const satisfies Record<string, TeamSecretField>;
export type TeamSecretFieldName = keyof typeof TEAM_SECRET_FIELDS;
const FIELD_NAMES = Object.keys(TEAM_SECRET_FIELDS) as TeamSecretFieldName[];

/** The `teamSecrets` value: team -> field -> credential. */
export type TeamSecrets = Readonly<Record<string, Readonly<Partial<Record<TeamSecretFieldName, string>>>>>;

/** `teamSecrets` parsed, or undefined when it is not a mapping of mappings of text. */
export function parseTeamSecrets(json: string | undefined): TeamSecrets | undefined {
    if (json === undefined) return {};
    let v: unknown;
    try {
        v = JSON.parse(json);
    } catch {
        return undefined;
    }
    const isMap = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
    if (!isMap(v) || !Object.values(v).every((t) => isMap(t) && Object.values(t).every((f) => typeof f === "string"))) return undefined;
    return v as TeamSecrets;
}

/** True when `json` is a well-formed `teamSecrets` whose every field is known and of its shape. */
export function teamSecretsLookValid(json: string): boolean {
    const parsed = parseTeamSecrets(json);
    return (
        parsed !== undefined &&
        Object.entries(parsed).every(
            ([team, fields]) =>
                TEAM_NAME_PATTERN.test(team) &&
                Object.entries(fields).every(([f, v]) => f in TEAM_SECRET_FIELDS && v !== undefined && TEAM_SECRET_FIELDS[f as TeamSecretFieldName].looksValid(v)),
        )
    );
}

/**
 * Offline placeholder of `teamSecrets` for the teams a stack file names (every field of each):
 * render runs as `pulumi up` would with every credential set. `rawAlerting` is the stack file's
 * `alerting` value as Pulumi stores it (JSON text), possibly invalid.
 */
export function teamSecretsPlaceholder(rawAlerting: string | undefined): string {
    let teams: unknown;
    try {
        teams = rawAlerting === undefined ? undefined : (JSON.parse(rawAlerting) as { teams?: unknown }).teams;
    } catch {
        teams = undefined;
    }
    const names = Array.isArray(teams) ? teams.map((t) => (t as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === "string" && TEAM_NAME_PATTERN.test(n)) : [];
    const every = Object.fromEntries(FIELD_NAMES.map((f) => [f, TEAM_SECRET_FIELDS[f].offlinePlaceholder]));
    return JSON.stringify(Object.fromEntries(names.map((n) => [n, every])));
}

/** `pulumi config set` path of a team credential. */
export const teamSecretPath = (team: string, field: TeamSecretFieldName): string => `teamSecrets.${team}.${field}`;

// ------------------------------------------------------------------ schema

const weekday = "(sunday|monday|tuesday|wednesday|thursday|friday|saturday)";
/** Alertmanager's weekday order: the week begins on Sunday. */
export const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const WEEKDAY_RANGE_EXPECTED = "expected a weekday or an inclusive range such as monday:friday (lowercase, the week begins on sunday)";
const weekdayRange = text(new RegExp(`^${weekday}(:${weekday})?$`), WEEKDAY_RANGE_EXPECTED).refine(
    (r) => {
        const [a = "", b = a] = r.split(":");
        return WEEKDAYS.indexOf(a as (typeof WEEKDAYS)[number]) <= WEEKDAYS.indexOf(b as (typeof WEEKDAYS)[number]);
    },
    { message: `${WEEKDAY_RANGE_EXPECTED}; a range may not wrap past saturday` },
);
const clock = text(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "expected a time of day HH:MM from 00:00 to 24:00");
/** Minutes since midnight of an HH:MM. */
export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

const LOCATION_EXPECTED = "expected an IANA time zone such as Europe/Berlin or UTC";
const ianaLocation = text(/^(UTC|[A-Z][A-Za-z_+-]*(\/[A-Z0-9][A-Za-z0-9_+-]*)+)$/, LOCATION_EXPECTED).refine(
    (tz) => {
        try {
            new Intl.DateTimeFormat("en", { timeZone: tz });
            return true;
        } catch {
            return false;
        }
    },
    { message: LOCATION_EXPECTED },
);

const officeHoursSchema = z
    .strictObject({
        weekdays: z.array(weekdayRange).min(1, { message: "expected at least one weekday range" }).describe("Office days, e.g. [monday:friday]."),
        times: z
            .array(
                z
                    .strictObject({ start: clock, end: clock })
                    .refine((t) => minutesOf(t.start) < minutesOf(t.end), { message: "expected start before end (24:00 ends a day)", path: ["end"] }),
            )
            .min(1, { message: "expected at least one time range" })
            .describe("Office times on those days, e.g. [{start: \"09:00\", end: \"18:00\"}]."),
        location: ianaLocation.describe("IANA time zone of those times (Alertmanager's time_intervals location)."),
    })
    .describe("Warnings are muted outside these hours (critical alerts always page).");

const email = text(/^[^\s@<>",]+@[^\s@<>",]+\.[^\s@<>",]+$/, "expected an email address such as team@example.com");

export const teamSchema = z
    .strictObject({
        name: teamName.describe("The team: its `team` alert label, its Loki tenant, its Grafana folder and its teams/<name>/ directory."),
        namespaces: uniqueList(dnsLabel, "namespace").describe("Kubernetes namespaces the team owns: their alerts go to the team, their logs to its Loki tenant."),
        matchTeamLabel: z.boolean().optional().describe("Also route alerts labelled team=<name> to the team, from any namespace (default true)."),
        paging: z
            .enum(TEAM_RECEIVER_TYPES, { message: `expected one of ${TEAM_RECEIVER_TYPES.join(", ")}` })
            .optional()
            .describe("Receiver of the team's critical alerts; absent: they stay on the platform's routes."),
        chat: z
            .enum(TEAM_RECEIVER_TYPES, { message: `expected one of ${TEAM_RECEIVER_TYPES.join(", ")}` })
            .optional()
            .describe("Receiver of the team's warnings; absent: they stay on the platform's routes."),
        slack: z
            .strictObject({
                channel: text(/^#[a-z0-9_-]{1,80}$/, "expected a Slack channel such as #payments-alerts (quoted in YAML: a bare # starts a comment)"),
                webhook: z
                    .enum(["platform", "team"], { message: "expected platform or team" })
                    .optional()
                    .describe("platform (default): the platform's slackWebhookUrl; team: the secret teamSecrets.<team>.slackWebhookUrl."),
            })
            .optional(),
        pagerduty: z.strictObject({}).optional().describe("PagerDuty; the routing key is the secret teamSecrets.<team>.pagerdutyRoutingKey."),
        msteams: z.strictObject({}).optional().describe("Microsoft Teams workflow webhook; its URL is the secret teamSecrets.<team>.msteamsWebhookUrl."),
        opsgenie: z
            .strictObject({
                apiUrl: z.url({ protocol: /^https$/, message: "expected an https:// URL such as https://api.eu.opsgenie.com/" }).optional().describe("Opsgenie API (EU: https://api.eu.opsgenie.com/)."),
                priority: z.enum(["P1", "P2", "P3", "P4", "P5"], { message: "expected P1, P2, P3, P4 or P5" }).optional(),
            })
            .optional()
            .describe("Opsgenie; the API key is the secret teamSecrets.<team>.opsgenieApiKey."),
        email: z
            .strictObject({
                to: email,
                from: email,
                smarthost: text(/^[A-Za-z0-9.-]+:\d{1,5}$/, "expected host:port of the SMTP server such as smtp.example.com:587"),
                authUsername: z.string().min(1).optional().describe("SMTP user; the password is then the secret teamSecrets.<team>.emailPassword."),
            })
            .optional(),
        webhook: z.strictObject({}).optional().describe("Generic webhook (Alertmanager's JSON); its URL is the secret teamSecrets.<team>.webhookUrl."),
        groupBy: uniqueList(labelName, "label").min(1, { message: "expected at least one label" }).optional().describe("The team's grouping (default alerting.groupBy)."),
        groupWait: durationOrZero.optional(),
        groupInterval: duration.optional(),
        repeatInterval: duration.optional(),
        officeHours: officeHoursSchema.optional(),
    })
    .superRefine((t, ctx) => {
        for (const role of ["paging", "chat"] as const) {
            const type = t[role];
            if (type !== undefined && t[type] === undefined) {
                ctx.addIssue({ ...issueWithHint(`expected a receiver this team configures (its ${type} key is absent)`, `add ${type}: to the team, or name another receiver`), path: [role] });
            }
        }
        if (t.officeHours !== undefined && t.chat === undefined) {
            ctx.addIssue({ ...issueWithHint("expected a chat receiver with officeHours: they mute the team's warnings, which it does not receive"), path: ["officeHours"] });
        }
    });

export const teamsSchema = z.array(teamSchema).describe("Application teams sharing the platform, each with its namespaces, receivers and Loki tenant.");

export type TeamSettings = z.infer<typeof teamSchema>;
export type OfficeHours = z.infer<typeof officeHoursSchema>;

/** Receiver types a team uses (its paging and chat), each once. */
export function usedReceivers(team: TeamSettings): TeamReceiverType[] {
    return [...new Set([team.paging, team.chat].filter((r): r is TeamReceiverType => r !== undefined))];
}

/** Whether alerts labelled team=<name> go to the team (default yes). */
export const matchesTeamLabel = (team: TeamSettings): boolean => team.matchTeamLabel !== false;

/** The credentials a team's receivers need (`teamSecrets.<team>.<field>`); a platform-webhook Slack needs none. */
export function teamSecretFields(team: TeamSettings): TeamSecretFieldName[] {
    const used = usedReceivers(team);
    return FIELD_NAMES.filter((f) => {
        const r = TEAM_SECRET_FIELDS[f].receiver;
        if (!used.includes(r)) return false;
        if (r === "slack") return team.slack?.webhook === "team";
        if (r === "email") return team.email?.authUsername !== undefined;
        return true;
    });
}

/** A team's Slack posts through the platform's webhook (secret slackWebhookUrl). */
export const usesPlatformSlack = (team: TeamSettings): boolean => usedReceivers(team).includes("slack") && team.slack?.webhook !== "team";

// ------------------------------------------------------------------ office hours -> Alertmanager time intervals

/** One Alertmanager time interval (config file field names). */
export interface TimeIntervalSpec {
    readonly weekdays?: readonly string[];
    readonly times?: readonly { readonly start_time: string; readonly end_time: string }[];
    readonly location?: string;
}

/** Day indexes (0 = sunday) as Alertmanager weekday ranges, consecutive days joined. */
function weekdayRanges(days: readonly number[]): string[] {
    const out: string[] = [];
    const sorted = [...new Set(days)].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; ) {
        let j = i;
        while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
        const a = WEEKDAYS[sorted[i] as number] as string;
        const b = WEEKDAYS[sorted[j] as number] as string;
        out.push(a === b ? a : `${a}:${b}`);
        i = j + 1;
    }
    return out;
}

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * The time outside `office` as Alertmanager time intervals (for `mute_time_intervals`): the
 * non-office days whole, and on office days the gaps around the office times.
 */
export function outsideOfficeHours(office: OfficeHours): TimeIntervalSpec[] {
    const days = new Set<number>();
    for (const r of office.weekdays) {
        const [a = "", b = a] = r.split(":");
        for (let d = WEEKDAYS.indexOf(a as (typeof WEEKDAYS)[number]); d <= WEEKDAYS.indexOf(b as (typeof WEEKDAYS)[number]); d++) days.add(d);
    }
    const otherDays = WEEKDAYS.map((_, i) => i).filter((d) => !days.has(d));
    const spans = office.times.map((t) => [minutesOf(t.start), minutesOf(t.end)] as const).sort((x, y) => x[0] - y[0]);
    const gaps: { start_time: string; end_time: string }[] = [];
    let at = 0;
    for (const [start, end] of spans) {
        if (start > at) gaps.push({ start_time: hhmm(at), end_time: hhmm(start) });
        at = Math.max(at, end);
    }
    if (at < 24 * 60) gaps.push({ start_time: hhmm(at), end_time: hhmm(24 * 60) });
    const out: TimeIntervalSpec[] = [];
    if (otherDays.length > 0) out.push({ weekdays: weekdayRanges(otherDays), location: office.location });
    if (gaps.length > 0) out.push({ weekdays: weekdayRanges([...days]), times: gaps, location: office.location });
    return out;
}

// ------------------------------------------------------------------ cross-key checks (run with config/checks.ts)

/** Rules across teams and their secrets; listed in CHECKS. */
export const TEAM_CHECKS: readonly Check[] = [
    {
        name: "team names are unique",
        run(s, ctx) {
            const names = s.alerting.teams.map((t) => t.name);
            names.forEach((n, i) => {
                const first = names.indexOf(n);
                if (first < i) ctx.problem(["alerting", "teams", i, "name"], `expected each team name once, given ${JSON.stringify(n)} again (also alerting.teams[${first}].name)`);
            });
        },
    },
    {
        name: "a namespace has at most one owner, never the platform",
        run(s, ctx) {
            const owner = new Map<string, number>();
            s.alerting.teams.forEach((t, i) =>
                t.namespaces.forEach((ns, j) => {
                    const path = ["alerting", "teams", i, "namespaces", j];
                    if (RESERVED_NAMESPACES.includes(ns)) {
                        ctx.problem(path, `expected an application namespace, given ${JSON.stringify(ns)}: the platform's (${RESERVED_NAMESPACES.join(", ")}) are no team's`);
                        return;
                    }
                    const first = owner.get(ns);
                    if (first !== undefined && first !== i) {
                        const other = s.alerting.teams[first]?.name ?? "";
                        ctx.problem(path, `expected a namespace no other team owns, given ${JSON.stringify(ns)}, already owned by alerting.teams[${first}] (${other})`);
                    } else owner.set(ns, i);
                }),
            );
        },
    },
    {
        name: "a team repeats no faster than it groups",
        run(s, ctx) {
            s.alerting.teams.forEach((t, i) => {
                // Neither set: the platform's own pair, checked on its own keys.
                if (t.groupInterval === undefined && t.repeatInterval === undefined) return;
                const groupInterval = t.groupInterval ?? s.alerting.groupInterval;
                const repeatInterval = t.repeatInterval ?? s.alerting.repeatInterval;
                if (durationSeconds(repeatInterval) < durationSeconds(groupInterval)) {
                    ctx.problem(["alerting", "teams", i, t.repeatInterval ? "repeatInterval" : "groupInterval"], `expected repeatInterval (${repeatInterval}) at least groupInterval (${groupInterval}), given less`);
                }
            });
        },
    },
    {
        // Presence is config/secrets.ts' (requiredSecrets); a teamSecrets of another form, SECRET_KEYS' shape check.
        name: "team credentials name declared teams and known fields, each of its shape (never echoed)",
        run(s, ctx) {
            const parsed = parseTeamSecrets(ctx.secrets.teamSecrets);
            if (parsed === undefined) return;
            const teams = s.alerting.teams.map((t) => t.name);
            for (const [team, fields] of Object.entries(parsed)) {
                // A warning: a removed team's leftover credentials harm nothing, and a misspelt team
                // leaves the real one's credential missing, which is a problem of its own.
                if (!teams.includes(team)) {
                    ctx.warning(["teamSecrets", team], `unused: expected the name of a team in alerting.teams (${teams.join(", ") || "none declared"}), given ${JSON.stringify(team)}`);
                    continue;
                }
                for (const [field, value] of Object.entries(fields)) {
                    const spec = (TEAM_SECRET_FIELDS as Record<string, TeamSecretField>)[field];
                    if (spec === undefined) ctx.problem(["teamSecrets", team, field], `expected one of ${FIELD_NAMES.join(", ")}, given the field ${JSON.stringify(field)}`);
                    else if (value === undefined || !spec.looksValid(value)) ctx.problem(["teamSecrets", team, field], `expected ${spec.expected}, given a value that is not (hidden: it is a secret)`);
                }
            }
        },
    },
];
