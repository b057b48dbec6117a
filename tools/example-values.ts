/**
 * Documentation values left in a stack file: the examples (README, committed stacks) use the
 * account id and address ranges reserved for documentation, which no real principal or client
 * has. `pulumi up` with them would grant cluster access to nobody and admit no one to the endpoint.
 */
import { keyPath } from "../config";
import { SECRET_KEYS } from "../config/schema";
import { cidrContains, parseCidr } from "../config/validators";

/** IPv4 blocks reserved for documentation (RFC 5737, "IPv4 Address Blocks Reserved for Documentation"). */
export const DOCUMENTATION_CIDRS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;

/** The account id AWS documentation uses in example ARNs. */
export const EXAMPLE_ACCOUNT_ID = "123456789012";

/** What is wrong with `value`, when it is a documentation value. */
function documentationValue(value: string): string | undefined {
    const arn = /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/.exec(value);
    if (arn?.[1] === EXAMPLE_ACCOUNT_ID) {
        return `${value} is in AWS documentation's example account ${EXAMPLE_ACCOUNT_ID}; expected an ARN in your own account`;
    }
    const cidr = /^\d+\.\d+\.\d+\.\d+$/.test(value) ? `${value}/32` : value;
    const range = parseCidr(cidr) ? DOCUMENTATION_CIDRS.find((d) => cidrContains(d, cidr)) : undefined;
    if (range !== undefined) {
        const where = cidr === range ? "is a documentation range" : `is inside the documentation range ${range}`;
        return `${value} ${where} (RFC 5737), which no real client comes from; expected your own CIDRs`;
    }
    return undefined;
}

function scan(value: unknown, path: (string | number)[], found: string[]): void {
    if (typeof value === "string") {
        const problem = documentationValue(value);
        if (problem !== undefined) found.push(`${keyPath(path)}: ${problem}`);
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => scan(v, [...path, i], found));
    } else if (typeof value === "object" && value !== null) {
        for (const [k, v] of Object.entries(value)) scan(v, [...path, k], found);
    }
}

/**
 * One warning per documentation value among the project's settings, naming its full key path.
 * `config` is the stack's config as Pulumi stores it (objects as JSON text); secrets are not read.
 */
export function documentationValueWarnings(project: string, config: Readonly<Record<string, string>>): string[] {
    const found: string[] = [];
    for (const [fullKey, text] of Object.entries(config)) {
        const key = fullKey.slice(project.length + 1);
        if (!fullKey.startsWith(`${project}:`) || key in SECRET_KEYS) continue;
        let value: unknown = text;
        if (/^\s*[[{]/.test(text)) {
            try {
                value = JSON.parse(text);
            } catch {
                continue; // the configuration check reports it
            }
        }
        scan(value, [key], found);
    }
    return found;
}
