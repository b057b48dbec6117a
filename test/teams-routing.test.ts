/**
 * Teams and routing (alerting.teams): each team's alerts reach exactly its receivers, proven with
 * amtool on the configuration every stack really gets and on one that uses every receiver type;
 * office hours become the right mute intervals; bad team settings are refused naming the key;
 * team credentials reach only the receivers Secret, read as *_file.
 *
 * Debian's amtool is 0.25; the chart ships Alertmanager 0.34. Two fields the team receivers use are
 * newer than 0.25 (webhook_configs.url_file: 0.26; msteamsv2_configs: 0.28), so amtool checks a
 * copy where those become fields 0.25 knows (a webhook `url`), and the real fields are held to the
 * field list read in Alertmanager v0.34.0's source (FIELDS_V0_34 below). What 0.25 cannot prove:
 * that 0.34 accepts those two receivers as a whole.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML, { stringify } from "yaml";
import { parseSettings, type Settings } from "../config";
import { type TeamSettings, outsideOfficeHours, WEEKDAYS, minutesOf, type OfficeHours, type TimeIntervalSpec } from "../config/teams";
import {
    type AlertmanagerConfig,
    type AlertmanagerInput,
    RECEIVERS,
    SLACK_WEBHOOK_KEY,
    TEMPLATE_DIR,
    buildAlertmanagerConfig,
    teamSecretKey,
} from "../components/k8s/metrics/alertmanager";
import { kpsValuesInput } from "../components/k8s/metrics";
import { alertmanagerSecretPath, kps } from "../components/endpoints";
import { readStackConfig } from "../tools/stack-config";
import { runUnderMocks } from "../tools/mock-run";
import { main } from "../program";
import { PROD_LIKE_ALERTMANAGER_INPUT } from "./support/alertmanager-input";
import { requireBinary, run } from "./support/binaries";
import { Proc, freePort, sleep, stopAll, waitFor } from "./support/processes";
import http from "node:http";
import { ROOT } from "./support/graph";
import { STACK_FILES, STACK_NAMES, renderedStack } from "./support/manifests";
import { renderQuietly, tmp } from "./support/render";

const P = "plg-observability";

/**
 * Fields of the receivers the teams use, as Alertmanager v0.34.0 (kube-prometheus-stack 88.5.3's
 * image) declares them: config/notifiers.go (SlackConfig, EmailConfig), notify/pagerduty/config.go,
 * notify/opsgenie/config.go, notify/webhook/config.go, notify/msteamsv2/config.go (yaml tags),
 * plus send_resolved (NotifierConfig). Read from github.com/prometheus/alertmanager at tag v0.34.0.
 */
const FIELDS_V0_34: Record<string, readonly string[]> = {
    slack_configs: ["send_resolved", "http_config", "api_url", "api_url_file", "app_token", "app_token_file", "app_url", "channel", "username", "color", "title", "title_link", "pretext", "text", "fields", "short_fields", "footer", "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url", "link_names", "mrkdwn_in", "actions", "message_text", "timeout", "update_message"],
    pagerduty_configs: ["send_resolved", "http_config", "service_key", "service_key_file", "routing_key", "routing_key_file", "url", "client", "client_url", "description", "details", "images", "links", "source", "severity", "class", "component", "group", "timeout"],
    opsgenie_configs: ["send_resolved", "http_config", "api_key", "api_key_file", "api_url", "message", "description", "source", "details", "entity", "responders", "actions", "tags", "note", "priority", "update_alerts"],
    email_configs: ["send_resolved", "to", "from", "hello", "smarthost", "auth_username", "auth_password", "auth_password_file", "auth_secret", "auth_secret_file", "auth_identity", "headers", "html", "text", "require_tls", "tls_config", "threading", "force_implicit_tls"],
    webhook_configs: ["send_resolved", "http_config", "url", "url_file", "max_alerts", "timeout", "payload"],
    msteamsv2_configs: ["send_resolved", "http_config", "webhook_url", "webhook_url_file", "title", "text"],
};

/** The v0.34.0 fields that would hold a credential inline (each has a *_file twin). */
const INLINE_CREDENTIALS: Record<string, readonly string[]> = {
    slack_configs: ["api_url", "app_token"],
    pagerduty_configs: ["routing_key", "service_key"],
    opsgenie_configs: ["api_key"],
    email_configs: ["auth_password", "auth_secret"],
    webhook_configs: ["url"],
    msteamsv2_configs: ["webhook_url"],
};

const base: AlertmanagerInput = PROD_LIKE_ALERTMANAGER_INPUT;

const OFFICE: OfficeHours = { weekdays: ["monday:friday"], times: [{ start: "09:00", end: "18:00" }], location: "Europe/Berlin" };

/** Teams using every receiver type, one with office hours, one matched only by namespace. */
const TEAMS: readonly TeamSettings[] = [
    { name: "payments", namespaces: ["payments", "billing"], paging: "pagerduty", chat: "slack", pagerduty: {}, slack: { channel: "#payments" }, officeHours: OFFICE },
    { name: "search", namespaces: ["search"], paging: "opsgenie", chat: "msteams", opsgenie: { apiUrl: "https://api.eu.opsgenie.com/", priority: "P2" }, msteams: {}, groupBy: ["alertname", "job"], repeatInterval: "1h" },
    {
        name: "data",
        namespaces: ["etl"],
        matchTeamLabel: false,
        paging: "webhook",
        chat: "email",
        webhook: {},
        email: { to: "data@example.com", from: "alertmanager@example.com", smarthost: "smtp.example.com:587", authUsername: "alertmanager" },
    },
    { name: "web", namespaces: ["web"], chat: "slack", slack: { channel: "#web", webhook: "team" } },
];

/** The config for amtool 0.25: receivers with fields newer than 0.25 become a webhook `url` (routing is unchanged). */
function forAmtool025(config: AlertmanagerConfig, templateDir: string): AlertmanagerConfig {
    return {
        ...config,
        templates: config.templates.map((t) => t.replace(TEMPLATE_DIR, templateDir)),
        receivers: config.receivers.map((r) => {
            if (!r.webhook_configs && !r.msteamsv2_configs) return r;
            const { msteamsv2_configs: teams, webhook_configs: hooks, ...rest } = r;
            const count = (hooks?.length ?? 0) + (teams?.length ?? 0);
            return { ...rest, webhook_configs: Array.from({ length: count }, () => ({ url: "https://receiver.invalid/", send_resolved: true })) } as unknown as typeof r;
        }),
    };
}

/** Writes config and templates; returns the file amtool reads. */
function writeForAmtool(config: AlertmanagerConfig, templates: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-teams-"));
    for (const [name, text] of Object.entries(templates)) fs.writeFileSync(path.join(dir, name), text);
    const file = path.join(dir, "alertmanager.yaml");
    fs.writeFileSync(file, stringify(forAmtool025(config, dir)));
    return file;
}

/** Receivers amtool routes a label set to, e.g. "payments-pagerduty". */
function routesTo(amtool: string, file: string, labels: Record<string, string>): string {
    const r = run(amtool, ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
    assert.equal(r.code, 0, r.output);
    return r.output
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("Warning:"))
        .join(",");
}

/** The receivers amtool must route each team's alerts to: `<team>-<type>`, from the team's own settings. */
const expectedFor = (team: TeamSettings, severity: "critical" | "warning"): string | undefined => {
    const type = severity === "critical" ? team.paging : team.chat;
    return type === undefined ? undefined : `${team.name}-${type}`;
};

/** Where the platform sends an alert of this severity no team owns (the stack's own routes). */
const platformFor = (settings: Pick<Settings["alerting"], "slack" | "pagerduty">, severity: "critical" | "warning"): string => {
    const out = [...(severity === "critical" && settings.pagerduty.enabled ? ["pagerduty"] : []), ...(settings.slack.enabled ? ["slack"] : [])];
    return out.length ? out.join(",") : "null";
};

/**
 * Every team mapping: an alert from each owned namespace, at each severity, reaches exactly that
 * team's receiver (or the platform's routes when the team has none for it); with the team label
 * too; info goes nowhere, as before teams; an unowned namespace reaches the platform's default.
 */
function assertTeamRouting(amtool: string, file: string, teams: readonly TeamSettings[], platform: Pick<Settings["alerting"], "slack" | "pagerduty">): void {
    for (const team of teams) {
        for (const severity of ["critical", "warning"] as const) {
            const want = expectedFor(team, severity) ?? platformFor(platform, severity);
            for (const ns of team.namespaces) {
                assert.equal(routesTo(amtool, file, { alertname: "KubePodCrashLooping", severity, namespace: ns }), want, `${team.name} ${ns} ${severity}`);
                // The service page route (one incident per service) keeps the team's receiver.
                if (severity === "critical") assert.equal(routesTo(amtool, file, { alertname: "HighErrorRate", severity, namespace: ns, job: "api" }), want);
            }
            if (team.matchTeamLabel !== false) {
                assert.equal(routesTo(amtool, file, { alertname: "PaymentsLag", severity, team: team.name, namespace: "unowned-ns" }), want, `${team.name} label ${severity}`);
            } else {
                assert.equal(routesTo(amtool, file, { alertname: "Lag", severity, team: team.name, namespace: "unowned-ns" }), platformFor(platform, severity), `${team.name} ignores its label`);
            }
            assert.equal(routesTo(amtool, file, { alertname: "Quota", severity: "info", namespace: team.namespaces[0] ?? "x" }), RECEIVERS.none);
        }
    }
    for (const severity of ["critical", "warning"] as const) {
        assert.equal(routesTo(amtool, file, { alertname: "KubePodCrashLooping", severity, namespace: "unowned-ns" }), platformFor(platform, severity), `unowned ${severity}`);
    }
    assert.match(routesTo(amtool, file, { alertname: "Watchdog", severity: "none", namespace: "monitoring" }), /^(null|heartbeat)$/);
}

describe("teams: routing and receivers (amtool)", function () {
    this.timeout(120_000);

    it("a config using every receiver type passes amtool check-config (0.25, with the newer fields swapped) and routes every team mapping", function () {
        const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
        const { config, templates } = buildAlertmanagerConfig({ ...base, teams: TEAMS });
        const types = new Set(config.receivers.flatMap((r) => Object.keys(r).filter((k) => k.endsWith("_configs"))));
        assert.deepEqual([...types].sort(), Object.keys(FIELDS_V0_34).sort(), "every receiver type is in this config");
        const file = writeForAmtool(config, templates);
        const check = run(amtool, ["check-config", file]);
        assert.equal(check.code, 0, check.output);
        assertTeamRouting(amtool, file, TEAMS, base);
        // An alert of payments labelled by the search team goes to search: the label wins over the namespace.
        assert.equal(routesTo(amtool, file, { alertname: "X", severity: "critical", team: "search", namespace: "payments" }), "search-opsgenie");
        // Watchdog still beats its heartbeat, whatever team label it might carry.
        assert.equal(routesTo(amtool, file, { alertname: "Watchdog", severity: "critical", team: "payments" }), RECEIVERS.heartbeat);
    });

    it("every field the team receivers set exists in Alertmanager v0.34.0 (the chart's), credentials only as *_file in the receivers Secret", () => {
        const { config } = buildAlertmanagerConfig({ ...base, teams: TEAMS });
        const file = (key: string) => alertmanagerSecretPath(kps.receiverSecretName, key);
        const credentialFiles: string[] = [];
        for (const r of config.receivers) {
            for (const [kind, list] of Object.entries(r).filter(([k]) => k.endsWith("_configs")) as [string, Record<string, unknown>[]][]) {
                const known = FIELDS_V0_34[kind];
                assert.ok(known, `${r.name}: ${kind} is a receiver type of v0.34.0`);
                for (const c of list) {
                    for (const field of Object.keys(c)) assert.ok(known.includes(field), `${r.name}: ${kind}.${field} exists in v0.34.0`);
                    for (const [field, v] of Object.entries(c)) if (field.endsWith("_file")) credentialFiles.push(`${r.name}:${String(v)}`);
                    for (const secretField of INLINE_CREDENTIALS[kind] ?? []) assert.equal(c[secretField], undefined, `${r.name}: ${kind}.${secretField} never inline`);
                }
            }
        }
        // Each team credential is read from its own key; a Slack on the platform's webhook, from the platform's key.
        for (const want of [
            `payments-pagerduty:${file(teamSecretKey("payments", "pagerdutyRoutingKey"))}`,
            `payments-slack:${file(SLACK_WEBHOOK_KEY)}`,
            `search-opsgenie:${file(teamSecretKey("search", "opsgenieApiKey"))}`,
            `search-msteams:${file(teamSecretKey("search", "msteamsWebhookUrl"))}`,
            `data-webhook:${file(teamSecretKey("data", "webhookUrl"))}`,
            `data-email:${file(teamSecretKey("data", "emailPassword"))}`,
            `web-slack:${file(teamSecretKey("web", "slackWebhookUrl"))}`,
        ]) {
            assert.ok(credentialFiles.includes(want), `${want} in ${credentialFiles.join(" ")}`);
        }
        assert.equal(teamSecretKey("payments", "pagerdutyRoutingKey"), "team-payments-pagerduty-routing-key");
        const slack = config.receivers.find((r) => r.name === "payments-slack")?.slack_configs?.[0];
        assert.equal(slack?.channel, "#payments");
    });

    it("a team's grouping and timing apply to its routes only; `continue` stays where it was (the platform's page and Slack copies)", () => {
        const { config } = buildAlertmanagerConfig({ ...base, teams: TEAMS });
        const search = (config.route.routes ?? []).filter((r) => r.receiver.startsWith("search-"));
        assert.ok(search.length > 0);
        for (const r of search) {
            assert.deepEqual(r.group_by, ["alertname", "job"]);
            assert.equal(r.repeat_interval, "1h");
        }
        assert.ok((config.route.routes ?? []).filter((r) => r.receiver.startsWith("payments-")).every((r) => r.group_by === undefined));
        const withContinue = JSON.stringify(config.route).match(/"continue":true/g)?.length ?? 0;
        const without = JSON.stringify(buildAlertmanagerConfig(base).config.route).match(/"continue":true/g)?.length ?? 0;
        assert.equal(withContinue, without, "teams add no `continue`");
    });

    it("office hours mute only the team's warnings, outside those hours (time_intervals + mute_time_intervals)", function () {
        const { config } = buildAlertmanagerConfig({ ...base, teams: TEAMS });
        assert.deepEqual(config.time_intervals?.map((t) => t.name), ["payments-outside-office-hours"]);
        const muted = (config.route.routes ?? []).filter((r) => r.mute_time_intervals !== undefined);
        assert.deepEqual(
            muted.map((r) => [r.receiver, r.matchers?.find((m) => m.startsWith("severity"))]),
            [
                ["payments-slack", 'severity="warning"'],
                ["payments-slack", 'severity="warning"'],
            ],
        );
        assert.deepEqual(muted[0]?.mute_time_intervals, ["payments-outside-office-hours"]);
        // Hand-written: Mon-Fri 09:00-18:00 in Berlin, its complement.
        assert.deepEqual(config.time_intervals?.[0]?.time_intervals, [
            { weekdays: ["sunday", "saturday"], location: "Europe/Berlin" },
            {
                weekdays: ["monday:friday"],
                times: [
                    { start_time: "00:00", end_time: "09:00" },
                    { start_time: "18:00", end_time: "24:00" },
                ],
                location: "Europe/Berlin",
            },
        ]);
        const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
        const check = run(amtool, ["check-config", writeForAmtool(config, {})]);
        assert.equal(check.code, 0, check.output);
    });

    it("outside office hours is exactly the week's minutes not in them (any office days and times)", () => {
        /** Alertmanager's matching of one interval (weekday ranges inclusive, times [start, end)). */
        const inInterval = (t: TimeIntervalSpec, day: number, minute: number): boolean => {
            const dayOk =
                !t.weekdays ||
                t.weekdays.some((r) => {
                    const [a = "", b = a] = r.split(":");
                    return WEEKDAYS.indexOf(a as never) <= day && day <= WEEKDAYS.indexOf(b as never);
                });
            const timeOk = !t.times || t.times.some((x) => minutesOf(x.start_time) <= minute && minute < minutesOf(x.end_time));
            return dayOk && timeOk;
        };
        const cases: OfficeHours[] = [
            OFFICE,
            { weekdays: ["sunday", "tuesday:wednesday", "saturday"], times: [{ start: "00:00", end: "06:30" }, { start: "20:00", end: "24:00" }, { start: "05:00", end: "07:00" }], location: "UTC" },
            { weekdays: ["sunday:saturday"], times: [{ start: "00:00", end: "24:00" }], location: "UTC" },
        ];
        for (const office of cases) {
            const outside = outsideOfficeHours(office);
            for (let day = 0; day < 7; day++) {
                for (let minute = 0; minute < 24 * 60; minute += 5) {
                    const inOffice = inInterval({ weekdays: office.weekdays, times: office.times.map((t) => ({ start_time: t.start, end_time: t.end })) }, day, minute);
                    assert.equal(outside.some((t) => inInterval(t, day, minute)), !inOffice, `${JSON.stringify(office.weekdays)} day ${day} minute ${minute}`);
                }
            }
            assert.ok(outside.every((t) => t.location === office.location));
        }
    });

    for (const name of STACK_NAMES) {
        it(`${name}: the Alertmanager config the stack gets passes amtool check-config and routes each team in it`, function () {
            const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
            const r = parseSettings(readStackConfig(ROOT, STACK_FILES[name]).config);
            assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
            const am = kpsValuesInput(r.settings, "plg-test", "gp3").alertmanager;
            const file = writeForAmtool(am.config, am.templateFiles);
            const check = run(amtool, ["check-config", file]);
            assert.equal(check.code, 0, check.output);
            assertTeamRouting(amtool, file, r.settings.alerting.teams, r.settings.alerting);
        });
    }

    it("prod: a critical alert from the example team's namespace pages through PagerDuty (amtool on the real prod config)", function () {
        const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
        const r = parseSettings(readStackConfig(ROOT, STACK_FILES.prod).config);
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.ok(r.settings.alerting.teams.some((t) => t.namespaces.includes("payments")), "prod's example team owns namespace payments");
        const am = kpsValuesInput(r.settings, "plg-test", "gp3").alertmanager;
        const file = writeForAmtool(am.config, am.templateFiles);
        for (const labels of [
            { alertname: "KubePodCrashLooping", severity: "critical", namespace: "payments" } as Record<string, string>,
            { alertname: "HighErrorRate", severity: "critical", namespace: "payments", job: "api" },
        ]) {
            const receivers = routesTo(amtool, file, labels).split(",");
            assert.ok(receivers.some((x) => x === RECEIVERS.pagerduty || x.endsWith("-pagerduty")), `${JSON.stringify(labels)} reaches ${receivers.join(", ")}, no PagerDuty`);
        }
    });

    it("prod: a team paging only through a chat receiver is warned about, naming the key", () => {
        const doc = YAML.parse(fs.readFileSync(STACK_FILES.prod, "utf8")) as { config: Record<string, unknown> };
        const alerting = doc.config[`${P}:alerting`] as Record<string, unknown>;
        const chatPaging = { name: "orders", namespaces: ["orders"], paging: "slack", chat: "slack", slack: { channel: "#orders" } };
        const paged = { name: "search", namespaces: ["search"], paging: "opsgenie", opsgenie: {} };
        doc.config[`${P}:alerting`] = { ...alerting, teams: [chatPaging, paged] };
        const file = path.join(tmp("plg-teams-cfg-"), "Pulumi.prod.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const r = parseSettings(readStackConfig(ROOT, file).config);
        assert.ok(r.ok, problemsOf(r).join("\n"));
        const warned = r.warnings.filter((w) => w.includes("page nobody"));
        assert.equal(warned.length, 1, r.warnings.join("\n"));
        assert.ok(warned[0]?.startsWith(`${P}:alerting.teams[0].paging: prod: team orders's critical alerts page nobody`), warned[0]);
        // dev: the same team is fine (nobody is paged in dev).
        const dev = parseWith([chatPaging], {}, { placeholders: true });
        assert.ok(dev.ok && !dev.warnings.some((w) => w.includes("page nobody")), dev.warnings.join("\n"));
    });

    it("the committed dev and prod stacks each show the example team payments, on the platform's Slack webhook (no new secret)", () => {
        for (const stack of ["dev", "prod"] as const) {
            const r = parseSettings(readStackConfig(ROOT, STACK_FILES[stack], { placeholders: false }).config);
            // Only the platform's own secrets may be missing: the team needs none of its own.
            const problems = r.ok ? [] : r.problems;
            assert.ok(problems.every((p) => !p.includes("teamSecrets")), problems.join("\n"));
            const settled = parseSettings(readStackConfig(ROOT, STACK_FILES[stack]).config);
            assert.ok(settled.ok);
            const payments = settled.settings.alerting.teams.find((t) => t.name === "payments");
            assert.deepEqual(payments?.namespaces, ["payments"]);
            assert.equal(payments?.slack?.webhook, undefined);
        }
    });
});

describe("teams: the Alertmanager config as the chart stores it (real helm template)", function () {
    this.timeout(300_000);

    for (const name of ["dev", "prod"] as const) {
        it(`${name}: the chart's config Secret passes amtool check-config and routes each team; muting survives Helm`, async function () {
            const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
            const stack = await renderedStack(this, name);
            const secret = stack.objects(kps.release).find((o) => o.kind === "Secret" && String(o.metadata.name).startsWith("alertmanager-"));
            assert.ok(secret, "the chart's Alertmanager configuration Secret");
            const data = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
            const config = YAML.parse(data["alertmanager.yaml"] ?? "") as AlertmanagerConfig;
            const templates = Object.fromEntries(Object.entries(data).filter(([k]) => k.endsWith(".tmpl")));
            const file = writeForAmtool(config, templates);
            const check = run(amtool, ["check-config", file]);
            assert.equal(check.code, 0, check.output);
            assert.ok(stack.settings.alerting.teams.length > 0, "the stack declares a team");
            assertTeamRouting(amtool, file, stack.settings.alerting.teams, stack.settings.alerting);
            for (const team of stack.settings.alerting.teams.filter((t) => t.officeHours)) {
                const interval = config.time_intervals?.find((t) => t.name === `${team.name}-outside-office-hours`);
                assert.ok(interval && interval.time_intervals.length > 0, `${team.name}'s hours outside the office reach Alertmanager`);
                assert.ok((config.route.routes ?? []).some((r) => r.mute_time_intervals?.includes(interval.name)));
            }
        });
    }
});

/**
 * A real Alertmanager (Debian's 0.25) with a team whose receiver posts to a sink on loopback: its
 * warnings are muted exactly while the generated outside-office-hours interval holds, its critical
 * alerts never. The office is "today, all day" or "every day but today" (UTC), so the test knows
 * which one holds now. 0.25 knows no webhook url_file: the receiver posts to the sink's url.
 */
describe("teams: office hours mute warnings in a real Alertmanager (loopback)", function () {
    this.timeout(60_000);
    const procs: Proc[] = [];
    const servers: http.Server[] = [];
    after(async () => {
        await stopAll(procs);
        for (const s of servers) s.close();
    });

    /** Alert names the sink received for `office`, after posting a critical and a warning alert of the team. */
    async function delivered(ctx: Mocha.Context, office: OfficeHours): Promise<string[]> {
        const bin = requireBinary(ctx, "prometheus-alertmanager", "prometheus-alertmanager");
        const got: string[] = [];
        const sink = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                const msg = JSON.parse(body) as { alerts: { labels: Record<string, string> }[] };
                for (const a of msg.alerts) got.push(a.labels.alertname ?? "");
                res.end("ok");
            });
        });
        servers.push(sink);
        const sinkPort = await freePort();
        await new Promise<void>((r) => sink.listen(sinkPort, "127.0.0.1", () => r()));
        const team: TeamSettings = { name: "night", namespaces: ["night"], paging: "webhook", chat: "webhook", webhook: {}, groupWait: "0s", groupInterval: "1s", officeHours: office };
        const { config } = buildAlertmanagerConfig({ ...base, slack: { enabled: false, channel: "" }, pagerduty: { enabled: false }, heartbeat: { enabled: false }, teams: [team] });
        const forSink = {
            ...config,
            templates: [],
            receivers: config.receivers.map((r) => (r.webhook_configs ? { name: r.name, webhook_configs: [{ url: `http://127.0.0.1:${sinkPort}/`, send_resolved: false }] } : r)),
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-teams-am-"));
        fs.writeFileSync(path.join(dir, "alertmanager.yml"), stringify(forSink));
        const port = await freePort();
        const proc = new Proc("alertmanager", bin, [`--config.file=${path.join(dir, "alertmanager.yml")}`, `--storage.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="]);
        procs.push(proc);
        await proc.waitReady(`http://127.0.0.1:${port}/-/ready`, 15_000);
        const alert = (alertname: string, severity: string) => ({ labels: { alertname, severity, namespace: "night" }, startsAt: new Date().toISOString() });
        const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify([alert("NightPage", "critical"), alert("NightChat", "warning")]),
        });
        assert.equal(res.status, 200, await res.text());
        // The page is never muted: once it arrives, the warning (same wait, same receiver) has had its chance too.
        await waitFor("the critical alert at the sink", 15_000, async () => (got.includes("NightPage") ? true : undefined));
        await sleep(3_000);
        await proc.stop();
        return [...new Set(got)].sort();
    }

    const today = WEEKDAYS[new Date().getUTCDay()] as string;
    const others = WEEKDAYS.filter((d) => d !== today);

    it("inside office hours: the warning and the page both arrive", async function () {
        assert.deepEqual(await delivered(this, { weekdays: [today], times: [{ start: "00:00", end: "24:00" }], location: "UTC" }), ["NightChat", "NightPage"]);
    });

    it("outside office hours: the page arrives, the warning is muted", async function () {
        assert.deepEqual(await delivered(this, { weekdays: others, times: [{ start: "00:00", end: "24:00" }], location: "UTC" }), ["NightPage"]);
    });
});

// ------------------------------------------------------------------ config: refused naming the key, secrets never shown

/** The dev stack file with `alerting.teams` (and raw top-level keys) replaced, parsed without placeholders. */
function parseWith(teams: unknown[], extra: Record<string, unknown> = {}, opts: { placeholders: boolean } = { placeholders: false }) {
    const doc = YAML.parse(fs.readFileSync(STACK_FILES.dev, "utf8")) as { config: Record<string, unknown> };
    const alerting = doc.config[`${P}:alerting`] as Record<string, unknown>;
    doc.config[`${P}:alerting`] = { ...alerting, teams };
    doc.config[`${P}:slackWebhookUrl`] = "https://hooks.slack.com/services/T0/B0/PlatformWebhookForTests";
    Object.assign(doc.config, extra);
    const file = path.join(tmp("plg-teams-cfg-"), "Pulumi.dev.yaml");
    fs.writeFileSync(file, YAML.stringify(doc));
    return parseSettings(readStackConfig(ROOT, file, opts).config);
}

const problemsOf = (r: ReturnType<typeof parseSettings>): string[] => (r.ok ? [] : r.problems);

describe("teams: config mistakes, each naming the key", function () {
    this.timeout(60_000);
    const LEAK = "LeakyTeamSecretValue0123456789zz";

    const cases: { what: string; teams: unknown[]; extra?: Record<string, unknown>; expect: string }[] = [
        { what: "an unknown chat receiver", teams: [{ name: "orders", namespaces: ["orders"], chat: "teams" }], expect: `${P}:alerting.teams[0].chat: expected one of slack, pagerduty, msteams, opsgenie, email, webhook, given "teams"` },
        { what: "chat through email without its settings", teams: [{ name: "orders", namespaces: ["orders"], chat: "email" }], expect: `${P}:alerting.teams[0].chat: expected a receiver this team configures (its email key is absent), given "email"` },
        {
            what: "a namespace owned twice",
            teams: [
                { name: "a", namespaces: ["x"] },
                { name: "b", namespaces: ["y", "x"] },
            ],
            expect: `${P}:alerting.teams[1].namespaces[1]: expected a namespace no other team owns, given "x", already owned by alerting.teams[0] (a)`,
        },
        { what: "a platform namespace", teams: [{ name: "a", namespaces: ["logging"] }], expect: `${P}:alerting.teams[0].namespaces[0]: expected an application namespace, given "logging"` },
        { what: "a duplicate name", teams: [{ name: "a", namespaces: [] }, { name: "a", namespaces: ["b"] }], expect: `${P}:alerting.teams[1].name: expected each team name once, given "a" again (also alerting.teams[0].name)` },
        {
            what: "a paging receiver's credential unset",
            teams: [{ name: "orders", namespaces: ["orders"], paging: "pagerduty", pagerduty: {} }],
            expect: `${P}:alerting.teams[0].pagerduty: team orders's pagerduty is enabled but the secret teamSecrets.orders.pagerdutyRoutingKey is not set; expected \`pulumi config set --secret --path 'teamSecrets.orders.pagerdutyRoutingKey' <value>\`, given nothing`,
        },
        {
            what: "an email login without its password",
            teams: [{ name: "orders", namespaces: ["orders"], chat: "email", email: { to: "o@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am" } }],
            expect: `the secret teamSecrets.orders.emailPassword is not set`,
        },
        {
            what: "a credential of the wrong shape (not shown)",
            teams: [{ name: "orders", namespaces: ["orders"], paging: "opsgenie", opsgenie: {} }],
            extra: { [`${P}:teamSecrets`]: { orders: { opsgenieApiKey: LEAK } } },
            expect: `${P}:teamSecrets.orders.opsgenieApiKey: expected an Opsgenie integration API key (a UUID), given a value that is not (hidden: it is a secret)`,
        },
        {
            what: "a misspelt team in teamSecrets: the real team's credential is missing",
            teams: [{ name: "orders", namespaces: ["orders"], paging: "webhook", webhook: {} }],
            extra: { [`${P}:teamSecrets`]: { ordrs: { webhookUrl: "https://hooks.example.com/x" } } },
            expect: `${P}:alerting.teams[0].webhook: team orders's webhook is enabled but the secret teamSecrets.orders.webhookUrl is not set`,
        },
        {
            what: "a team repeating faster than it groups",
            teams: [{ name: "orders", namespaces: ["orders"], groupInterval: "10m", repeatInterval: "5m" }],
            expect: `${P}:alerting.teams[0].repeatInterval: expected repeatInterval (5m) at least groupInterval (10m), given less`,
        },
        {
            what: "office hours in an unknown time zone",
            teams: [{ name: "orders", namespaces: ["orders"], chat: "slack", slack: { channel: "#o" }, officeHours: { weekdays: ["monday:friday"], times: [{ start: "09:00", end: "17:00" }], location: "Moon/Tycho" } }],
            expect: `${P}:alerting.teams[0].officeHours.location: expected an IANA time zone such as Europe/Berlin or UTC, given`,
        },
        {
            what: "office hours ending before they start",
            teams: [{ name: "orders", namespaces: ["orders"], chat: "slack", slack: { channel: "#o" }, officeHours: { weekdays: ["friday:monday"], times: [{ start: "18:00", end: "09:00" }], location: "UTC" } }],
            expect: `${P}:alerting.teams[0].officeHours.times[0].end: expected start before end`,
        },
    ];
    for (const c of cases) {
        it(c.what, () => {
            const problems = problemsOf(parseWith(c.teams, c.extra));
            assert.ok(
                problems.some((p) => p.startsWith(c.expect) || (!c.expect.startsWith(P) && p.includes(c.expect))),
                `no problem ${JSON.stringify(c.expect)} in:\n${problems.join("\n")}`,
            );
            assert.ok(!problems.join("\n").includes(LEAK), "a secret value was shown");
        });
    }

    it("credentials of a team not (or no longer) declared are only warned about, naming the key", () => {
        const r = parseWith([{ name: "orders", namespaces: ["orders"] }], { [`${P}:teamSecrets`]: { gone: { webhookUrl: "https://hooks.example.com/x" } } });
        assert.ok(r.ok, problemsOf(r).join("\n"));
        assert.ok(r.warnings.includes(`${P}:teamSecrets.gone: unused: expected the name of a team in alerting.teams (orders), given "gone"`), r.warnings.join("\n"));
    });

    it("a team on the platform's Slack webhook needs slackWebhookUrl, named with the team's key", () => {
        const doc = YAML.parse(fs.readFileSync(STACK_FILES.dev, "utf8")) as { config: Record<string, unknown> };
        const alerting = doc.config[`${P}:alerting`] as Record<string, unknown>;
        doc.config[`${P}:alerting`] = { ...alerting, slack: { channel: "#alerts-dev", enabled: false }, teams: [{ name: "orders", namespaces: ["orders"], chat: "slack", slack: { channel: "#orders" } }] };
        const file = path.join(tmp("plg-teams-cfg-"), "Pulumi.dev.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const problems = problemsOf(parseSettings(readStackConfig(ROOT, file, { placeholders: false }).config));
        assert.ok(problems.some((p) => p.startsWith(`${P}:alerting.teams[0].slack: team orders's Slack (the platform's webhook) is enabled but the secret slackWebhookUrl is not set`)), problems.join("\n"));
    });

    it("a valid team with every credential set is accepted; render's placeholders cover every team credential", () => {
        const teams = [
            { name: "orders", namespaces: ["orders"], paging: "pagerduty", chat: "email", pagerduty: {}, email: { to: "o@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am" } },
        ];
        const set = parseWith(teams, { [`${P}:teamSecrets`]: { orders: { pagerdutyRoutingKey: "A".repeat(32), emailPassword: "pw" } } });
        assert.ok(set.ok, problemsOf(set).join("\n"));
        const offline = parseWith(teams, {}, { placeholders: true });
        assert.ok(offline.ok, problemsOf(offline).join("\n"));
    });
});

// ------------------------------------------------------------------ the program: credentials only in the receivers Secret

describe("teams: credentials in the mock graph", function () {
    this.timeout(120_000);

    it("each team credential is a key of the receivers Secret (a Pulumi secret), split out of teamSecrets; nothing else holds it", async () => {
        const doc = YAML.parse(fs.readFileSync(STACK_FILES.dev, "utf8")) as { config: Record<string, unknown> };
        const alerting = doc.config[`${P}:alerting`] as Record<string, unknown>;
        const orders = { name: "orders", namespaces: ["orders"], paging: "webhook", chat: "slack", webhook: {}, slack: { channel: "#orders", webhook: "team" } };
        doc.config[`${P}:alerting`] = { ...alerting, teams: [...((alerting.teams as unknown[] | undefined) ?? []), orders] };
        const hook = "https://hooks.example.com/orders-8f2Kq";
        const slack = "https://hooks.slack.com/services/TORD/BORD/OrdersSlack5x";
        // Plain here (offline runs accept it); the program sees the same mapping either way.
        doc.config[`${P}:teamSecrets`] = { orders: { webhookUrl: hook, slackWebhookUrl: slack } };
        const file = path.join(tmp("plg-teams-graph-"), "Pulumi.dev.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const cfg = readStackConfig(ROOT, file);
        assert.ok(cfg.secretKeys.includes(`${P}:teamSecrets`));
        const run = await runUnderMocks({ project: cfg.project, stack: "dev", config: cfg.config, secretKeys: cfg.secretKeys, program: main });
        const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && JSON.stringify(r.inputs).includes(kps.receiverSecretName));
        assert.ok(secret);
        const data = JSON.stringify(secret.inputs);
        assert.ok(data.includes(JSON.stringify(teamSecretKey("orders", "webhookUrl"))) && data.includes(hook));
        assert.ok(data.includes(JSON.stringify(teamSecretKey("orders", "slackWebhookUrl"))) && data.includes(slack));
        const elsewhere = run.resources.filter((r) => r !== secret && JSON.stringify(r.inputs).includes("orders-8f2Kq"));
        assert.deepEqual(elsewhere.map((r) => r.name), []);
    });

    it("render without the team's credentials: placeholders, and summary.txt names each field and its command", async () => {
        const doc = YAML.parse(fs.readFileSync(STACK_FILES.dev, "utf8")) as { config: Record<string, unknown> };
        const alerting = doc.config[`${P}:alerting`] as Record<string, unknown>;
        const orders = { name: "orders", namespaces: ["orders"], paging: "pagerduty", chat: "webhook", pagerduty: {}, webhook: {} };
        doc.config[`${P}:alerting`] = { ...alerting, teams: [...((alerting.teams as unknown[] | undefined) ?? []), orders] };
        const file = path.join(tmp("plg-teams-render-"), "Pulumi.dev.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const out = path.join(tmp("plg-teams-render-out-"), "out");
        const r = await renderQuietly(["dev", "--stack-file", file, "--out", out]);
        assert.equal(r.code, 0, r.stderr);
        const summary = fs.readFileSync(path.join(out, "summary.txt"), "utf8");
        assert.match(summary, /pulumi up would stop: plg-observability:teamSecrets\.orders\.pagerdutyRoutingKey not set, needed by plg-observability:alerting\.teams\[1\]\.pagerduty.*\(pulumi config set --secret --path 'teamSecrets\.orders\.pagerdutyRoutingKey' <a 32-character PagerDuty Events API v2 routing key>\)/);
        assert.match(summary, /teamSecrets\.orders\.webhookUrl not set/);
        const am = YAML.parse(fs.readFileSync(path.join(out, "alertmanager.yaml"), "utf8")) as AlertmanagerConfig;
        assert.equal(am.receivers.find((x) => x.name === "orders-webhook")?.webhook_configs?.[0]?.url_file, alertmanagerSecretPath(kps.receiverSecretName, teamSecretKey("orders", "webhookUrl")));
    });

    it("a stack file whose teamSecrets leaves are all `secure:` is read as encrypted (placeholders), not as plain text", () => {
        const doc = YAML.parse(fs.readFileSync(STACK_FILES.dev, "utf8")) as { config: Record<string, unknown> };
        const alerting = doc.config[`${P}:alerting`] as Record<string, unknown>;
        doc.config[`${P}:alerting`] = { ...alerting, teams: [{ name: "orders", namespaces: ["orders"], paging: "webhook", webhook: {} }] };
        doc.config[`${P}:teamSecrets`] = { orders: { webhookUrl: { secure: "v1:AAAAencrypted" } } };
        const file = path.join(tmp("plg-teams-secure-"), "Pulumi.dev.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const cfg = readStackConfig(ROOT, file);
        assert.deepEqual(cfg.plainSecretKeys, []);
        assert.deepEqual(cfg.placeholders.find((p) => p.key === "teamSecrets")?.reason, "encrypted");
        const placeholder = JSON.parse(cfg.config[`${P}:teamSecrets`] ?? "{}") as Record<string, Record<string, string>>;
        assert.ok(placeholder.orders?.webhookUrl?.startsWith("https://"));
        const r = parseSettings(cfg.config);
        assert.ok(r.ok, problemsOf(r).join("\n"));
    });
});
