/**
 * The deployments program's settings (Pulumi.<stack>.yaml under `plg-observability-deployments:`),
 * validated before any resource: every problem at once, each naming its key.
 */
import { z } from "zod";
import { SECRET_KEYS, type SecretKey } from "../config/schema";

export const PROJECT = "plg-observability-deployments";

const accountId = z.string().regex(/^\d{12}$/, { message: "expected a 12-digit AWS account id (quote it in YAML)" });
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: "expected an IAM role ARN" });
const secretKey = z.enum(Object.keys(SECRET_KEYS) as [SecretKey, ...SecretKey[]], { message: `expected one of ${Object.keys(SECRET_KEYS).join(", ")}` });

const environmentSchema = z.strictObject({
    awsAccountId: accountId.describe("AWS account the stack deploys to (one account per environment is AWS's guidance)."),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: "expected an AWS region such as eu-west-1" }).describe("Region of the IAM-facing provider."),
    deploy: z
        .enum(["onPush", "deliberate"], { message: "expected onPush or deliberate" })
        .describe("onPush: Pulumi Deployments runs `pulumi up` on every push to the branch; deliberate: only an approved run (see README).")
        .default("deliberate"),
    secrets: z.array(secretKey).describe("Secret keys the stack needs from its ESC environment.").default([]),
    adminRoleArn: roleArn.optional().describe("Role this program assumes in the account to manage IAM (absent: the ambient credentials)."),
    pulumiOidcProviderArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/api\.pulumi\.com\/oidc$/, { message: "expected the ARN of an existing api.pulumi.com/oidc provider" })
        .optional()
        .describe("Reuse the account's existing Pulumi OIDC provider (AWS allows one per URL), e.g. one ESC already registered."),
});

export const deploymentsConfigSchema = z.strictObject({
    organization: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, { message: "expected the Pulumi organization name, lowercase as in app.pulumi.com/<org>" }),
    project: z.string().min(1).default("plg-observability").describe("The main project whose stacks are delivered."),
    repository: z.strictObject({
        name: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: "expected owner/repo" }),
        branch: z.string().min(1).default("main"),
        projectDir: z.string().default(".").describe("Folder of the main project's Pulumi.yaml inside the repository."),
    }),
    environments: z
        .record(z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "expected a stack name (lowercase letters, digits, -)" }), environmentSchema)
        .refine((e) => Object.keys(e).length > 0, { message: "expected at least one environment" }),
    policyPack: z
        .strictObject({
            mode: z.enum(["preventative", "audit"], { message: "expected preventative or audit" }).default("preventative"),
        })
        .default({ mode: "preventative" }),
    githubActions: z
        .strictObject({
            enabled: z.boolean().default(false).describe("Also trust GitHub Actions (the alternative workflow) through token.actions.githubusercontent.com."),
            deployersTeam: z.string().min(1).optional().describe("Pulumi team whose token a deliberate deploy's workflow gets by OIDC."),
        })
        .default({ enabled: false }),
    escApprovals: z
        .strictObject({ teamName: z.string().min(1), approvals: z.number().int().min(1).max(10) })
        .optional()
        .describe("Changes to a deliberate environment's ESC configuration need this many approvals from the team."),
});

export type DeploymentsConfig = z.infer<typeof deploymentsConfigSchema>;
export type EnvironmentConfig = DeploymentsConfig["environments"][string];

export class DeploymentsConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid configuration (${problems.length === 1 ? "1 problem" : `${problems.length} problems`}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "DeploymentsConfigError";
    }
}

/** Parse the settings; a DeploymentsConfigError lists every problem with its full key (values are not echoed). */
export function parseDeploymentsConfig(raw: Record<string, unknown>): DeploymentsConfig {
    const parsed = deploymentsConfigSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw new DeploymentsConfigError(
        parsed.error.issues.map((i) => {
            const [top, ...rest] = i.path.map(String);
            return `${PROJECT}:${top ?? "(root)"}${rest.length ? `.${rest.join(".")}` : ""}: ${i.message}`;
        }),
    );
}
