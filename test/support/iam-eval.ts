/**
 * How STS decides an AssumeRoleWithWebIdentity against a role's trust policy, for the condition
 * operators trust policies use (AWS IAM guide, "Policy evaluation logic" and "IAM JSON policy
 * elements: Condition operators"): a statement applies when its principal is the token's identity
 * provider, its action is sts:AssumeRoleWithWebIdentity, and every condition key matches one of its
 * values (a key the request lacks matches nothing); an explicit Deny wins; otherwise an Allow is needed.
 */
import { asList, isRecord, type Statement, statementsOf } from "../../policy/inspect";

export interface WebIdentityRequest {
    /** ARN of the IAM OIDC provider the token's issuer is registered as. */
    readonly providerArn: string;
    /** Condition keys the request carries, e.g. `api.pulumi.com/oidc:sub`. */
    readonly claims: Readonly<Record<string, string>>;
}

function globToRegExp(pattern: string): RegExp {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${escaped}$`);
}

const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
    StringEquals: (v, p) => v === p,
    StringLike: (v, p) => globToRegExp(p).test(v),
};

function conditionsMatch(condition: Statement["Condition"], claims: Readonly<Record<string, string>>): boolean {
    for (const [operator, entries] of Object.entries(condition ?? {})) {
        const test = OPERATORS[operator];
        if (!test) throw new Error(`iam-eval: condition operator ${operator} is not modelled`);
        for (const [key, allowed] of Object.entries(entries)) {
            const value = claims[key];
            if (value === undefined || !asList(allowed).some((p) => typeof p === "string" && test(value, p))) return false;
        }
    }
    return true;
}

function applies(s: Statement, req: WebIdentityRequest): boolean {
    const principal = isRecord(s.Principal) ? s.Principal.Federated : undefined;
    return asList(principal).includes(req.providerArn) && asList(s.Action).includes("sts:AssumeRoleWithWebIdentity") && conditionsMatch(s.Condition, req.claims);
}

/** Whether STS lets the request assume a role with this trust policy (JSON text or object). */
export function canAssume(trustPolicy: unknown, req: WebIdentityRequest): boolean {
    const statements = statementsOf(trustPolicy);
    if (!statements) throw new Error("iam-eval: not a policy document");
    const matching = statements.filter((s) => applies(s, req));
    return matching.some((s) => s.Effect === "Allow") && !matching.some((s) => s.Effect === "Deny");
}
