import { z } from "zod";

/**
 * Reusable zod validators for the shapes config keeps asking for. Each carries an
 * "expected ..." message so an error names what was expected; the loader adds what was given.
 */

/** Prometheus/Alertmanager duration: 30s, 5m, 1h30m, 15d, 2w, 1y. */
export const duration = z
    .string()
    .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { message: "expected a duration such as 30s, 5m, 12h or 15d" });

/** Parse a Prometheus duration into seconds (for cross-field checks). */
export function durationSeconds(d: string): number {
    const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    let total = 0;
    for (const m of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * (unit[m[2] as string] ?? 0);
    return total;
}

/** Prometheus retention size: 40GB, 512MB. */
export const byteSize = z
    .string()
    .regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, { message: "expected a size such as 512MB or 40GB" });

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

export const cidr = z
    .string()
    .refine((s) => parseCidr(s) !== undefined, { message: "expected an IPv4 CIDR such as 10.0.0.0/16 (no host bits set)" });

/** IAM role or user ARN (a principal that can be granted cluster access). */
export const iamPrincipalArn = z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, {
        message: "expected an IAM role or user ARN such as arn:aws:iam::123456789012:role/Admin",
    });

export const iamRoleArn = z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, {
        message: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/Deployer",
    });

export const oidcProviderArn = z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/.+$/, {
        message: "expected an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    });

export const acmCertificateArn = z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, {
        message: "expected an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/uuid",
    });

export const awsRegion = z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, { message: "expected an AWS region such as eu-west-1" });

export const hostname = z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
        message: "expected a DNS hostname such as grafana.example.com",
    });

export const httpsUrl = z
    .string()
    .refine(
        (s) => {
            try {
                return new URL(s).protocol === "https:";
            } catch {
                return false;
            }
        },
        { message: "expected an https:// URL" },
    );

/** Prometheus label name. */
export const labelName = z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: "expected a Prometheus label name such as namespace" });

/** Kubernetes label value / DNS-1123 label. */
export const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "expected a lowercase DNS label (a-z, 0-9, -; at most 63)" });

export const kubernetesLabels = z.record(
    z.string().regex(/^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
        message: "expected a Kubernetes label key",
    }),
    z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, { message: "expected a Kubernetes label value" }),
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

export const lokiTenantId = z.string().regex(LOKI_TENANT_ID_PATTERN, {
    message: "expected a Loki tenant id: letters, digits, _ . - (at most 150 characters; not . or ..)",
});

/** CloudWatch Logs accepts only these retention values. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
