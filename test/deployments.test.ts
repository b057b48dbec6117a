/**
 * The deployments program (deployments/) under Pulumi's mock runtime with its committed stack file:
 * Deployments settings per stack, triggers and path filters, the roles' trust as STS would evaluate
 * it (a role trusted for dev cannot be assumed for prod; a preview's token never gets a deploy role),
 * no long-lived AWS keys, ESC environments without values, the policy pack enforced on every stack.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { DeploymentsConfigError, parseDeploymentsConfig, PROJECT } from "../deployments/config";
import { escEnvironmentYaml, escNames, GITHUB_OIDC_KEY, type Operation, PULUMI_OIDC_KEY, pulumiSubject } from "../deployments/plan";
import { iamNoBroadGrants } from "../policy/policies";
import { type RecordedResource, revealSecrets, runUnderMocks } from "../tools/mock-run";
import { ROOT } from "./support/graph";
import { canAssume } from "./support/iam-eval";
import { fromRecorded, runPolicy } from "./support/policy-harness";

const DIR = path.join(ROOT, "deployments");
const stackFile = YAML.parse(fs.readFileSync(path.join(DIR, "Pulumi.bootstrap.yaml"), "utf8")) as { config: Record<string, unknown> };
const ORG = stackFile.config[`${PROJECT}:organization`] as string;
const REPO = (stackFile.config[`${PROJECT}:repository`] as { name: string }).name;
const MAIN_PROJECT = "plg-observability";

interface Run {
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
}
let cached: Run | undefined;

/** The deployments program for its committed stack, as `pulumi up` would register it. */
async function run(): Promise<Run> {
    if (cached) return cached;
    const config = Object.fromEntries(Object.entries(stackFile.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    // Fresh module state: index.ts evaluates the program on import.
    const { main } = (await import("../deployments/program")) as typeof import("../deployments/program");
    const result = await runUnderMocks({ project: PROJECT, stack: "bootstrap", config, secretKeys: [], program: main });
    cached = { resources: result.resources, outputs: revealSecrets(result.outputs) as Record<string, unknown> };
    return cached;
}

function inputsOf(r: RecordedResource): Record<string, unknown> {
    return revealSecrets(r.inputs) as Record<string, unknown>;
}

function byName(resources: readonly RecordedResource[], type: string, name: string): Record<string, unknown> {
    const r = resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} exists`);
    return inputsOf(r);
}

const ROLE = "aws:iam/role:Role";
const SETTINGS = "pulumiservice:index:DeploymentSettings";

/** STS's answer for a Pulumi Deployments token of `stack`/`op` against the role `roleName`. */
async function pulumiToken(roleName: string, claims: { stack: string; op: Operation; org?: string; project?: string }): Promise<boolean> {
    const { resources } = await run();
    const role = byName(resources, ROLE, roleName);
    const provider = resources.find((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider" && inputsOf(r).url === "https://api.pulumi.com/oidc");
    assert.ok(provider);
    const trust = JSON.parse(String(role.assumeRolePolicy)) as { Statement: { Principal?: { Federated?: string } }[] };
    const providerArn = trust.Statement.find((s) => String(s.Principal?.Federated).includes("api.pulumi.com/oidc"))?.Principal?.Federated as string;
    return canAssume(role.assumeRolePolicy, {
        providerArn,
        claims: {
            [`${PULUMI_OIDC_KEY}:aud`]: claims.org ?? ORG,
            [`${PULUMI_OIDC_KEY}:sub`]: pulumiSubject(claims.org ?? ORG, claims.project ?? MAIN_PROJECT, claims.stack, claims.op),
        },
    });
}

/** Whether a path-filter glob (Pulumi Deployments `paths`) matches a changed file. */
function matchesFilter(filter: string, file: string): boolean {
    const re = filter.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*");
    return new RegExp(`^${re}$`).test(file);
}

describe("deployments program: Pulumi Deployments, ESC and keyless AWS for each stack", function () {
    it("the committed stack file is valid; a bad one names every key at fault, without its value", function () {
        const raw = Object.fromEntries(Object.entries(stackFile.config).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
        const cfg = parseDeploymentsConfig(raw);
        assert.deepEqual(Object.keys(cfg.environments), ["dev", "prod"]);
        try {
            parseDeploymentsConfig({ ...raw, organization: "Example Org", environments: { prod: { awsAccountId: 222222222222, region: "eu-west-1", secrets: ["slackToken"] } } });
            assert.fail("expected a configuration error");
        } catch (e) {
            assert.ok(e instanceof DeploymentsConfigError);
            const text = e.message;
            assert.match(text, /plg-observability-deployments:organization: expected the Pulumi organization name, lowercase/);
            assert.match(text, /plg-observability-deployments:environments\.prod\.awsAccountId: /);
            assert.match(text, /plg-observability-deployments:environments\.prod\.secrets\.0: expected one of slackWebhookUrl, pagerdutyRoutingKey/);
            assert.equal(e.problems.length, 3);
            assert.ok(!text.includes("222222222222") && !text.includes("slackToken"), "values are not echoed");
        }
    });

    it("one Deployments settings per stack, with the vcs block: dev deploys on push, prod only previews; both preview pull requests", async function () {
        const { resources } = await run();
        const settings = resources.filter((r) => r.type === SETTINGS).map(inputsOf);
        assert.deepEqual(settings.map((s) => s.stack).sort(), ["dev", "prod"]);
        for (const s of settings) {
            assert.equal(s.github, undefined, "the deprecated github block is not used");
            const vcs = s.vcs as { provider: string; repository: string; deployCommits: boolean; previewPullRequests: boolean };
            assert.equal(vcs.provider, "github");
            assert.equal(vcs.repository, REPO);
            assert.equal(vcs.previewPullRequests, true, `${String(s.stack)} previews pull requests`);
            assert.equal(vcs.deployCommits, s.stack === "dev", `${String(s.stack)} deploys on push: ${String(vcs.deployCommits)}`);
            assert.deepEqual((s.sourceContext as { git: unknown }).git, { branch: "main", repoDir: "." });
            assert.equal(s.project, MAIN_PROJECT);
            assert.equal(s.organization, ORG);
            const env = (s.operationContext as { environmentVariables?: Record<string, string> }).environmentVariables ?? {};
            assert.deepEqual(Object.keys(env).filter((k) => k.startsWith("AWS_")), [], "no AWS credentials in the settings");
        }
        // Deployments assume the deploy role where they deploy on push, the read-only role where they only preview.
        const roleOf = (stack: string) => (settings.find((s) => s.stack === stack)?.operationContext as { oidc: { aws: { roleARN: string } } }).oidc.aws.roleARN;
        assert.match(roleOf("dev"), /role\/plg-observability-dev-deploy$/);
        assert.match(roleOf("prod"), /role\/plg-observability-prod-preview$/);
    });

    it("path filters: docs, tests and tools trigger nothing; a stack file triggers only its stack; program code triggers both", async function () {
        const { resources } = await run();
        const filters = (stack: string) => ((resources.filter((r) => r.type === SETTINGS).map(inputsOf).find((s) => s.stack === stack)?.vcs as { paths: string[] }).paths);
        const triggered = (file: string) => ["dev", "prod"].filter((stack) => filters(stack).some((f) => matchesFilter(f, file)));
        for (const file of ["README.md", "test/policy.test.ts", "tools/render.ts", "policy/policies.ts", "deployments/plan.ts", ".github/workflows/pr-checks.yml"]) {
            assert.deepEqual(triggered(file), [], file);
        }
        assert.deepEqual(triggered("Pulumi.prod.yaml"), ["prod"]);
        assert.deepEqual(triggered("Pulumi.dev.yaml"), ["dev"]);
        for (const file of ["components/aws/cluster.ts", "config/schema.ts", "components/k8s/metrics/values.ts", "package-lock.json", "index.ts"]) {
            assert.deepEqual(triggered(file), ["dev", "prod"], file);
        }
    });

    it("OIDC trust: each role only for this org, project, stack and its operations", async function () {
        // dev: one role for every Deployments operation of dev (pushes deploy, pull requests preview).
        for (const op of ["preview", "update", "refresh", "destroy"] as const) assert.equal(await pulumiToken("dev-deploy", { stack: "dev", op }), true, `dev ${op}`);
        // A role trusted for dev cannot be assumed for prod, another project or another organisation.
        for (const op of ["preview", "update"] as const) assert.equal(await pulumiToken("dev-deploy", { stack: "prod", op }), false, `prod ${op} with the dev role`);
        assert.equal(await pulumiToken("dev-deploy", { stack: "dev", op: "update", project: "other-project" }), false);
        assert.equal(await pulumiToken("dev-deploy", { stack: "dev", op: "update", org: "other-org" }), false);
        assert.equal(await pulumiToken("dev-preview", { stack: "prod", op: "preview" }), false);
        // prod: a pull request's preview gets the read-only role, never the deploy role; nothing destroys prod.
        assert.equal(await pulumiToken("prod-preview", { stack: "prod", op: "preview" }), true);
        assert.equal(await pulumiToken("prod-preview", { stack: "prod", op: "update" }), false);
        assert.equal(await pulumiToken("prod-deploy", { stack: "prod", op: "preview" }), false);
        assert.equal(await pulumiToken("prod-deploy", { stack: "prod", op: "update" }), true);
        assert.equal(await pulumiToken("prod-deploy", { stack: "prod", op: "destroy" }), false);
        assert.equal(await pulumiToken("prod-deploy", { stack: "dev", op: "update" }), false);
    });

    it("GitHub Actions trust: deploy roles only from the stack's GitHub environment, preview roles from pull requests", async function () {
        const { resources } = await run();
        const gh = resources.find((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider" && inputsOf(r).url === "https://token.actions.githubusercontent.com");
        assert.ok(gh);
        const ask = (role: string, sub: string) => {
            const trust = byName(resources, ROLE, role).assumeRolePolicy;
            const providerArn = (JSON.parse(String(trust)) as { Statement: { Sid: string; Principal: { Federated: string } }[] }).Statement.find((s) => s.Sid === "GitHubActions")?.Principal.Federated as string;
            return canAssume(trust, { providerArn, claims: { [`${GITHUB_OIDC_KEY}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC_KEY}:sub`]: sub } });
        };
        assert.equal(ask("dev-deploy", `repo:${REPO}:environment:dev`), true);
        assert.equal(ask("dev-deploy", `repo:${REPO}:environment:prod`), false);
        assert.equal(ask("dev-deploy", `repo:${REPO}:pull_request`), false);
        assert.equal(ask("prod-deploy", `repo:${REPO}:environment:prod`), true);
        assert.equal(ask("prod-deploy", `repo:someone-else/fork:environment:prod`), false);
        assert.equal(ask("prod-preview", `repo:${REPO}:pull_request`), true);
        assert.equal(ask("prod-preview", `repo:${REPO}:ref:refs/heads/main`), false);
    });

    it("no long-lived AWS keys: no IAM users or access keys, no key material anywhere in the inputs or outputs", async function () {
        const { resources, outputs } = await run();
        const forbidden = resources.filter((r) => /^aws:iam\/(user|accessKey|userPolicy|userLoginProfile):/.test(r.type));
        assert.deepEqual(forbidden.map((r) => r.type), []);
        const text = JSON.stringify([resources.map(inputsOf), outputs]);
        assert.doesNotMatch(text, /AWS_SECRET_ACCESS_KEY|aws_secret_access_key|\b(AKIA|ASIA)[0-9A-Z]{16}\b/);
    });

    it("role permissions: deploy manages IAM only under its environment's tag; preview reads no data; both pass the IAM policy", async function () {
        const { resources } = await run();
        const managed = (role: string) => byName(resources, ROLE, role).managedPolicyArns as string[];
        assert.deepEqual(managed("prod-deploy"), ["arn:aws:iam::aws:policy/PowerUserAccess"]);
        assert.deepEqual(managed("prod-preview"), ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        const deployDoc = JSON.parse(String(byName(resources, "aws:iam/rolePolicy:RolePolicy", "prod-deploy-iam").policy)) as {
            Statement: { Sid: string; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> }[];
        };
        for (const s of deployDoc.Statement.filter((x) => x.Sid !== "ReadIam" && x.Sid !== "ServiceLinkedRoles")) {
            const tagged = Object.values(s.Condition ?? {}).some((c) => c["aws:RequestTag/environment"] === "prod" || c["aws:ResourceTag/environment"] === "prod");
            assert.ok(tagged, `${s.Sid} is scoped to resources tagged environment=prod`);
        }
        const previewDoc = JSON.parse(String(byName(resources, "aws:iam/rolePolicy:RolePolicy", "prod-preview-no-data").policy)) as { Statement: { Effect: string; Action: string[] }[] };
        const denied = previewDoc.Statement.filter((s) => s.Effect === "Deny").flatMap((s) => s.Action);
        for (const a of ["s3:GetObject", "kms:Decrypt", "secretsmanager:GetSecretValue", "sts:AssumeRole"]) assert.ok(denied.includes(a), `preview denies ${a}`);
        assert.deepEqual(await runPolicy(iamNoBroadGrants, fromRecorded(resources)), []);
    });

    it("ESC: one environment per stack, importing its secrets environment, holding no value", async function () {
        const { resources, outputs } = await run();
        const envs = resources.filter((r) => r.type === "pulumiservice:index:Environment").map(inputsOf);
        assert.deepEqual(envs.map((e) => `${String(e.project)}/${String(e.name)}`).sort(), ["plg-observability/dev", "plg-observability/prod"]);
        const prodYaml = YAML.parse(escEnvironmentYaml(MAIN_PROJECT, "prod", ["slackWebhookUrl", "pagerdutyRoutingKey"])) as { imports: string[]; values: { pulumiConfig: Record<string, string> } };
        assert.deepEqual(prodYaml.imports, ["plg-observability/prod-secrets"]);
        assert.deepEqual(prodYaml.values.pulumiConfig, { slackWebhookUrl: "${slackWebhookUrl}", pagerdutyRoutingKey: "${pagerdutyRoutingKey}" });
        const text = JSON.stringify(envs);
        assert.doesNotMatch(text, /fn::secret|hooks\.slack\.com/, "no secret value is managed here");
        const prodOut = (outputs.environments as Record<string, { escSecretCommands: string[] }>).prod;
        assert.deepEqual(prodOut?.escSecretCommands, [
            "esc env init plg-observability/prod-secrets",
            "esc env set plg-observability/prod-secrets slackWebhookUrl '<value>' --secret",
            "esc env set plg-observability/prod-secrets pagerdutyRoutingKey '<value>' --secret",
        ]);
        // Each main stack file imports its environment, so a Deployments preview has every secret.
        for (const stack of ["dev", "prod"]) {
            const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { environment?: string[] };
            assert.deepEqual(file.environment, [escNames(MAIN_PROJECT, stack).env], `Pulumi.${stack}.yaml imports its ESC environment`);
        }
        const rules = resources.filter((r) => r.type === "pulumiservice:index:ApprovalRule").map(inputsOf);
        assert.deepEqual(rules.map((r) => (r.environmentIdentifier as { name: string }).name), ["prod"], "prod's configuration changes need approval");
    });

    it("the policy pack from policy/ is published and enforced (preventative) on every stack; the stacks carry the environment tag it reads", async function () {
        const { resources } = await run();
        const pack = resources.find((r) => r.type === "pulumiservice:index:PolicyPack");
        assert.ok(pack);
        const packInputs = inputsOf(pack);
        const packName = /new PolicyPack\("([^"]+)"/.exec(fs.readFileSync(path.join(ROOT, "policy", "index.ts"), "utf8"))?.[1];
        assert.equal(packInputs.name, packName, "the name the pack registers itself under");
        assert.equal(path.resolve(String(packInputs.sourcePath)), path.join(ROOT, "policy"));
        const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as { version: string }).version;
        assert.equal(packInputs.versionTag, version);
        const group = inputsOf(resources.find((r) => r.type === "pulumiservice:index:PolicyGroup") as RecordedResource);
        assert.equal(group.mode, "preventative");
        assert.deepEqual(group.stacks, [
            { name: "dev", routingProject: MAIN_PROJECT },
            { name: "prod", routingProject: MAIN_PROJECT },
        ]);
        assert.deepEqual(group.policyPacks, [{ name: packName, versionTag: version }]);
        const tags = resources.filter((r) => r.type === "pulumiservice:index:StackTag").map(inputsOf);
        assert.deepEqual(tags.map((t) => [t.stack, t.name, t.value]), [
            ["dev", "environment", "dev"],
            ["prod", "environment", "prod"],
        ]);
    });

    it("workflows get a Pulumi team token only from this repository's GitHub environments and pull requests", async function () {
        const { resources } = await run();
        const issuer = inputsOf(resources.find((r) => r.type === "pulumiservice:index:OidcIssuer") as RecordedResource);
        assert.equal(issuer.url, "https://token.actions.githubusercontent.com");
        const policies = issuer.policies as { decision: string; tokenType: string; teamName: string; rules: { aud: string; sub: string } }[];
        assert.deepEqual(
            policies.map((p) => p.rules.sub),
            [`repo:${REPO}:environment:dev`, `repo:${REPO}:environment:prod`, `repo:${REPO}:pull_request`],
        );
        for (const p of policies) assert.deepEqual([p.decision, p.tokenType, p.teamName, p.rules.aud], ["allow", "team", "platform-deployers", `urn:pulumi:org:${ORG}`]);
    });
});
