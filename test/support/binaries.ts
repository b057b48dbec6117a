import { execFileSync } from "node:child_process";
import type { Context } from "mocha";
import { findBinary } from "../../tools/binaries";

/**
 * Use inside a mocha `before`/`it` with `function () {}`: returns the binary's path, or skips the
 * test with a clear message when it is absent. In CI (CI set) a missing binary fails instead,
 * because .ci/run installs it.
 */
export function requireBinary(ctx: Context, name: string, debianPackage: string): string {
    const path = findBinary(name);
    if (path) return path;
    const message = `${name} not found on PATH (Debian package ${debianPackage}: apt-get install ${debianPackage})`;
    if (process.env.CI) throw new Error(`${message}; CI must install it`);
    console.warn(`  skipping: ${message}`);
    ctx.skip();
    throw new Error("unreachable");
}

/** Run a binary, returning stdout+stderr and the exit code without throwing. */
export function run(bin: string, args: string[], cwd?: string): { code: number; output: string } {
    try {
        const out = execFileSync(bin, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return { code: 0, output: out };
    } catch (e) {
        const err = e as { status?: number; stdout?: string; stderr?: string };
        return { code: err.status ?? 1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
    }
}
