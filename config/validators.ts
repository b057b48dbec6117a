import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import { parseDuration } from "../components/k8s/metrics/promql";

/**
 * Reusable zod validators for the shapes config keeps asking for. Each message says what is
 * expected, starting with "expected"; the loader (config/index.ts) adds what was given. A message
 * that needs a hint about the given value passes it as `params.hint` (see `issueWithHint`).
 */

/** Extra text after "given ...", for a custom issue (`did you mean eu-west-1?`, `write 1w1d`). */
export interface IssueParams {
    readonly hint?: string;
}

/** The custom issue a refinement adds: its message says what is expected; the hint follows what was given. */
export function issueWithHint(message: string, hint?: string): { code: "custom"; message: string; params?: IssueParams } {
    return hint === undefined ? { code: "custom", message } : { code: "custom", message, params: { hint } };
}

/** Text matching `re`; `expected` is the message for a wrong type and for a wrong shape alike. */
export function text(re: RegExp, expected: string) {
    return z.string({ message: expected }).regex(re, { message: expected });
}

// ------------------------------------------------------------------ durations

const DURATION_EXPECTED = "expected a duration such as 30s, 5m, 1h30m or 15d (units y w d h m s ms, largest first, each at most once)";
const DURATION_UNITS = ["y", "w", "d", "h", "m", "s", "ms"] as const;

/** The same duration written as Prometheus accepts it, when `text` only has its units out of order or repeated ("1d1w" -> "1w1d"). */
function reorderedDuration(text: string): string | undefined {
    const parts = [...text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
    const byUnit = new Map<string, number>();
    for (const p of parts) byUnit.set(p[2] as string, (byUnit.get(p[2] as string) ?? 0) + Number(p[1]));
    return DURATION_UNITS.filter((u) => byUnit.has(u))
        .map((u) => `${byUnit.get(u)}${u}`)
        .join("");
}

/**
 * What is wrong with a duration setting, or undefined. One grammar for every duration: Prometheus's
 * own (components/k8s/metrics/promql.ts parseDuration), which Alertmanager and Loki use too.
 */
export function durationProblem(value: string, zero: "allowed" | "refused"): { message: string; hint?: string } | undefined {
    let ms: number;
    try {
        ms = parseDuration(value);
    } catch {
        const reordered = reorderedDuration(value);
        if (reordered !== undefined) return { message: DURATION_EXPECTED, hint: `write ${reordered}` };
        if (/^\d+$/.test(value)) return { message: DURATION_EXPECTED, hint: `add a unit, such as ${value}s or ${value}m` };
        return { message: DURATION_EXPECTED };
    }
    if (ms === 0 && zero === "refused") return { message: "expected a duration above zero, such as 30s, 5m or 1h" };
    return undefined;
}

function durationSchema(zero: "allowed" | "refused") {
    return z.string({ message: DURATION_EXPECTED }).superRefine((v, ctx) => {
        const problem = durationProblem(v, zero);
        if (problem) ctx.addIssue(issueWithHint(problem.message, problem.hint));
    });
}

/** A Prometheus duration above zero: 30s, 5m, 1h30m, 15d, 2w, 1y. */
export const duration = durationSchema("refused");

/** A Prometheus duration where 0 means "off" (Alertmanager's group_wait, Loki's query length limit). */
export const durationOrZero = durationSchema("allowed");

/** Seconds in a valid Prometheus duration (for cross-field checks). */
export function durationSeconds(d: string): number {
    return parseDuration(d) / 1000;
}

/** Prometheus retention size: 40GB, 512MB. */
export const byteSize = text(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, "expected a size such as 512MB or 40GB (no space)");

// ------------------------------------------------------------------ networks

function ipv4ToInt(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4) return undefined;
    let n = 0;
    for (const p of parts) {
        if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
        n = n * 256 + Number(p);
    }
    return n;
}

/** Parse an IPv4 CIDR into [network, prefix], or undefined when malformed or host bits are set. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (!m) return undefined;
    const base = ipv4ToInt(m[1] as string);
    const prefix = Number(m[2]);
    if (base === undefined || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) return undefined;
    return { base, prefix };
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
    const o = parseCidr(outer);
    const i = parseCidr(inner);
    if (!o || !i || i.prefix < o.prefix) return false;
    return Math.floor(i.base / 2 ** (32 - o.prefix)) === o.base / 2 ** (32 - o.prefix);
}

const CIDR_EXPECTED = "expected an IPv4 CIDR such as 10.0.0.0/16 (no host bits set)";
export const cidr = z.string({ message: CIDR_EXPECTED }).refine((s) => parseCidr(s) !== undefined, { message: CIDR_EXPECTED });

/** A list whose entries must differ (subnets, labels): a repeat is reported at its own index. */
export function uniqueList<T extends z.ZodType<string>>(entry: T, what: string) {
    return z.array(entry).superRefine((list, ctx) => {
        list.forEach((v, i) => {
            const first = list.indexOf(v);
            if (first < i) ctx.addIssue({ ...issueWithHint(`expected each ${what} once`, `also at [${first}]`), path: [i] });
        });
    });
}

export const subnetId = text(/^subnet-[0-9a-f]{8,17}$/, "expected a subnet id such as subnet-0123456789abcdef0");
export const vpcId = text(/^vpc-[0-9a-f]{8,17}$/, "expected a VPC id such as vpc-0123456789abcdef0");

// ------------------------------------------------------------------ AWS

/** IAM role or user ARN (a principal that can be granted cluster access). */
export const iamPrincipalArn = text(
    /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
    "expected an IAM role or user ARN such as arn:aws:iam::123456789012:role/Admin",
);

export const iamRoleArn = text(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "expected an IAM role ARN such as arn:aws:iam::123456789012:role/Deployer");

export const oidcProviderArn = text(
    /^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/.+$/,
    "expected an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
);

export const acmCertificateArn = text(
    /^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
    "expected an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/uuid",
);

/**
 * Every region code the program's AWS provider knows: @pulumi/aws's Region enum (commercial, China,
 * GovCloud, the ISO partitions and the European Sovereign Cloud). It holds every region of the AWS
 * SDK's partitions.json (aws-sdk-js-v3, packages/util-endpoints/src/lib/aws/partitions.json) and the
 * newest ones (ap-east-2, ap-southeast-6); a provider upgrade brings new regions here.
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

/** Levenshtein distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = cur;
    }
    return prev[b.length] ?? 0;
}

/**
 * The candidate `word` most likely meant, if any: case-insensitive, at most two edits away, or one
 * word the start of the other (retentionTime -> retention, slackWebhook -> slackWebhookUrl).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
    const w = word.toLowerCase();
    let best: string | undefined;
    let bestDistance = Math.min(2, Math.floor(w.length / 3));
    for (const c of candidates) {
        const lc = c.toLowerCase();
        const prefix = Math.min(w.length, lc.length) >= 4 && (w.startsWith(lc) || lc.startsWith(w));
        const d = prefix ? 1 : editDistance(w, lc);
        if (d <= bestDistance && (best === undefined || d < bestDistance)) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

const REGION_EXPECTED = "expected an AWS region code such as eu-west-1 or us-east-1";
export const awsRegion = z.string({ message: REGION_EXPECTED }).superRefine((v, ctx) => {
    if (AWS_REGIONS.includes(v)) return;
    const guess = closest(v, AWS_REGIONS);
    ctx.addIssue(issueWithHint(REGION_EXPECTED, guess ? `did you mean ${guess}?` : undefined));
});

/**
 * AWS tag keys and values, as every tagged service (EC2, EKS, IAM, S3, KMS, CloudWatch Logs) takes
 * them: the AWS "Tagging AWS resources" guide's limits (key 1-128, value 0-256 characters; letters,
 * digits, spaces and _ . : / = + - @) and its reserved `aws:` prefix, in any case.
 */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY_EXPECTED = "expected a tag key of 1 to 128 letters, digits, spaces or _ . : / = + - @";
export const awsTagKey = z
    .string()
    .min(1, { message: TAG_KEY_EXPECTED })
    .max(128, { message: TAG_KEY_EXPECTED })
    .regex(TAG_CHARACTERS, { message: TAG_KEY_EXPECTED })
    .refine((k) => !/^aws:/i.test(k), { message: "expected a tag key without the aws: prefix (AWS reserves it for its own tags)" });
const TAG_VALUE_EXPECTED = "expected a tag value of at most 256 letters, digits, spaces or _ . : / = + - @";
export const awsTagValue = z.string({ message: TAG_VALUE_EXPECTED }).max(256, { message: TAG_VALUE_EXPECTED }).regex(TAG_CHARACTERS, { message: TAG_VALUE_EXPECTED });

/**
 * AWS allows 50 tags on a resource; the program adds up to 5 of its own (pulumi:project,
 * pulumi:stack, Name, and the kubernetes.io subnet tags).
 */
export const MAX_USER_TAGS = 45;

/** EKS CreateCluster's name constraint (EKS API reference): 1-100 characters, ^[0-9A-Za-z][A-Za-z0-9\-_]*$. */
export const eksClusterName = text(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, "expected an EKS cluster name: a letter or digit, then letters, digits, - and _ (at most 100)");

export const hostname = text(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "expected a DNS hostname such as grafana.example.com");

function isHttpsUrl(s: string): boolean {
    try {
        return new URL(s).protocol === "https:";
    } catch {
        return false;
    }
}

export const httpsUrl = z.string({ message: "expected an https:// URL" }).refine(isHttpsUrl, { message: "expected an https:// URL" });

/**
 * Base URL of the runbooks. It is pasted into alert annotations, which Prometheus and Loki's ruler
 * expand as Go templates: `{{` or `}}` in it would make promtool and the ruler refuse the rule file.
 */
export const runbookBaseUrl = httpsUrl.refine((s) => !/{{|}}/.test(s), {
    message: "expected an https:// URL without {{ or }} (alert annotations are Go templates)",
});

/** Prometheus label name. */
export const labelName = text(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "expected a Prometheus label name such as namespace");

/** Kubernetes label value / DNS-1123 label. */
export const dnsLabel = text(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "expected a lowercase DNS label (a-z, 0-9, -; at most 63)");

export const kubernetesLabels = z.record(
    text(/^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "expected a Kubernetes label key such as plg.io/pool"),
    text(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, "expected a Kubernetes label value (letters, digits, - _ .; at most 63)"),
);

export const positiveInt = (min: number, max: number) =>
    z
        .number({ message: `expected a whole number from ${min} to ${max}` })
        .int({ message: `expected a whole number from ${min} to ${max}` })
        .min(min, { message: `expected a whole number from ${min} to ${max}` })
        .max(max, { message: `expected a whole number from ${min} to ${max}` });

/**
 * Loki tenant ids the platform can carry end to end: Loki allows a few more characters (!*'()),
 * but the tenant also names the ruler's rule directory and ConfigMap, so keep to a path-safe set.
 * `.` and `..` are refused by Loki itself.
 */
export const LOKI_TENANT_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,150}$/;

export const lokiTenantId = text(LOKI_TENANT_ID_PATTERN, "expected a Loki tenant id: letters, digits, _ . - (at most 150 characters; not . or ..)");

/** CloudWatch Logs accepts only these retention values. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
