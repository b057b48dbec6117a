/**
 * Reads Pulumi.yaml and a stack file into the config map Pulumi would give the program,
 * for offline runs (render, tests). Keys declared `secret: true` in Pulumi.yaml, and the
 * program's secret keys (config/schema.ts), are secrets.
 * A secret that is absent, or a `secure:` value that cannot be decrypted offline, becomes the
 * key's offline placeholder (config/schema.ts), so the program runs as it would with a value;
 * `keepPlaceholders` then drops those the settings do not require.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { SECRET_KEYS, type SecretKey } from "../config/schema";
import { teamSecretsPlaceholder } from "../config/teams";

/** A secret rendered from its offline placeholder, and why no real value was available. */
export interface Placeholder {
    readonly key: SecretKey;
    /** absent: the stack file does not set it; encrypted: a `secure:` value render cannot decrypt. */
    readonly reason: "absent" | "encrypted";
}

export interface StackConfig {
    /** Project name from Pulumi.yaml. */
    project: string;
    /** Full key -> value as Pulumi stores it (objects as JSON text). */
    config: Record<string, string>;
    /** Full keys holding secrets. */
    secretKeys: string[];
    /** Secrets given a placeholder because no usable value was available offline. */
    placeholders: Placeholder[];
    /** Full keys of secrets the stack file gives in plain text rather than `secure:` (ciphertext). */
    plainSecretKeys: string[];
    /** Pulumi ESC environments the stack file imports (`environment:`): config render cannot see. */
    environments: string[];
}

/** A project or stack file that cannot be read as one: the message names the file (and line and column). */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

interface ProjectFile {
    name: string;
    config?: Record<string, { secret?: boolean; type?: string; description?: string }>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The YAML document in `file`, or a StackFileError naming the file and, for a syntax error, every
 * line and column the parser rejects (its own excerpt under each), never a stack trace.
 */
function readYamlFile(file: string, what: string): unknown {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        throw new StackFileError(`${what} not found: ${file}`);
    }
    if (stat.isDirectory()) throw new StackFileError(`${file} is a directory; expected a ${what} (a YAML file)`);
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"), { prettyErrors: true });
    if (doc.errors.length) {
        const lines = doc.errors.map((e) => {
            const at = e.linePos?.[0];
            // The parser's message: "<what> at line L, column C:\n\n<excerpt with a caret>".
            const [head = "", excerpt = ""] = e.message.split(/ at line \d+, column \d+:\n\n/);
            const indented = excerpt.replace(/\n$/, "").split("\n").map((l) => `    ${l}`).join("\n");
            return `${file}${at ? `:${at.line}:${at.col}` : ""}: YAML syntax error: ${head}${excerpt ? `\n${indented}` : ""}`;
        });
        throw new StackFileError(lines.join("\n"));
    }
    return doc.toJS();
}

export function readProjectFile(projectDir: string): ProjectFile {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = readYamlFile(file, "project file");
    if (!isPlainObject(doc) || typeof doc.name !== "string" || !doc.name) throw new StackFileError(`${file}: no project name; expected name: <project>`);
    return doc as unknown as ProjectFile;
}

/** The stack file's `config:` map and ESC imports, or a StackFileError saying what the file holds instead. */
function readStackFile(stackFile: string): { config: Record<string, unknown>; environments: string[] } {
    const doc = readYamlFile(stackFile, "stack file");
    const expected = "expected a config: section with plg-observability:<key> entries (see the README's minimal stack)";
    if (doc === null || doc === undefined) throw new StackFileError(`${stackFile} is empty; ${expected}`);
    if (!isPlainObject(doc) || !("config" in doc)) throw new StackFileError(`${stackFile} has no config: section; ${expected}`);
    if (doc.config === null) throw new StackFileError(`${stackFile}: config: is empty; ${expected}`);
    if (!isPlainObject(doc.config)) {
        throw new StackFileError(`${stackFile}: config: expected a map of keys to values, given ${Array.isArray(doc.config) ? "a list" : "a single value"}`);
    }
    const environments = Array.isArray(doc.environment) ? doc.environment.filter((e): e is string => typeof e === "string") : [];
    return { config: doc.config, environments };
}

function isSecureValue(v: unknown): boolean {
    return isPlainObject(v) && Object.keys(v).length === 1 && "secure" in v;
}

/**
 * A value `pulumi config set --secret --path` built (a mapping whose every leaf is `secure:`, as
 * teamSecrets): encrypted as a whole for render. A plain leaf among them makes it a plain secret
 * here; Pulumi itself counts a mapping with any secure leaf as a secret (config/value.go,
 * hasSecureValue), so only render can tell that one field was set without --secret.
 */
function isSecureTree(v: unknown): boolean {
    if (isSecureValue(v)) return true;
    if (Array.isArray(v)) return v.length > 0 && v.every(isSecureTree);
    return isPlainObject(v) && Object.keys(v).length > 0 && Object.values(v).every(isSecureTree);
}

/**
 * @param projectDir folder holding Pulumi.yaml
 * @param stackFile the stack's YAML file (named as given in every error)
 * @param opts.placeholders fill absent/undecryptable secrets with placeholders (render: yes; a strict test: no)
 * @throws StackFileError when either file is missing, not YAML, or has no config map
 */
export function readStackConfig(projectDir: string, stackFile: string, opts: { placeholders: boolean } = { placeholders: true }): StackConfig {
    const project = readProjectFile(projectDir);
    const { config: stack, environments } = readStackFile(stackFile);
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
    const encrypted = new Set<string>();
    const plainSecretKeys: string[] = [];
    for (const [rawKey, value] of Object.entries(stack)) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        if (isSecureValue(value) || (declaredSecret.has(key) && isSecureTree(value))) {
            secretKeys.push(key);
            encrypted.add(key);
            continue; // filled below, if a placeholder is allowed
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (declaredSecret.has(key)) {
            secretKeys.push(key);
            plainSecretKeys.push(key);
        }
    }
    const placeholders: Placeholder[] = [];
    if (opts.placeholders) {
        for (const key of declaredSecret) {
            if (config[key] !== undefined) continue;
            const short = key.slice(project.name.length + 1) as SecretKey;
            const spec = SECRET_KEYS[short];
            if (!spec) continue;
            // teamSecrets: every credential of every team the stack file names.
            config[key] = short === "teamSecrets" ? teamSecretsPlaceholder(config[`${project.name}:alerting`]) : spec.offlinePlaceholder;
            if (!secretKeys.includes(key)) secretKeys.push(key);
            placeholders.push({ key: short, reason: encrypted.has(key) ? "encrypted" : "absent" });
        }
    }
    return { project: project.name, config, secretKeys, placeholders, plainSecretKeys, environments };
}

/**
 * The same stack with placeholders only for the `required` secrets: a secret the settings do not
 * use (the key of a receiver that is off) stays absent, as the program would see it offline.
 */
export function keepPlaceholders(cfg: StackConfig, required: readonly SecretKey[]): StackConfig {
    const dropped = cfg.placeholders.filter((p) => !required.includes(p.key)).map((p) => `${cfg.project}:${p.key}`);
    const config = Object.fromEntries(Object.entries(cfg.config).filter(([k]) => !dropped.includes(k)));
    return {
        ...cfg,
        config,
        secretKeys: cfg.secretKeys.filter((k) => !dropped.includes(k)),
        placeholders: cfg.placeholders.filter((p) => required.includes(p.key)),
    };
}
