import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type SettingPath, guardedView, pathId, runChecks } from "./checks";
import { deepMerge, isPlainObject, profileFor } from "./profiles";
import { type AwsSettings, SECRET_KEYS, SETTING_KEYS, type SecretKey, type Settings, settingsSchema } from "./schema";
import { type IssueParams, closest } from "./validators";
import { TEAM_SECRET_FIELDS, type TeamSecretFieldName, teamSecretPath } from "./teams";

export * from "./schema";

export const PROJECT = "plg-observability";

/** "1 problem", "3 problems". */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
    return `${n} ${n === 1 ? noun : plural}`;
}

/** Raised when the stack's configuration is invalid; `problems` lists every one of them. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid configuration (${countOf(problems.length, "problem")}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** Secret settings as secret Outputs; absent when not configured. */
export type Secrets = { readonly [K in SecretKey]?: pulumi.Output<string> };

export interface LoadedConfig {
    readonly settings: Settings;
    readonly secrets: Secrets;
}

export interface ParseOptions {
    /** Full keys (`plg-observability:pagerdutyRoutingKey`) of secrets given in plain text rather than as Pulumi secrets. */
    readonly plainSecretKeys?: readonly string[];
    /** Report plain-text secrets as warnings (render of a --stack-file, for offline tests) instead of problems (`pulumi up`). */
    readonly plainSecretsAreWarnings?: boolean;
    /** Today (default: now), for date-dependent rules such as EKS support windows. */
    readonly today?: Date;
}

export type ParseResult = { ok: true; settings: Settings; warnings: string[] } | { ok: false; problems: string[]; warnings: string[] };

// ------------------------------------------------------------------ key paths and given values

/** `plg-observability:cluster.nodeGroups[0].maxSize`, `plg-observability:aws.tags["aws:owner"]` (as `pulumi config set --path` reads it). */
export function keyPath(path: readonly PropertyKey[]): string {
    let s = `${PROJECT}:`;
    path.forEach((p, i) => {
        if (typeof p === "number") s += `[${p}]`;
        else if (i > 0 && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(p))) s += `[${JSON.stringify(String(p))}]`;
        else s += `${i === 0 ? "" : "."}${String(p)}`;
    });
    return s;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = obj;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p as string];
    }
    return cur;
}

/** A string that may be a credential: it never enters a message, whatever key it was given under. */
function looksSecret(s: string): boolean {
    return (
        Object.values(SECRET_KEYS).some((spec) => spec.looksValid(s)) ||
        /hooks\.slack\.com|:\/\/[^/\s]*:[^@/\s]*@/i.test(s) ||
        /^[A-Za-z0-9+/_=-]{32,}$/.test(s)
    );
}

function holdsSecret(v: unknown): boolean {
    if (typeof v === "string") return looksSecret(v);
    if (Array.isArray(v)) return v.some(holdsSecret);
    if (isPlainObject(v)) return Object.values(v).some(holdsSecret);
    return false;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "a mapping (indented key: value lines)",
    array: "a list",
    record: "a mapping (indented key: value lines)",
};

/**
 * What was given, for a message. A value that may be a credential is never shown, nor is one given
 * where a mapping or list belongs (it was likely meant for another key).
 */
function describeGiven(value: unknown, expectedType?: string, wasNumber = false): string {
    if (value === undefined) return "nothing (set it in the stack file)";
    if (value === null) return "an empty value";
    if (holdsSecret(value)) return "a value that looks like a secret (not shown)";
    const isContainer = value !== null && typeof value === "object";
    if ((expectedType === "object" || expectedType === "array" || expectedType === "record") && !isContainer) {
        return `a single value, not ${TYPE_WORDS[expectedType]}`;
    }
    if (expectedType !== undefined && isContainer && (expectedType === "array") !== Array.isArray(value)) {
        return Array.isArray(value) ? "a list" : "a mapping";
    }
    if (expectedType === "number" && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
        return `the text ${JSON.stringify(value)} (write the number without quotes)`;
    }
    if (wasNumber) {
        return `the number ${String(value)} (YAML reads an unquoted 1.30 as the number 1.3: put the value in quotes)`;
    }
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ------------------------------------------------------------------ the stack's raw keys

interface RawRead {
    given: Record<string, unknown>;
    secrets: Partial<Record<SecretKey, string>>;
    problems: string[];
    warnings: string[];
}

/** Where a key of another namespace belongs, for the warning that says it is ignored. */
function foreignKeyWarning(fullKey: string): string {
    const [ns = "", ...rest] = fullKey.split(":");
    const key = rest.join(":");
    if (ns === "aws") {
        const mapped: Record<string, string> = { region: "aws.region", defaultTags: "aws.tags" };
        const target = mapped[key];
        return target
            ? `${fullKey}: ignored: the program configures its own AWS provider; set ${PROJECT}:${target} instead`
            : `${fullKey}: ignored: the program's AWS provider takes only ${PROJECT}:aws (region, tags); credentials come from the environment (AWS_PROFILE or the AWS_* variables)`;
    }
    if (ns === "kubernetes") return `${fullKey}: ignored: the program's Kubernetes provider is built from the cluster's own kubeconfig`;
    return `${fullKey}: ignored: this program reads only ${PROJECT}:* settings`;
}

function readRaw(raw: Readonly<Record<string, string>>): RawRead {
    const out: RawRead = { given: {}, secrets: {}, problems: [], warnings: [] };
    const known = [...SETTING_KEYS, ...Object.keys(SECRET_KEYS)] as string[];
    for (const [fullKey, value] of Object.entries(raw)) {
        const sep = fullKey.indexOf(":");
        const ns = sep < 0 ? PROJECT : fullKey.slice(0, sep);
        const key = fullKey.slice(sep + 1);
        if (ns === "pulumi") continue; // the engine's own settings
        if (ns !== PROJECT) {
            out.warnings.push(foreignKeyWarning(fullKey));
            continue;
        }
        if (key in SECRET_KEYS) {
            out.secrets[key as SecretKey] = value;
        } else if ((SETTING_KEYS as readonly string[]).includes(key)) {
            if (/^\s*[[{]/.test(value)) {
                try {
                    out.given[key] = JSON.parse(value);
                } catch {
                    out.problems.push(`${PROJECT}:${key}: expected a YAML mapping, given text that does not parse as one`);
                }
            } else {
                out.given[key] = value;
            }
        } else if (/[.[]/.test(key) && known.includes(key.split(/[.[]/)[0] ?? "")) {
            // `pulumi config set cluster.name x` (no --path) stores one flat key with a dot in its name.
            const top = key.split(/[.[]/)[0] ?? "";
            out.problems.push(
                `${fullKey}: a key with a dot is one flat key, not a setting inside ${top}; set it with \`pulumi config set --path '${key}' <value>\`, or nest it under ${PROJECT}:${top} in the stack file`,
            );
        } else {
            const guess = closest(key, known);
            out.problems.push(`${fullKey}: unknown key${guess ? ` (did you mean ${guess}?)` : ""}; expected one of ${known.join(", ")}`);
        }
    }
    return out;
}

// ------------------------------------------------------------------ zod, in the user's words

type Issue = z.core.$ZodIssue;

/** The schema at `path` of `input`, following discriminated unions by the value given. */
function schemaAt(schema: z.core.$ZodType, input: unknown, path: readonly PropertyKey[]): z.core.$ZodType | undefined {
    let cur: z.core.$ZodType | undefined = schema;
    for (let i = 0; i <= path.length && cur; i++) {
        while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.core.$ZodType;
        if (cur instanceof z.ZodDiscriminatedUnion) {
            const value = valueAt(input, path.slice(0, i));
            cur = unionOption(cur, value);
            continue;
        }
        if (i === path.length || !cur) break;
        const seg = path[i];
        if (cur instanceof z.ZodObject) cur = (cur.shape as Record<string, z.core.$ZodType>)[String(seg)];
        else if (cur instanceof z.ZodArray) cur = cur.element as z.core.$ZodType;
        else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.core.$ZodType;
        else return undefined;
    }
    return cur;
}

function unionOption(union: z.ZodDiscriminatedUnion, value: unknown): z.core.$ZodType | undefined {
    const disc = union.def.discriminator;
    if (!isPlainObject(value)) return undefined;
    return union.options.find((o) => o instanceof z.ZodObject && (o.shape as Record<string, z.ZodType>)[disc]?.safeParse(value[disc]).success);
}

const authored = (message: string): boolean => message.startsWith("expected");

/** "expected ..." for an issue whose message zod wrote. */
function expectedOf(issue: Issue): string {
    if (authored(issue.message)) return issue.message;
    switch (issue.code) {
        case "invalid_type":
            return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
        case "too_small": {
            const n = Number(issue.minimum);
            if (issue.origin === "array" || issue.origin === "set") return `expected at least ${countOf(n, "entry", "entries")}`;
            if (issue.origin === "string") return `expected at least ${countOf(n, "character")}`;
            return issue.inclusive ? `expected a number of at least ${n}` : `expected a number above ${n}`;
        }
        case "too_big": {
            const n = Number(issue.maximum);
            if (issue.origin === "array" || issue.origin === "set") return `expected at most ${countOf(n, "entry", "entries")}`;
            if (issue.origin === "string") return `expected at most ${countOf(n, "character")}`;
            return issue.inclusive ? `expected a number of at most ${n}` : `expected a number below ${n}`;
        }
        case "invalid_value":
            return `expected ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(", ")}`}`;
        case "not_multiple_of":
            return `expected a multiple of ${String(issue.divisor)}`;
        default:
            return "expected a value of another form (see config/schema.ts)";
    }
}

function expectedTypeOf(issue: Issue): string | undefined {
    if (issue.code === "invalid_type") return issue.expected;
    return undefined;
}

/**
 * What a mapping that takes no key expects (`{}`): for a team receiver whose only setting is its
 * credential (pagerduty, msteams, webhook), where that credential goes instead.
 */
function expectedOfEmptyMapping(input: unknown, path: readonly PropertyKey[]): string {
    const [a, b, i, receiver] = path;
    const field = (Object.keys(TEAM_SECRET_FIELDS) as TeamSecretFieldName[]).find((f) => TEAM_SECRET_FIELDS[f].receiver === receiver);
    const team = valueAt(input, [...path.slice(0, -1), "name"]);
    if (a !== "alerting" || b !== "teams" || typeof i !== "number" || path.length !== 4 || field === undefined || typeof team !== "string") return "expected an empty mapping {}";
    const what = field.endsWith("RoutingKey") ? "routing key" : "URL";
    const secret = teamSecretPath(team, field);
    return `expected an empty mapping {}: the ${what} is the secret ${secret} (pulumi config set --secret --path '${secret}' <value>)`;
}

/** One line per problem: the full key, what was expected, what was given. */
function describeIssue(issue: Issue, input: unknown, numbersAsText: ReadonlySet<string>): string[] {
    if (issue.code === "unrecognized_keys") {
        const shape = schemaAt(settingsSchema, input, issue.path);
        const allowed = shape instanceof z.ZodObject ? Object.keys(shape.shape) : [];
        return issue.keys.map((k) => {
            if (allowed.length === 0) return `${keyPath([...issue.path, k])}: unknown key; ${expectedOfEmptyMapping(input, issue.path)}`;
            const guess = closest(k, allowed);
            return `${keyPath([...issue.path, k])}: unknown key${guess ? ` (did you mean ${guess}?)` : ""}; expected one of ${allowed.join(", ")}`;
        });
    }
    if (issue.code === "invalid_key") {
        const key = String(issue.path[issue.path.length - 1]);
        const inner = issue.issues[0];
        const expected = inner ? expectedOf(inner as Issue) : "expected another key";
        const shown = key.length > 60 ? `${key.slice(0, 57)}...` : key;
        return [`${keyPath(issue.path)}: ${expected}, given the key ${JSON.stringify(shown)}${key.length > 60 ? ` (${key.length} characters)` : ""}`];
    }
    const value = valueAt(input, issue.path);
    let given: string;
    if ((issue.code === "too_small" || issue.code === "too_big") && (issue.origin === "array" || issue.origin === "string") && value !== undefined) {
        const n = Array.isArray(value) ? value.length : String(value).length;
        given = issue.origin === "array" ? countOf(n, "entry", "entries") : countOf(n, "character");
    } else {
        given = describeGiven(value, expectedTypeOf(issue), numbersAsText.has(pathId(issue.path as SettingPath)));
    }
    const hint = issue.code === "custom" ? (issue.params as IssueParams | undefined)?.hint : undefined;
    return [`${keyPath(issue.path)}: ${expectedOf(issue)}, given ${given}${hint ? ` (${hint})` : ""}`];
}

/** An issue about a string setting given a number (YAML reads `kubernetesVersion: 1.33` as a number). */
function wantsText(issue: Issue): boolean {
    if (issue.code === "invalid_type") return issue.expected === "string";
    if (issue.code === "invalid_value") return issue.values.every((v) => typeof v === "string");
    return false;
}

function setAt(obj: unknown, path: readonly PropertyKey[], value: unknown): void {
    const parent = valueAt(obj, path.slice(0, -1));
    if (parent !== null && typeof parent === "object") (parent as Record<PropertyKey, unknown>)[path[path.length - 1] as string] = value;
}

/**
 * Validate, reading a number given where text is expected as that text (unambiguous: 1.33 is
 * "1.33"). Where the text is still wrong (1.30 arrives as 1.3) the message says to quote it.
 */
function validate(merged: unknown): { input: unknown; result: ReturnType<typeof settingsSchema.safeParse>; numbersAsText: Set<string> } {
    const input: unknown = structuredClone(merged);
    const numbersAsText = new Set<string>();
    let result = settingsSchema.safeParse(input);
    if (!result.success) {
        for (const issue of result.error.issues) {
            const v = valueAt(input, issue.path);
            if (typeof v === "number" && Number.isFinite(v) && wantsText(issue)) {
                setAt(input, issue.path, String(v));
                numbersAsText.add(pathId(issue.path as SettingPath));
            }
        }
        if (numbersAsText.size > 0) result = settingsSchema.safeParse(input);
    }
    return { input, result, numbersAsText };
}

/** Paths zod refused: a check that reads one of them is skipped. */
function invalidPaths(issues: readonly Issue[]): Set<string> {
    const out = new Set<string>();
    for (const issue of issues) {
        if (issue.code === "unrecognized_keys") for (const k of issue.keys) out.add(pathId([...issue.path, k] as SettingPath));
        else out.add(pathId(issue.path as SettingPath));
    }
    return out;
}

/**
 * The settings as far as they are valid: every subtree without a problem parsed (defaults
 * filled), the rest left as given (a check reading it is skipped).
 */
function settle(schema: z.core.$ZodType, value: unknown, path: SettingPath, invalid: ReadonlySet<string>): unknown {
    const prefix = pathId(path).slice(0, -1);
    const hasInvalid = [...invalid].some((p) => p === pathId(path) || p.startsWith(path.length ? `${prefix},` : "["));
    if (!hasInvalid) {
        const r = z.safeParse(schema, value);
        return r.success ? r.data : value;
    }
    if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return value === undefined ? value : settle(schema.unwrap() as z.core.$ZodType, value, path, invalid);
    if (schema instanceof z.ZodDiscriminatedUnion) {
        const option = unionOption(schema, value);
        return option ? settle(option, value, path, invalid) : value;
    }
    if (schema instanceof z.ZodObject && isPlainObject(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, field] of Object.entries(schema.shape as Record<string, z.core.$ZodType>)) {
            const v = settle(field, value[k], [...path, k], invalid);
            if (v !== undefined) out[k] = v;
        }
        return out;
    }
    if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((v, i) => settle(schema.element as z.core.$ZodType, v, [...path, i], invalid));
    if (schema instanceof z.ZodRecord && isPlainObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, settle(schema.valueType as z.core.$ZodType, v, [...path, k], invalid)]));
    }
    return value;
}

// ------------------------------------------------------------------ parse

/**
 * Pure validation of a stack's raw config (every `<namespace>:<key>` value as Pulumi stores it:
 * objects as JSON text, scalars as strings). Returns every problem at once: each key's type and
 * range, and every cross-key rule whose inputs are valid. Secrets are checked for presence and
 * shape only; their values, and any value given under a wrong or unknown key, never reach a message.
 */
export function parseSettings(raw: Readonly<Record<string, string>>, opts: ParseOptions = {}): ParseResult {
    const { given, secrets, problems, warnings } = readRaw(raw);

    for (const fullKey of opts.plainSecretKeys ?? []) {
        const key = fullKey.slice(fullKey.indexOf(":") + 1);
        const fix = `\`pulumi config set --secret ${key} <value>\``;
        if (opts.plainSecretsAreWarnings) {
            warnings.push(`${fullKey}: a secret given in plain text (render accepts it for an offline run; \`pulumi up\` refuses it); store it encrypted with ${fix}`);
        } else {
            // Plain in the stack file or in an imported ESC environment (a value not marked fn::secret).
            problems.push(`${fullKey}: expected a secret, given plain text that anyone who can read the stack's configuration sees; store it encrypted with ${fix}`);
        }
    }

    const env = given.environment;
    if (env !== "dev" && env !== "prod") {
        problems.push(`${PROJECT}:environment: expected dev or prod, given ${describeGiven(env)}`);
        return { ok: false, problems, warnings };
    }
    const profile = profileFor(env);
    // A stack that switches network mode takes none of the profile's network defaults.
    const givenNetwork = given.network;
    if (isPlainObject(givenNetwork) && isPlainObject(profile.network) && givenNetwork.mode !== undefined && givenNetwork.mode !== profile.network.mode) {
        delete profile.network;
    }
    // A cluster by kubeconfig has no AWS account: the profile's aws defaults would make it look half set.
    if (isPlainObject(given.cluster) && given.cluster.kubeconfig !== undefined) delete profile.aws;
    const { input, result, numbersAsText } = validate(deepMerge(profile, given));
    const issues = result.success ? [] : result.error.issues;
    for (const issue of issues) problems.push(...describeIssue(issue, input, numbersAsText));

    const invalid = invalidPaths(issues);
    const settled = (result.success ? result.data : settle(settingsSchema, input, [], invalid)) as Settings;
    const checked = runChecks(guardedView(settled, invalid), { secrets, given, ...(opts.today ? { today: opts.today } : {}) });
    problems.push(...checked.problems.map((p) => `${keyPath(p.path)}: ${p.message}`));
    warnings.push(...checked.warnings.map((p) => `${keyPath(p.path)}: ${p.message}`));

    const unique = (list: string[]) => [...new Set(list)];
    if (problems.length > 0 || !result.success) return { ok: false, problems: unique(problems), warnings: unique(warnings) };
    return { ok: true, settings: result.data, warnings: unique(warnings) };
}

/** `pulumi.runtime.isConfigSecret` exists at run time (runtime/config.js) but is not in the SDK's types. */
type IsConfigSecret = (key: string) => boolean;
function runtimeIsConfigSecret(): IsConfigSecret | undefined {
    const fn = (pulumi.runtime as unknown as { isConfigSecret?: unknown }).isConfigSecret;
    return typeof fn === "function" ? (fn as IsConfigSecret) : undefined;
}

/**
 * Read and validate the current stack's configuration. Logs every warning, then throws ConfigError
 * (before any resource exists) with every problem; otherwise returns settings and secret Outputs.
 */
export function loadConfig(): LoadedConfig {
    const raw = pulumi.runtime.allConfig();
    const isSecret = runtimeIsConfigSecret();
    const plainSecretKeys = isSecret ? Object.keys(SECRET_KEYS).map((k) => `${PROJECT}:${k}`).filter((k) => raw[k] !== undefined && !isSecret(k)) : [];
    const result = parseSettings(raw, { plainSecretKeys });
    for (const w of result.warnings) pulumi.log.warn(w);
    if (!result.ok) throw new ConfigError(result.problems);
    const cfg = new pulumi.Config(PROJECT);
    const secrets: { [K in SecretKey]?: pulumi.Output<string> } = {};
    for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
        const value = cfg.getSecret(key);
        if (value !== undefined) secrets[key] = value;
    }
    return { settings: result.settings, secrets };
}

/** The EKS cluster's name: the one brought, or the one created. Also the `cluster` label everywhere. */
export function clusterNameOf(settings: Settings): string {
    const name = settings.cluster.existing?.name ?? settings.cluster.name;
    // parseSettings refuses a created (or kubeconfig) cluster without a name (config/checks.ts).
    if (name === undefined) throw new Error("cluster.name is unset for a created cluster: settings were not validated by parseSettings");
    return name;
}

/** Where the platform lands: an EKS cluster created, one brought (cluster.existing), or any cluster by kubeconfig context. */
export type ClusterTarget = "created" | "existing" | "kubeconfig";

export function clusterTargetOf(settings: Settings): ClusterTarget {
    if (settings.cluster.kubeconfig !== undefined) return "kubeconfig";
    return settings.cluster.existing !== undefined ? "existing" : "created";
}

/** The AWS settings of a stack on EKS; parseSettings requires them unless cluster.kubeconfig (config/checks.ts). */
export function awsOf(settings: Settings): AwsSettings {
    if (settings.aws === undefined) throw new Error("aws is unset on a stack whose cluster is on AWS: settings were not validated by parseSettings");
    return settings.aws;
}

/** The AWS Load Balancer Controller is installed on a created EKS cluster, and on a brought one that asks for it. */
export function installsLoadBalancerController(settings: Settings): boolean {
    const target = clusterTargetOf(settings);
    return target === "created" || (target === "existing" && settings.cluster.existing?.installLoadBalancerController === true);
}
