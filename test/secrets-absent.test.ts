/**
 * Secrets, proven absent: every stack rendered (real `helm template` included) with a distinctive
 * canary for every secret key, every feature that uses one switched on; no canary may appear, raw
 * or base64, in any file render writes. In the mock graph, every input and stack output that
 * carries a canary, and every Kubernetes Secret's data, is a Pulumi secret.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { SECRET_KEYS, type SecretKey } from "../config/schema";
import { type TeamSecretFieldName, teamSecretsLookValid } from "../config/teams";
import { type RunResult, isSecretMarker, runUnderMocks } from "../tools/mock-run";
import { main } from "../program";
import { readStackConfig } from "../tools/stack-config";
import { ROOT } from "./support/graph";
import { STACK_FILES, STACK_NAMES, type StackName } from "./support/manifests";
import { renderQuietly, tmp } from "./support/render";

const PROJECT = "plg-observability";
/** What every RandomPassword result starts with under the mocks (tools/mock-run.ts): mock-password-<resource name>. */
const GENERATED_PASSWORD_PREFIX = "mock-password-";

/** One distinctive value per team credential field (teamSecrets.<team>.<field>), of its shape. */
const TEAM_CANARIES: Record<TeamSecretFieldName, string> = {
    slackWebhookUrl: "https://hooks.slack.com/services/TCANARY03/BCANARY04/CanaryTeamSlackMv6Qa2",
    pagerdutyRoutingKey: "CanaryTeamPagerDutyKeyR4t8Y1u5I9",
    msteamsWebhookUrl: "https://canary.webhook.office.com/workflows/CanaryTeamsWorkflow-3Jk8",
    opsgenieApiKey: "c4a7e1b2-9d3f-4c6a-8e5b-7f1d2c3b4a5e",
    emailPassword: "CanaryTeamSmtpPassword-Wq5Rt7",
    webhookUrl: "https://hooks.example.net/canary-team-webhook-8Hd3Lp",
};

/** Teams using every kind of team receiver, each credential set (canary-a's on teamSecrets.canary-a, ...). */
const CANARY_TEAMS = [
    { name: "canary-a", namespaces: ["canary-a"], paging: "pagerduty", chat: "slack", pagerduty: {}, slack: { channel: "#canary-a", webhook: "team" } },
    { name: "canary-b", namespaces: ["canary-b"], paging: "opsgenie", chat: "msteams", opsgenie: {}, msteams: {} },
    { name: "canary-c", namespaces: ["canary-c"], paging: "webhook", chat: "email", webhook: {}, email: { to: "c@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am" } },
];
const TEAM_SECRETS = {
    "canary-a": { slackWebhookUrl: TEAM_CANARIES.slackWebhookUrl, pagerdutyRoutingKey: TEAM_CANARIES.pagerdutyRoutingKey },
    "canary-b": { opsgenieApiKey: TEAM_CANARIES.opsgenieApiKey, msteamsWebhookUrl: TEAM_CANARIES.msteamsWebhookUrl },
    "canary-c": { webhookUrl: TEAM_CANARIES.webhookUrl, emailPassword: TEAM_CANARIES.emailPassword },
};

/** Whether the committed stack file declares application teams (alerting.teams). */
function hasTeams(name: StackName): boolean {
    const doc = YAML.parse(fs.readFileSync(STACK_FILES[name], "utf8")) as { config: Record<string, { teams?: unknown[] } | undefined> };
    return (doc.config[`${PROJECT}:alerting`]?.teams?.length ?? 0) > 0;
}

/** One distinctive value per secret key, each of the shape the key expects. */
const CANARIES: Record<SecretKey, string> = {
    teamSecrets: JSON.stringify(TEAM_SECRETS),
    slackWebhookUrl: "https://hooks.slack.com/services/TCANARY01/BCANARY02/CanarySlackZq8Wx4Pk",
    pagerdutyRoutingKey: "CanaryPagerDutyKeyQ7w3E9r1T5y8U2",
    heartbeatUrl: "https://hc-ping.com/canary-heartbeat-5d1e7a9c-3b2f-4e8d-a6c4",
    ssoClientSecret: "CanarySsoClientSecret-7Hq2Lw9Xv4Zr",
    logReplicaCredential: "CanaryLogReplicaCredential-Gx7Pm2Qs",
};

/** The canary's base64 at each of the three alignments it can take inside a longer encoded string. */
function base64Forms(value: string): string[] {
    const forms: string[] = [];
    for (let shift = 0; shift < 3; shift++) {
        const encoded = Buffer.from("x".repeat(shift) + value).toString("base64");
        // Drop the characters that mix in the prefix and the (unknown) padding at the end.
        const start = shift === 0 ? 0 : Math.ceil((shift * 4) / 3) + 1;
        forms.push(encoded.slice(start, encoded.length - 4));
    }
    return forms;
}

/** Every form of every canary a file must not hold. */
const FORBIDDEN: { key: string; form: string; text: string }[] = [
    ...(Object.entries(CANARIES) as [string, string][]),
    ...Object.entries(TEAM_CANARIES).map(([field, value]) => [`teamSecrets.*.${field}`, value] as [string, string]),
].flatMap(([key, value]) => [{ key, form: "raw", text: value }, ...base64Forms(value).map((text) => ({ key, form: "base64", text }))]);

/** The stack file with every canary set (plain, as render accepts offline) and every secret-using feature on. */
function canaryStackFile(name: StackName): string {
    const doc = YAML.parse(fs.readFileSync(STACK_FILES[name], "utf8")) as { config: Record<string, unknown> };
    const config = doc.config;
    const alerting = (config[`${PROJECT}:alerting`] ?? {}) as Record<string, unknown>;
    config[`${PROJECT}:alerting`] = {
        ...alerting,
        slack: { ...(alerting.slack as object), enabled: true },
        pagerduty: { enabled: true },
        heartbeat: { enabled: true },
        // Canary teams beside the stack's own; a platform-only stack (no teams: teams/ is not deployed) stays so.
        ...(hasTeams(name) ? { teams: [...(alerting.teams as unknown[]), ...CANARY_TEAMS] } : {}),
    };
    const grafana = (config[`${PROJECT}:grafana`] ?? {}) as Record<string, unknown>;
    config[`${PROJECT}:grafana`] = {
        ...grafana,
        sso: {
            provider: "genericOidc",
            clientId: "plg-grafana",
            authUrl: "https://login.example.com/oauth2/v1/authorize",
            tokenUrl: "https://login.example.com/oauth2/v1/token",
            apiUrl: "https://login.example.com/oauth2/v1/userinfo",
            adminGroups: ["platform-admins"],
        },
    };
    // The second log region, with basic auth: its password is logReplicaCredential.
    const logs = (config[`${PROJECT}:logs`] ?? {}) as Record<string, unknown>;
    config[`${PROJECT}:logs`] = { ...logs, replicateTo: { url: "https://logs.replica.example.com/loki/api/v1/push", tenantId: "platform", auth: "basic", username: "plg-replica" } };
    for (const [key, value] of Object.entries(CANARIES)) config[`${PROJECT}:${key}`] = value;
    // As `pulumi config set --secret --path 'teamSecrets.<team>.<field>'` leaves it: a mapping.
    if (hasTeams(name)) config[`${PROJECT}:teamSecrets`] = TEAM_SECRETS;
    else delete config[`${PROJECT}:teamSecrets`];
    delete (doc as Record<string, unknown>).environment;
    const file = path.join(tmp("plg-canary-"), `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

function walk(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Paths (as a.b[0].c) of every plain string holding a canary, raw or base64, outside a secret. */
function plainCanaries(v: unknown, at: string, out: string[]): void {
    if (isSecretMarker(v)) return;
    if (typeof v === "string") {
        for (const f of FORBIDDEN) if (v.includes(f.text)) out.push(`${at} (${f.key}, ${f.form})`);
    } else if (Array.isArray(v)) {
        v.forEach((x, i) => plainCanaries(x, `${at}[${i}]`, out));
    } else if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v)) plainCanaries(x, `${at}.${k}`, out);
    }
}

describe("secrets, proven absent", function () {
    it("has a canary for every secret key, of the shape the key accepts", () => {
        assert.deepEqual(Object.keys(CANARIES).sort(), Object.keys(SECRET_KEYS).sort());
        for (const [key, value] of Object.entries(CANARIES) as [SecretKey, string][]) assert.ok(SECRET_KEYS[key].looksValid(value), key);
        assert.ok(teamSecretsLookValid(CANARIES.teamSecrets), "every team canary has its field's shape");
        // Every team credential field is used by a canary team.
        assert.deepEqual(Object.values(TEAM_SECRETS).flatMap((f) => Object.keys(f)).sort(), Object.keys(TEAM_CANARIES).sort());
        assert.ok(hasTeams("dev") && hasTeams("prod"), "the team canaries run through dev and prod");
        // The base64 forms really are what a Secret's data or a base64 blob would hold.
        const blob = Buffer.from(`prefix:${CANARIES.slackWebhookUrl}:suffix`).toString("base64");
        assert.ok(base64Forms(CANARIES.slackWebhookUrl).some((f) => blob.includes(f)));
    });

    for (const name of STACK_NAMES) {
        describe(name, function () {
            let file: string;
            let run: RunResult;
            before(async function () {
                file = canaryStackFile(name);
                const cfg = readStackConfig(ROOT, file);
                run = await runUnderMocks({ project: cfg.project, stack: name, config: cfg.config, secretKeys: cfg.secretKeys, program: main });
            });

            it("no rendered file (Helm values, manifests/, ConfigMaps, outputs) holds a canary, raw or base64", async function () {
                const out = tmp("plg-canary-out-");
                const r = await renderQuietly([name, "--stack-file", file, "--out", out], ROOT, { manifests: true });
                assert.equal(r.code, 0, r.stderr);
                const files = walk(out);
                assert.ok(files.some((f) => f.includes(`${path.sep}manifests${path.sep}`)), `manifests/ rendered (${r.stderr})`);
                const leaks: string[] = [];
                for (const f of files) {
                    const content = fs.readFileSync(f, "utf8");
                    for (const x of FORBIDDEN) if (content.includes(x.text)) leaks.push(`${path.relative(out, f)}: ${x.key} (${x.form})`);
                    // Generated passwords (Grafana's admin, its RDS database's): the mocks' RandomPassword results.
                    if (content.includes(GENERATED_PASSWORD_PREFIX)) leaks.push(`${path.relative(out, f)}: a generated password`);
                }
                assert.deepEqual(leaks, []);
            });

            it("the canaries reach the cluster only inside Pulumi secrets", () => {
                const receivers = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
                assert.ok(receivers.length > 0);
                for (const s of receivers) {
                    for (const field of ["data", "stringData"] as const) {
                        if (s.inputs[field] !== undefined) assert.ok(isSecretMarker(s.inputs[field]), `${s.name}.${field} is a Pulumi secret`);
                    }
                }
                // Slack is on in every stack here: its canary reaches a Secret, so the scan below is not vacuous.
                assert.ok(JSON.stringify(receivers.map((s) => s.inputs)).includes(CANARIES.slackWebhookUrl));
                // And every team credential reaches it, each under its own key.
                for (const value of hasTeams(name) ? Object.values(TEAM_CANARIES) : []) assert.ok(JSON.stringify(receivers.map((s) => s.inputs)).includes(JSON.stringify(value)), value.slice(0, 12));
                const plain: string[] = [];
                for (const r of run.resources) plainCanaries(r.inputs, `${r.type}::${r.name}`, plain);
                plainCanaries(run.outputs, "stack outputs", plain);
                assert.deepEqual(plain, []);
            });
        });
    }
});
