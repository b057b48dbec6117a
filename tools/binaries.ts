import { spawnSync } from "node:child_process";

/** Absolute path of an executable on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    const path = r.stdout.trim();
    return r.status === 0 && path ? path : undefined;
}
