import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { deepMerge, isPlainObject, profileFor } from "./profiles";
import { SECRET_KEYS, SETTING_KEYS, type SecretKey, type Settings, settingsSchema } from "./schema";
import { checkSettings } from "./checks";

export * from "./schema";

export const PROJECT = "plg-observability";

/** Raised when the stack's configuration is invalid; `problems` lists every one of them. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** Secret settings as secret Outputs; absent when not configured. */
export type Secrets = { readonly [K in SecretKey]?: pulumi.Output<string> };

export interface LoadedConfig {
    readonly settings: Settings;
    readonly secrets: Secrets;
}

/** Describe a given value for an error message, never longer than a line. */
function describeGiven(value: unknown): string {
    if (value === undefined) return "nothing (the key is missing and the profile has no default)";
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = obj;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p as string];
    }
    return cur;
}

/** `plg-observability:cluster.nodeGroups[0].maxSize` */
export function keyPath(path: readonly PropertyKey[]): string {
    let s = `${PROJECT}:`;
    path.forEach((p, i) => {
        if (typeof p === "number") s += `[${p}]`;
        else s += `${i === 0 ? "" : "."}${String(p)}`;
    });
    return s;
}

function zodProblem(issue: z.core.$ZodIssue, input: unknown): string[] {
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map(
            (k) =>
                `${keyPath([...issue.path, k])}: unknown key (see config/schema.ts for the keys allowed here), given ${describeGiven(valueAt(input, [...issue.path, k]))}`,
        );
    }
    const given = valueAt(input, issue.path);
    const expected = issue.message.replace(/^Invalid input: /, "");
    return [`${keyPath(issue.path)}: ${expected}, given ${describeGiven(given)}`];
}

/**
 * Pure validation of a stack's raw config (every `<project>:<key>` value as Pulumi stores it:
 * objects as JSON text, scalars as strings). Secrets are checked for presence and shape only;
 * their values never reach a message. Returns every problem at once.
 */
export function parseSettings(
    raw: Readonly<Record<string, string>>,
): { ok: true; settings: Settings } | { ok: false; problems: string[] } {
    const problems: string[] = [];
    const given: Record<string, unknown> = {};
    const secrets: Partial<Record<SecretKey, string>> = {};
    const knownSettings = new Set<string>(SETTING_KEYS);
    for (const [fullKey, value] of Object.entries(raw)) {
        const sep = fullKey.indexOf(":");
        if (fullKey.slice(0, sep) !== PROJECT) continue; // aws:region, kubernetes:... belong to providers
        const key = fullKey.slice(sep + 1);
        if (key in SECRET_KEYS) {
            secrets[key as SecretKey] = value;
        } else if (knownSettings.has(key)) {
            const looksJson = /^\s*[[{]/.test(value);
            if (looksJson) {
                try {
                    given[key] = JSON.parse(value);
                } catch {
                    problems.push(`${fullKey}: expected a YAML object, given text that does not parse`);
                }
            } else {
                given[key] = value;
            }
        } else {
            problems.push(
                `${fullKey}: unknown key; expected one of ${[...SETTING_KEYS, ...Object.keys(SECRET_KEYS)].join(", ")}`,
            );
        }
    }

    const env = given.environment;
    if (env !== "dev" && env !== "prod") {
        problems.push(`${PROJECT}:environment: expected dev or prod, given ${describeGiven(env)}`);
        return { ok: false, problems };
    }
    const profile = profileFor(env);
    // A stack that switches network mode takes none of the profile's network defaults.
    const givenNetwork = given.network;
    if (isPlainObject(givenNetwork) && isPlainObject(profile.network) && givenNetwork.mode !== undefined && givenNetwork.mode !== profile.network.mode) {
        delete profile.network;
    }
    const merged = deepMerge(profile, given);
    const parsed = settingsSchema.safeParse(merged);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(...zodProblem(issue, merged));
        return { ok: false, problems };
    }
    problems.push(...checkSettings(parsed.data, secrets).map((p) => `${keyPath(p.path)}: ${p.message}`));
    return problems.length ? { ok: false, problems } : { ok: true, settings: parsed.data };
}

/**
 * Read and validate the current stack's configuration. Throws ConfigError (before any
 * resource exists) with every problem; otherwise returns settings and secret Outputs.
 */
export function loadConfig(): LoadedConfig {
    const raw = pulumi.runtime.allConfig();
    const result = parseSettings(raw);
    if (!result.ok) throw new ConfigError(result.problems);
    const cfg = new pulumi.Config(PROJECT);
    const secrets: { [K in SecretKey]?: pulumi.Output<string> } = {};
    for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
        const value = cfg.getSecret(key);
        if (value !== undefined) secrets[key] = value;
    }
    return { settings: result.settings, secrets };
}

/** The EKS cluster's name: the one created, or the one brought. Also the `cluster` label everywhere. */
export function clusterNameOf(settings: Settings): string {
    return settings.cluster.existing?.name ?? settings.cluster.name;
}
