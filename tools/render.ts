/**
 * Offline render of a stack: `npm run render -- <stack> [--stack-file FILE] [--out DIR]`.
 * Runs the real program under Pulumi's mock runtime and writes the desired state to DIR
 * (default out/<stack>/). Secrets appear only as `[secret]`. Invalid config: exit 1, every
 * problem on stderr, nothing written. See "Render contract" in the design notes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parseSettings } from "../config";
import { main } from "../program";
import { collectArtifacts } from "./artifacts";
import { renderManifests } from "./manifests";
import { runUnderMocks } from "./mock-run";
import { readStackConfig } from "./stack-config";

interface Args {
    stack: string;
    stackFile?: string;
    out?: string;
}

const USAGE = "usage: npm run render -- <stack> [--stack-file FILE] [--out DIR]";

function parseArgs(argv: string[]): Args {
    const rest = [...argv];
    const args: Partial<Args> = {};
    while (rest.length) {
        const a = rest.shift() as string;
        if (a === "--stack-file" || a === "--out") {
            const v = rest.shift();
            if (!v) throw new UsageError(`${a} needs a value`);
            if (a === "--stack-file") args.stackFile = v;
            else args.out = v;
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

class UsageError extends Error {}

export async function render(argv: string[], projectDir: string): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    const stackFile = path.resolve(args.stackFile ?? path.join(projectDir, `Pulumi.${args.stack}.yaml`));
    if (!fs.existsSync(stackFile)) {
        process.stderr.write(`stack file not found: ${stackFile}\n`);
        return 1;
    }
    const outDir = path.resolve(args.out ?? path.join(projectDir, "out", args.stack));
    const stackConfig = readStackConfig(projectDir, stackFile);

    const checked = parseSettings(stackConfig.config);
    if (!checked.ok) {
        process.stderr.write(`${stackFile}: invalid configuration (${checked.problems.length} problems):\n`);
        for (const p of checked.problems) process.stderr.write(`  - ${p}\n`);
        return 1;
    }

    const started = Date.now();
    let result;
    try {
        result = await runUnderMocks({ project: stackConfig.project, stack: args.stack, config: stackConfig.config, secretKeys: stackConfig.secretKeys, program: main });
    } catch (e) {
        if (e instanceof ConfigError) {
            for (const p of e.problems) process.stderr.write(`  - ${p}\n`);
            return 1;
        }
        throw e;
    }
    const files = collectArtifacts({
        stack: args.stack,
        settings: checked.settings,
        run: result,
        placeholders: stackConfig.placeholders,
        manifests: await renderManifests(result.resources, checked.settings),
    });

    // Belt and braces: no secret value given to render may reach a file, in any form we wrote.
    const secretValues = stackConfig.secretKeys.map((k) => stackConfig.config[k]).filter((v): v is string => !!v && v.length >= 6);
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
