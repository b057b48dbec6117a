/**
 * Offline render of a stack: `npm run render -- <stack> [--stack-file FILE] [--out DIR]`.
 * Runs the real program under Pulumi's mock runtime and writes the desired state to DIR
 * (default out/<stack>/). Secrets appear only as `[secret]`. Invalid config or stack file: exit 1,
 * every problem on stderr, nothing written; warnings on stderr as `warning: <key>: ...` and in
 * summary.txt. Bad command line: exit 2. See "Render contract" in the design notes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseSettings } from "../config";
import { requiredSecrets } from "../config/secrets";
import { main } from "../program";
import { collectArtifacts } from "./artifacts";
import { renderManifests } from "./manifests";
import { type RunResult, runUnderMocks } from "./mock-run";
import { documentationValueWarnings } from "./example-values";
import { StackFileError, keepPlaceholders, readStackConfig } from "./stack-config";
import { checkTeams, teamTenantRuleFiles } from "./team-checks";

interface Args {
    stack: string;
    stackFile?: string;
    out?: string;
    /** Skip `helm template` (manifests/ and the footprint): a faster look at everything else. */
    noManifests?: boolean;
}

const USAGE = "usage: npm run render -- <stack> [--stack-file FILE] [--out DIR] [--no-manifests]";

const HELP = `${USAGE}

Renders a stack's desired state offline (no cloud credentials, no cluster) by running the program
under Pulumi's mock runtime.

  <stack>            the stack's name; its config is Pulumi.<stack>.yaml unless --stack-file is given
  --stack-file FILE  read the stack's config from FILE (plain secret values are allowed here, with a warning)
  --out DIR          write to DIR, replacing it (default out/<stack>/)
  --no-manifests     skip helm template (manifests/ and the footprint), for a faster look at the rest
  -h, --help         print this help

Exit codes: 0 rendered; 1 invalid configuration or stack file (nothing written); 2 bad command line.
`;

class UsageError extends Error {}

/** The command line, `"help"` for -h/--help, or a UsageError. */
function parseArgs(argv: string[]): Args | "help" {
    if (argv.includes("-h") || argv.includes("--help")) return "help";
    const rest = [...argv];
    const args: Partial<Args> = {};
    while (rest.length) {
        const a = rest.shift() as string;
        if (a === "--stack-file" || a === "--out") {
            const v = rest.shift();
            if (!v || v.startsWith("-")) throw new UsageError(`${a} needs a value`);
            if (a === "--stack-file") args.stackFile = v;
            else args.out = v;
        } else if (a === "--no-manifests") {
            args.noManifests = true;
        } else if (a.startsWith("-")) {
            throw new UsageError(`unknown option ${a}`);
        } else if (args.stack === undefined) {
            args.stack = a;
        } else {
            throw new UsageError(`unexpected argument ${a}`);
        }
    }
    if (!args.stack) throw new UsageError("missing <stack>");
    return args as Args;
}

/**
 * Run `f`, collecting into `into` what the program logs with pulumi.log.warn: without an engine
 * (the mock runtime) the SDK writes each as `warning: [runtime] <message>` with console.warn.
 * Anything else written with console.warn passes through.
 */
async function collectingRuntimeWarnings<T>(into: string[], f: () => Promise<T>): Promise<T> {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
        const m = /^warning: \[runtime\] ([\s\S]*)$/.exec(args.map(String).join(" "));
        if (m) into.push(m[1] as string);
        else warn(...args);
    };
    try {
        return await f();
    } finally {
        console.warn = warn;
    }
}

/** A file as the user would name it: relative to the working directory when inside it. */
function shown(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

export async function render(argv: string[], projectDir: string): Promise<number> {
    let args: Args | "help";
    try {
        args = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (args === "help") {
        process.stdout.write(HELP);
        return 0;
    }
    const stackFile = shown(path.resolve(args.stackFile ?? path.join(projectDir, `Pulumi.${args.stack}.yaml`)));
    const outDir = path.resolve(args.out ?? path.join(projectDir, "out", args.stack));
    let stackConfig;
    try {
        stackConfig = readStackConfig(projectDir, stackFile);
    } catch (e) {
        if (!(e instanceof StackFileError)) throw e;
        process.stderr.write(`${e.message}\n`);
        return 1;
    }

    // Plain secrets are allowed in a stack file given to render (offline tests), with a warning;
    // `pulumi up` refuses them.
    const checked = parseSettings(stackConfig.config, { plainSecretKeys: stackConfig.plainSecretKeys, plainSecretsAreWarnings: true });
    const warnings = [...checked.warnings, ...documentationValueWarnings(stackConfig.project, stackConfig.config)];
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (!checked.ok) {
        process.stderr.write(`${stackFile}: ${new ConfigError(checked.problems).message}\n`);
        return 1;
    }
    // The teams' rules and dashboards (teams/<team>/), checked with promtool and the query grammars.
    const teams = checkTeams(checked.settings, projectDir);
    if (teams.problems.length > 0) {
        process.stderr.write(`${stackFile}: team files: ${new ConfigError([...teams.problems]).message}\n`);
        return 1;
    }
    const teamWarnings = teams.promtool
        ? teams.warnings
        : ["teams/: promtool not on PATH (Debian package prometheus): team Prometheus rules were checked with the PromQL grammar only"];
    for (const w of teamWarnings) {
        warnings.push(w);
        process.stderr.write(`warning: ${w}\n`);
    }

    // Placeholders only for the secrets these settings use: what `pulumi up` would stop on.
    const required = requiredSecrets(checked.settings);
    const runConfig = keepPlaceholders(stackConfig, required.map((r) => r.key));
    const started = Date.now();
    const logged: string[] = [];
    let result: RunResult | ConfigError;
    try {
        result = await collectingRuntimeWarnings(logged, () =>
            runUnderMocks({ project: runConfig.project, stack: args.stack, config: runConfig.config, secretKeys: runConfig.secretKeys, program: main }),
        );
    } catch (e) {
        // Rules that need the built values (the platform's requests against the nodes) run in the program.
        if (!(e instanceof ConfigError)) throw e;
        result = e;
    }
    // The program logs the configuration's warnings too (for `pulumi up`): each is printed once. Its
    // team directories not deployed are the summary's own line below.
    for (const w of logged.filter((x) => !warnings.includes(x) && x !== teams.notDeployedWarning)) {
        warnings.push(w);
        process.stderr.write(`warning: ${w}\n`);
    }
    if (result instanceof ConfigError) {
        process.stderr.write(`${stackFile}: ${result.message}\n`);
        return 1;
    }
    const absent = new Set(runConfig.placeholders.filter((p) => p.reason === "absent").map((p) => p.key));
    const files = collectArtifacts({
        stack: args.stack,
        settings: checked.settings,
        run: result,
        missingSecrets: required.filter((r) => absent.has(r.key)),
        environments: runConfig.environments,
        encryptedSecrets: runConfig.placeholders.filter((p) => p.reason === "encrypted").map((p) => p.key),
        warnings,
        manifests: args.noManifests ? { ok: false, reason: "--no-manifests" } : await renderManifests(result.resources, checked.settings),
    });

    // Each team tenant's Loki rule files, as its ruler reads them (loki-rules.yaml is the platform tenant's).
    for (const [file, text] of teamTenantRuleFiles(checked.settings, teams.teams)) files.set(file, text);
    // Team directories of teams this stack does not declare: said, never silent.
    if (teams.notDeployedWarning !== undefined) {
        const summary = (files.get("summary.txt") ?? "").split("\n");
        const at = summary.includes("warnings:") ? summary.indexOf("warnings:") : summary.length - 1;
        summary.splice(at, 0, teams.notDeployedWarning);
        files.set("summary.txt", summary.join("\n"));
    }

    // Belt and braces: no secret value given to render may reach a file, in any form we wrote.
    // A secret mapping (teamSecrets) counts by each of its values too.
    const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : typeof v === "object" && v !== null ? Object.values(v).flatMap(strings) : []);
    const leaves = (v: string): string[] => {
        try {
            return strings(JSON.parse(v));
        } catch {
            return [];
        }
    };
    const secretValues = runConfig.secretKeys
        .map((k) => runConfig.config[k])
        .flatMap((v) => (v ? [v, ...leaves(v)] : []))
        .filter((v) => v.length >= 6);
    for (const [file, content] of files) {
        for (const v of secretValues) {
            if (content.includes(v)) throw new Error(`refusing to write ${file}: it would contain a secret value`);
        }
    }

    fs.rmSync(outDir, { recursive: true, force: true });
    for (const [file, content] of files) {
        const target = path.join(outDir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
    process.stdout.write(`rendered ${args.stack} to ${outDir} (${files.size} files, ${result.resources.length} resources, ${Date.now() - started} ms)\n`);
    return 0;
}

if (require.main === module) {
    render(process.argv.slice(2), path.resolve(__dirname, ".."))
        .then((code) => process.exit(code))
        .catch((e: unknown) => {
            process.stderr.write(`render failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exit(1);
        });
}
