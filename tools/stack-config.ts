/**
 * Reads Pulumi.yaml and a stack file into the config map Pulumi would give the program,
 * for offline runs (render, tests). Keys declared `secret: true` in Pulumi.yaml, and the
 * program's secret keys (config/schema.ts), are secrets.
 * A secret that is absent, or a `secure:` value that cannot be decrypted offline, becomes the
 * key's offline placeholder (config/schema.ts), so the program runs as it would with a value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { SECRET_KEYS, type SecretKey } from "../config/schema";

export interface StackConfig {
    /** Project name from Pulumi.yaml. */
    project: string;
    /** Full key -> value as Pulumi stores it (objects as JSON text). */
    config: Record<string, string>;
    /** Full keys holding secrets. */
    secretKeys: string[];
    /** Secret keys given a placeholder because no usable value was available offline. */
    placeholders: string[];
}

interface ProjectFile {
    name: string;
    config?: Record<string, { secret?: boolean; type?: string; description?: string }>;
}

export function readProjectFile(projectDir: string): ProjectFile {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as ProjectFile;
    if (!doc?.name) throw new Error(`${file}: no project name`);
    return doc;
}

function isSecureValue(v: unknown): boolean {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/**
 * @param projectDir folder holding Pulumi.yaml
 * @param stackFile the stack's YAML file
 * @param opts.placeholders fill absent/undecryptable secrets with placeholders (render: yes; a strict test: no)
 */
export function readStackConfig(projectDir: string, stackFile: string, opts: { placeholders: boolean } = { placeholders: true }): StackConfig {
    const project = readProjectFile(projectDir);
    const stack = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    // Secrets: what Pulumi.yaml declares `secret: true`, plus the program's own secret keys (an
    // optional secret cannot be declared there without becoming required in every stack).
    const declaredSecret = new Set([
        ...Object.entries(project.config ?? {})
            .filter(([, v]) => v?.secret === true)
            .map(([k]) => (k.includes(":") ? k : `${project.name}:${k}`)),
        ...Object.keys(SECRET_KEYS).map((k) => `${project.name}:${k}`),
    ]);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const placeholders: string[] = [];
    for (const [rawKey, value] of Object.entries(stack.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        if (isSecureValue(value)) {
            secretKeys.push(key);
            continue; // filled below, if a placeholder is allowed
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (declaredSecret.has(key)) secretKeys.push(key);
    }
    if (opts.placeholders) {
        for (const key of declaredSecret) {
            if (config[key] !== undefined) continue;
            const short = key.slice(project.name.length + 1) as SecretKey;
            const spec = SECRET_KEYS[short];
            if (!spec) continue;
            config[key] = spec.offlinePlaceholder;
            if (!secretKeys.includes(key)) secretKeys.push(key);
            placeholders.push(short);
        }
    }
    return { project: project.name, config, secretKeys, placeholders };
}
