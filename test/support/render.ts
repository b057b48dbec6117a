import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { render } from "../../tools/render";
import { ROOT } from "./graph";

/** What one render printed, and its exit code. */
export interface RenderRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export function tmp(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Render in this process, capturing what it prints (console output of the program under mocks
 * included). Without `manifests: true` it passes --no-manifests: the tests that read manifests/ ask
 * for them; the others skip `helm template` (a second per render, dozens of renders).
 */
export async function renderQuietly(argv: string[], projectDir: string = ROOT, opts: { manifests?: boolean } = {}): Promise<RenderRun> {
    if (!opts.manifests) argv = ["--no-manifests", ...argv];
    const writeOut = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    let stdout = "";
    let stderr = "";
    process.stdout.write = ((chunk: string) => {
        stdout += chunk;
        return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => {
        stderr += chunk;
        return true;
    }) as typeof process.stderr.write;
    try {
        const code = await render(argv, projectDir);
        return { code, stdout, stderr };
    } finally {
        process.stdout.write = writeOut;
        process.stderr.write = writeErr;
    }
}

/** The real command, `npm run render -- <argv>` minus npm, in its own process: everything it prints (--no-manifests unless asked, as renderQuietly). */
export function renderCommand(argv: string[], opts: { manifests?: boolean } = {}): RenderRun {
    const args = opts.manifests ? argv : ["--no-manifests", ...argv];
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/render.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
