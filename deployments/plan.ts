/**
 * What the delivery of each stack is, as plain data: OIDC subjects and trust policies, the deploy
 * and preview roles' permissions, Pulumi Deployments settings, the ESC environment. No Pulumi here;
 * index.ts turns it into resources.
 *
 * Pulumi Deployments gives a stack one AWS role for every operation, and the token it exchanges
 * names the operation in its `sub` (Pulumi docs, "Configuring OpenID Connect for AWS with Pulumi
 * Deployments" / token claims):
 *   pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<preview|update|refresh|destroy>:scope:write
 * So trust policies list exact subjects: a role trusted for dev names `stack:dev` and no wildcard,
 * and AWS refuses the same role to a prod token, or a deploy role to a preview's token.
 */
import type { DeploymentsConfig, EnvironmentConfig } from "./config";

export type Operation = "preview" | "update" | "refresh" | "destroy";

/** Pulumi Cloud's OIDC issuer for deployments (the IAM identity provider's URL). */
export const PULUMI_OIDC_URL = "https://api.pulumi.com/oidc";
/** IAM condition keys take the issuer without its scheme. */
export const PULUMI_OIDC_KEY = "api.pulumi.com/oidc";
/** GitHub Actions' issuer and the audience configure-aws-credentials requests. */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
export const GITHUB_OIDC_KEY = "token.actions.githubusercontent.com";
export const GITHUB_AUDIENCE = "sts.amazonaws.com";

export function pulumiSubject(org: string, project: string, stack: string, operation: Operation): string {
    return `pulumi:deploy:org:${org}:project:${project}:stack:${stack}:operation:${operation}:scope:write`;
}

/**
 * Operations each role accepts. onPush: the settings name the deploy role, so pull-request previews
 * (same settings) run with it too — dev only. deliberate: the settings name the preview role; an
 * approved run overrides it with the deploy role, which accepts no preview (a pull request's code
 * never runs with write access) and no destroy (production is removed by hand).
 */
export function trustedOperations(env: EnvironmentConfig): { deploy: Operation[]; preview: Operation[] } {
    return env.deploy === "onPush" ? { deploy: ["preview", "update", "refresh", "destroy"], preview: ["preview"] } : { deploy: ["update", "refresh"], preview: ["preview"] };
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly Principal?: { readonly Federated: string };
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export type RoleKind = "deploy" | "preview";

export interface TrustInputs {
    readonly cfg: DeploymentsConfig;
    readonly stack: string;
    readonly kind: RoleKind;
    readonly pulumiProviderArn: string;
    /** Present when GitHub Actions (the alternative workflow) may assume the role too. */
    readonly githubProviderArn?: string;
}

/**
 * Who may assume a stack's role: Pulumi Deployments of exactly this org/project/stack and the
 * operations above (StringEquals on `aud` and `sub`, AWS IAM guide "Creating a role for web identity
 * or OIDC"); with GitHub Actions on, the repository's jobs in the GitHub environment named after the
 * stack (deploy) or its pull requests (preview).
 */
export function trustPolicy(t: TrustInputs): PolicyDocument {
    const env = t.cfg.environments[t.stack];
    if (!env) throw new Error(`trustPolicy: no environment ${t.stack}`);
    const ops = trustedOperations(env)[t.kind];
    const statements: PolicyStatement[] = [
        {
            Sid: "PulumiDeployments",
            Effect: "Allow",
            Principal: { Federated: t.pulumiProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${PULUMI_OIDC_KEY}:aud`]: t.cfg.organization,
                    [`${PULUMI_OIDC_KEY}:sub`]: ops.map((op) => pulumiSubject(t.cfg.organization, t.cfg.project, t.stack, op)),
                },
            },
        },
    ];
    if (t.githubProviderArn !== undefined) {
        const repo = t.cfg.repository.name;
        statements.push({
            Sid: "GitHubActions",
            Effect: "Allow",
            Principal: { Federated: t.githubProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${GITHUB_OIDC_KEY}:aud`]: GITHUB_AUDIENCE,
                    // A job's `sub` names its GitHub environment when it has one, else the pull request.
                    [`${GITHUB_OIDC_KEY}:sub`]: t.kind === "deploy" ? `repo:${repo}:environment:${t.stack}` : `repo:${repo}:pull_request`,
                },
            },
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** AWS managed policies each role gets; the inline documents below narrow or extend them. */
export const MANAGED_POLICIES: Record<RoleKind, readonly string[]> = {
    // Every non-IAM service the platform creates (VPC, EKS, EC2, KMS, S3, CloudWatch Logs); IAM comes
    // from deployPolicy, scoped to this environment's tag.
    deploy: ["PowerUserAccess"],
    // Describe/Get/List for refresh and the program's look-ups; preview denies what reads data.
    preview: ["ReadOnlyAccess"],
};

/** Services whose roles the platform creates, and so the only ones it may pass a role to. */
const PASSED_TO = ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"];
/** Service-linked roles an EKS cluster, its node groups and Auto Scaling need on first use. */
const SERVICE_LINKED = ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"];

/**
 * The deploy role's IAM rights (PowerUserAccess has none): create and change roles, policies and
 * the cluster's OIDC provider only when they carry this environment's tag (the main program tags
 * every resource with aws.tags.environment), pass roles only to EKS and EC2, create the
 * service-linked roles EKS and Auto Scaling use (AWS IAM guide, "Controlling access using tags";
 * EKS user guide, "Cluster IAM role" and "Pod Identity").
 */
export function deployPolicy(stack: string, env: EnvironmentConfig): PolicyDocument {
    const iam = (kind: string) => `arn:aws:iam::${env.awsAccountId}:${kind}`;
    const taggedResources = [iam("role/*"), iam("policy/*"), iam(`oidc-provider/oidc.eks.${env.region}.amazonaws.com/*`)];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "CreateTaggedIam",
                Effect: "Allow",
                Action: ["iam:CreateRole", "iam:CreatePolicy", "iam:CreateOpenIDConnectProvider", "iam:TagRole", "iam:TagPolicy", "iam:TagOpenIDConnectProvider"],
                Resource: taggedResources,
                Condition: { StringEquals: { "aws:RequestTag/environment": stack } },
            },
            {
                Sid: "ChangeTaggedIam",
                Effect: "Allow",
                Action: [
                    "iam:DeleteRole",
                    "iam:UpdateRole",
                    "iam:UpdateRoleDescription",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:UntagRole",
                    "iam:DeletePolicy",
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicyVersion",
                    "iam:UntagPolicy",
                    "iam:DeleteOpenIDConnectProvider",
                    "iam:UpdateOpenIDConnectProviderThumbprint",
                    "iam:AddClientIDToOpenIDConnectProvider",
                    "iam:UntagOpenIDConnectProvider",
                ],
                Resource: taggedResources,
                Condition: { StringEquals: { "aws:ResourceTag/environment": stack } },
            },
            {
                Sid: "ReadIam",
                Effect: "Allow",
                Action: [
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListRolePolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:GetPolicy",
                    "iam:GetPolicyVersion",
                    "iam:ListPolicyVersions",
                    "iam:GetOpenIDConnectProvider",
                ],
                Resource: [...taggedResources, "arn:aws:iam::aws:policy/*"],
            },
            {
                Sid: "PassTaggedRolesToEks",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: iam("role/*"),
                Condition: { StringEquals: { "iam:PassedToService": PASSED_TO, "aws:ResourceTag/environment": stack } },
            },
            {
                Sid: "ServiceLinkedRoles",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: iam("role/aws-service-role/*"),
                Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED } },
            },
        ],
    };
}

/**
 * What the preview role may not do although ReadOnlyAccess allows it: read data (log objects,
 * decrypt with the platform's keys, secrets, parameters, log events) or become another role. A
 * preview runs the pull request's code; it needs to describe resources, not to read their contents.
 */
export function previewDenyPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "NoDataReads",
                Effect: "Deny",
                Action: [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "kms:Decrypt",
                    "kms:GenerateDataKey",
                    "secretsmanager:GetSecretValue",
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:GetParametersByPath",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                    "logs:StartQuery",
                    "ec2:GetPasswordData",
                ],
                Resource: "*",
            },
            { Sid: "NoRoleChaining", Effect: "Deny", Action: ["sts:AssumeRole"], Resource: "*" },
        ],
    };
}

/**
 * Files whose change can change a stack: the program, its dependencies and that stack's own file.
 * Docs, tests, tools, the policy pack and this program do not trigger a deployment or a preview.
 */
export function pathFilters(stack: string, projectDir: string): string[] {
    const prefix = projectDir === "." || projectDir === "" ? "" : `${projectDir.replace(/\/$/, "")}/`;
    const files = ["index.ts", "program.ts", "config/**", "components/**", "Pulumi.yaml", `Pulumi.${stack}.yaml`, "package.json", "package-lock.json", "tsconfig.json"];
    return files.map((f) => `${prefix}${f}`);
}

/** The ESC environments of a stack: the one the stack file imports, and the one holding secret values. */
export function escNames(project: string, stack: string): { env: string; secrets: string } {
    return { env: `${project}/${stack}`, secrets: `${project}/${stack}-secrets` };
}

/**
 * The environment the stack imports. It holds no value: it imports `<stack>-secrets` (created and
 * filled with `esc env set --secret`, never managed here, so no secret lives in this program's
 * state) and maps each secret the stack needs into `pulumiConfig`. Opening it fails, naming the
 * key, while a secret is missing.
 */
export function escEnvironmentYaml(project: string, stack: string, secrets: readonly string[]): string {
    const names = escNames(project, stack);
    const lines = [`# Managed by deployments/ (Pulumi); secret values live in ${names.secrets}.`, "imports:", `  - ${names.secrets}`, "values:", "  pulumiConfig:"];
    if (secrets.length === 0) lines.push("    {}");
    for (const key of secrets) lines.push(`    ${key}: \${${key}}`);
    return `${lines.join("\n")}\n`;
}

/** The `esc` commands an operator runs once per secret (the README shows them). */
export function escSecretCommands(project: string, stack: string, secrets: readonly string[]): string[] {
    const { secrets: secretsEnv } = escNames(project, stack);
    return [`esc env init ${secretsEnv}`, ...secrets.map((k) => `esc env set ${secretsEnv} ${k} '<value>' --secret`)];
}

/** Pulumi Deployments settings of one stack (pulumiservice.DeploymentSettings inputs, `vcs` block). */
export interface StackDeploymentSettings {
    readonly organization: string;
    readonly project: string;
    readonly stack: string;
    readonly sourceContext: { readonly git: { readonly branch: string; readonly repoDir: string } };
    readonly vcs: {
        readonly provider: "github";
        readonly repository: string;
        readonly deployCommits: boolean;
        readonly previewPullRequests: boolean;
        readonly pullRequestTemplate: boolean;
        readonly paths: readonly string[];
    };
    readonly operationContext: {
        readonly oidc: { readonly aws: { readonly roleARN: string; readonly sessionName: string; readonly duration: string } };
        readonly options: { readonly skipIntermediateDeployments: boolean };
    };
    readonly cacheOptions: { readonly enable: boolean };
}

/**
 * onPush stacks deploy every push to the branch with the deploy role; deliberate stacks only preview
 * (with the preview role) until an approved run overrides the role (README "Bootstrapping an
 * environment"). Every stack previews pull requests. No preRunCommands: Deployments installs the
 * npm dependencies itself, and the program needs nothing else before it runs.
 */
export function deploymentSettings(cfg: DeploymentsConfig, stack: string, roles: { deploy: string; preview: string }): StackDeploymentSettings {
    const env = cfg.environments[stack];
    if (!env) throw new Error(`deploymentSettings: no environment ${stack}`);
    const onPush = env.deploy === "onPush";
    return {
        organization: cfg.organization,
        project: cfg.project,
        stack,
        sourceContext: { git: { branch: cfg.repository.branch, repoDir: cfg.repository.projectDir } },
        vcs: {
            provider: "github",
            repository: cfg.repository.name,
            deployCommits: onPush,
            previewPullRequests: true,
            pullRequestTemplate: false,
            paths: pathFilters(stack, cfg.repository.projectDir),
        },
        operationContext: {
            oidc: {
                aws: {
                    roleARN: onPush ? roles.deploy : roles.preview,
                    // CloudTrail names each deployment (Pulumi docs, "Session name").
                    sessionName: "pulumi-${stack.name}-${deployment.operation}-${deployment.version}",
                    duration: onPush ? "2h0m0s" : "1h0m0s",
                },
            },
            // Pushes that land while a deployment runs fold into one: the latest commit wins.
            options: { skipIntermediateDeployments: true },
        },
        cacheOptions: { enable: true },
    };
}

/** The accounts the environments live in, each once (AWS allows one OIDC provider per URL per account). */
export function accounts(cfg: DeploymentsConfig): { accountId: string; region: string; adminRoleArn?: string; pulumiOidcProviderArn?: string; stacks: string[] }[] {
    const byAccount = new Map<string, { accountId: string; region: string; adminRoleArn?: string; pulumiOidcProviderArn?: string; stacks: string[] }>();
    for (const [stack, env] of Object.entries(cfg.environments)) {
        const known = byAccount.get(env.awsAccountId);
        if (known) known.stacks.push(stack);
        else {
            byAccount.set(env.awsAccountId, {
                accountId: env.awsAccountId,
                region: env.region,
                ...(env.adminRoleArn !== undefined ? { adminRoleArn: env.adminRoleArn } : {}),
                ...(env.pulumiOidcProviderArn !== undefined ? { pulumiOidcProviderArn: env.pulumiOidcProviderArn } : {}),
                stacks: [stack],
            });
        }
    }
    return [...byAccount.values()];
}
