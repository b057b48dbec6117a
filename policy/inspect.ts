/**
 * Plain-data readers the policies share: resource properties as CrossGuard hands them over (plain
 * JSON, secrets unwrapped), IAM policy documents, tags, and values that look like credentials.
 * No Pulumi here, so each is tested on its own.
 */

export type Props = Record<string, unknown>;

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A list property as a list: absent is empty, a single value is a list of one. */
export function asList(v: unknown): unknown[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

/** Provider inputs reach policies as JSON text for nested values (`defaultTags`); resources give objects. */
export function parseMaybeJson(v: unknown): unknown {
    if (typeof v !== "string") return v;
    const t = v.trim();
    if (!t.startsWith("{") && !t.startsWith("[")) return v;
    try {
        return JSON.parse(t) as unknown;
    } catch {
        return v;
    }
}

/** Booleans the AWS provider types as strings ("true") or booleans. */
export function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

// ---------------------------------------------------------------- tags and environment

/** The tags an AWS provider adds to every resource it creates (`defaultTags.tags`). */
export function providerDefaultTags(providerProps: Props | undefined): Record<string, string> {
    const defaultTags = parseMaybeJson(providerProps?.defaultTags);
    const tags = isRecord(defaultTags) ? parseMaybeJson(defaultTags.tags) : undefined;
    return isRecord(tags) ? stringValues(tags) : {};
}

function stringValues(r: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

/** What AWS will tag the resource with: the provider's default tags, then the resource's own. */
export function effectiveTags(props: Props, providerProps: Props | undefined): Record<string, string> {
    const own = parseMaybeJson(props.tags);
    return { ...providerDefaultTags(providerProps), ...(isRecord(own) ? stringValues(own) : {}) };
}

// ---------------------------------------------------------------- IAM documents

export interface Statement {
    readonly Sid?: string;
    readonly Effect?: string;
    readonly Action?: string | string[];
    readonly NotAction?: string | string[];
    readonly Resource?: string | string[];
    readonly NotResource?: string | string[];
    readonly Principal?: unknown;
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** The statements of a policy document given as JSON text or an object; undefined when it is neither. */
export function statementsOf(doc: unknown): Statement[] | undefined {
    const parsed = parseMaybeJson(doc);
    if (!isRecord(parsed)) return undefined;
    return asList(parsed.Statement).filter(isRecord) as Statement[];
}

function strings(v: unknown): string[] {
    return asList(v).filter((x): x is string => typeof x === "string");
}

/** `*`, `s3:*`, `iam:*`: every action of everything or of a whole service. */
export function isWildcardAction(action: string): boolean {
    return action === "*" || /^[A-Za-z0-9-]+:\*$/.test(action);
}

/** Services whose actions must name their resources (data and keys). */
const DATA_SERVICES = ["s3", "kms"] as const;

/** Why an identity policy grants too much, one line per problem, naming the statement. */
export function broadGrants(doc: unknown): string[] {
    const statements = statementsOf(doc);
    if (!statements) return [];
    const problems: string[] = [];
    statements.forEach((s, i) => {
        if (s.Effect !== "Allow") return; // a Deny narrows; it can be as broad as it likes
        const name = s.Sid ? `statement ${s.Sid}` : `statement ${i + 1}`;
        if (s.NotAction !== undefined) problems.push(`${name} allows NotAction (everything but a list); list the actions it needs in Action`);
        const actions = strings(s.Action);
        const wild = actions.filter(isWildcardAction);
        if (wild.length) problems.push(`${name} allows ${wild.join(", ")}; list the actions it needs`);
        const resources = strings(s.Resource);
        const everywhere = resources.includes("*") || s.NotResource !== undefined;
        const data = actions.filter((a) => DATA_SERVICES.some((svc) => a.toLowerCase().startsWith(`${svc}:`)));
        if (everywhere && data.length) problems.push(`${name} allows ${data.join(", ")} on every resource; name the buckets or keys in Resource`);
    });
    return problems;
}

// ---------------------------------------------------------------- values that look like credentials

/** Credential formats recognisable by shape alone. */
const SECRET_SHAPES: readonly { readonly what: string; readonly pattern: RegExp }[] = [
    { what: "a Slack webhook URL", pattern: /hooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+/ },
    { what: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { what: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
    { what: "a Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
];

/**
 * Keys whose value is the credential itself (Alertmanager's `api_url`, `routing_key`; Grafana's
 * `adminPassword`...). Keys that name where a credential lives (`existingSecret`, `passwordKey`,
 * `api_url_file`) are not here: they are how a credential stays out of the values.
 */
const SECRET_KEY_NAMES = new Set(
    [
        "password",
        "adminPassword",
        "secret",
        "clientSecret",
        "client_secret",
        "token",
        "authToken",
        "auth_token",
        "bearer_token",
        "apiKey",
        "api_key",
        "routing_key",
        "routingKey",
        "service_key",
        "api_url",
        "webhook_url",
        "webhookUrl",
        "secretAccessKey",
        "secret_access_key",
        "aws_secret_access_key",
    ].map((k) => k.toLowerCase()),
);

/** A value that points at a credential instead of holding it: a file, an environment variable, a template. */
function isReference(v: string): boolean {
    return v === "" || v.startsWith("/") || v.startsWith("$__file{") || v.startsWith("$__env{") || /^\$\{[^}]+\}$/.test(v) || v === "[secret]";
}

/** Where in `value` something looks like a credential: `<path>: <what>`, never the value itself. */
export function secretLookingValues(value: unknown, path = ""): string[] {
    const found: string[] = [];
    const visit = (v: unknown, at: string, key: string | undefined) => {
        if (typeof v === "string") {
            const shape = SECRET_SHAPES.find((s) => s.pattern.test(v));
            if (shape) found.push(`${at || "(value)"}: ${shape.what}`);
            else if (key !== undefined && SECRET_KEY_NAMES.has(key.toLowerCase()) && !isReference(v)) found.push(`${at}: a literal ${key}`);
            return;
        }
        if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`, key));
        else if (isRecord(v)) for (const [k, x] of Object.entries(v)) visit(x, at ? `${at}.${k}` : k, k);
    };
    visit(value, path, undefined);
    return found;
}

// ---------------------------------------------------------------- versions

/** An exact chart version (SemVer 2, optional leading v): no range, no `latest`, not empty. */
export function isExactVersion(v: unknown): boolean {
    return typeof v === "string" && /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v);
}
