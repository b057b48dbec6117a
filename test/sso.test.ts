/**
 * Grafana single sign-on: the client secret only in a Kubernetes Secret (a Pulumi secret) read with
 * `$__file{}`, groups mapped to roles, the login form and basic auth off, secure cookies and HSTS
 * over HTTPS; the configuration refuses an incomplete provider.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseSettings } from "../config";
import { kps } from "../components/endpoints";
import { GRAFANA_SSO_CLIENT_SECRET_KEY, GRAFANA_SSO_MOUNT, roleAttributePath } from "../components/k8s/metrics/sso";
import { isSecretMarker } from "../tools/mock-run";
import { readStackConfig } from "../tools/stack-config";
import { ROOT, runStack } from "./support/graph";

const SECRET = "sso-test-client-secret-9f2c";
type Ini = Record<string, Record<string, unknown>>;

describe("Grafana single sign-on", function () {
    it("generic OIDC: secret from a file of its own Secret, groups to roles, form and basic auth off, secure cookies and HSTS on the HTTPS hostname", async () => {
        const sso = {
            provider: "genericOidc",
            clientId: "plg-grafana",
            authUrl: "https://login.example.com/authorize",
            tokenUrl: "https://login.example.com/token",
            apiUrl: "https://login.example.com/userinfo",
            adminGroups: ["platform-admins"],
            editorGroups: ["developers", "sre"],
        };
        const grafana = { hostname: "grafana.example.com", tlsCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e", sso };
        const g = await runStack("prod", { settings: { grafana }, secrets: { ssoClientSecret: SECRET } });
        const values = g.releaseValues(kps.release);
        const grafanaValues = values.grafana as { "grafana.ini": Ini; extraSecretMounts: { secretName: string; mountPath: string }[] };
        const ini = grafanaValues["grafana.ini"];
        assert.equal(ini["auth.generic_oauth"]?.client_secret, `$__file{${GRAFANA_SSO_MOUNT}/${GRAFANA_SSO_CLIENT_SECRET_KEY}}`);
        assert.equal(ini["auth.generic_oauth"]?.client_id, "plg-grafana");
        assert.equal(ini["auth.generic_oauth"]?.token_url, sso.tokenUrl);
        assert.equal(ini.auth?.disable_login_form, true);
        assert.equal(ini["auth.basic"]?.enabled, false);
        assert.equal(ini["auth.anonymous"]?.enabled, false);
        assert.deepEqual(ini.security, { cookie_secure: true, strict_transport_security: true });
        // The SSO Secret's own mount (prod also mounts the Grafana database Secret beside it).
        assert.deepEqual(
            grafanaValues.extraSecretMounts.filter((m) => m.secretName === kps.grafanaSsoSecretName).map((m) => [m.secretName, m.mountPath]),
            [[kps.grafanaSsoSecretName, GRAFANA_SSO_MOUNT]],
        );
        assert.ok(!JSON.stringify(values).includes(SECRET), "the client secret is in the Helm values");
        const secret = g.one("kubernetes:core/v1:Secret", "-grafana-sso");
        assert.ok(isSecretMarker(secret.inputs.stringData));
        assert.deepEqual(g.inputs(secret).stringData, { [GRAFANA_SSO_CLIENT_SECRET_KEY]: SECRET });
    });

    it("maps groups to Admin, then Editor, everyone else Viewer (evaluated by a real JMESPath engine)", function () {
        const expr = roleAttributePath(["platform-admins"], ["developers", "sre"]);
        const tokens = [{ groups: ["sre", "platform-admins"] }, { groups: ["developers"] }, { groups: ["sre"] }, { groups: ["marketing"] }, { groups: [] }];
        // Python's jmespath (the reference implementation; Grafana uses a Go port of the same spec).
        const r = spawnSync("python3", ["-c", "import sys, json, jmespath; e, ts = json.load(sys.stdin); print(json.dumps([jmespath.search(e, t) for t in ts]))"], {
            input: JSON.stringify([expr, tokens]),
            encoding: "utf8",
        });
        if (r.status !== 0) {
            console.warn(`  skipping: python3 with jmespath unavailable (${r.stderr.trim().split("\n").pop() ?? ""})`);
            this.skip();
        }
        assert.deepEqual(JSON.parse(r.stdout), ["Admin", "Editor", "Editor", "Viewer", "Viewer"]);
    });

    it("without SSO, the login form stays (the generated admin) and no SSO Secret exists", async () => {
        const g = await runStack("dev");
        const ini = (g.releaseValues(kps.release).grafana as { "grafana.ini": Ini })["grafana.ini"];
        assert.equal(ini.auth, undefined);
        assert.equal(g.byType("kubernetes:core/v1:Secret").filter((s) => s.name.endsWith("-grafana-sso")).length, 0);
    });

    it("refuses a provider without its client id, endpoints or secret, naming each key", () => {
        const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.dev.yaml")).config;
        const base: Record<string, string> = { ...cfg, "plg-observability:slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/x" };
        delete base["plg-observability:ssoClientSecret"];
        const r = parseSettings({ ...base, "plg-observability:grafana": JSON.stringify({ sso: { provider: "genericOidc" } }) });
        assert.ok(!r.ok);
        for (const key of ["grafana.sso.clientId", "grafana.sso.authUrl", "grafana.sso.tokenUrl", "grafana.sso.apiUrl", "grafana.sso.provider"]) {
            assert.ok(r.problems.some((p) => p.startsWith(`plg-observability:${key}:`)), `${key}: ${r.problems.join("\n")}`);
        }
        assert.ok(r.problems.some((p) => p.includes("ssoClientSecret")));
        const github = parseSettings({ ...base, "plg-observability:ssoClientSecret": SECRET, "plg-observability:grafana": JSON.stringify({ sso: { provider: "github", clientId: "Iv1.abc", allowed: ["my-org"] } }) });
        assert.ok(github.ok, JSON.stringify(github));
    });
});
