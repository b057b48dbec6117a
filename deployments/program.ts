// The delivery of plg-observability, as its own small Pulumi program (run by an administrator, with
// AWS administrator credentials and a Pulumi Cloud token; README "Bootstrapping an environment"):
// keyless AWS roles per environment, Pulumi Deployments settings per stack, ESC environments without
// secret values, the stack tag the policy pack reads, and the policy pack enforced on every stack.
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { type DeploymentsConfig, parseDeploymentsConfig, PROJECT } from "./config";
import {
    accounts,
    deploymentSettings,
    deployPolicy,
    escEnvironmentYaml,
    escNames,
    escSecretCommands,
    GITHUB_AUDIENCE,
    GITHUB_OIDC_URL,
    MANAGED_POLICIES,
    previewDenyPolicy,
    PULUMI_OIDC_URL,
    type RoleKind,
    trustPolicy,
} from "./plan";

/** Where the policy pack lives, and its name and version as published (policy/index.ts, policy/package.json). */
export const POLICY_DIR = path.resolve(__dirname, "..", "policy");
export const POLICY_PACK_NAME = "plg-observability";

function readConfig(): DeploymentsConfig {
    const c = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    for (const key of ["organization", "project", "repository", "environments", "policyPack", "githubActions", "escApprovals"]) {
        const text = c.get(key);
        if (text === undefined) continue;
        // Objects arrive as JSON text, plain strings as themselves.
        try {
            raw[key] = JSON.parse(text) as unknown;
        } catch {
            raw[key] = text;
        }
    }
    return parseDeploymentsConfig(raw);
}

export interface EnvironmentOutputs {
    deployRoleArn: pulumi.Output<string>;
    previewRoleArn: pulumi.Output<string>;
    escEnvironment: string;
    /** What the operator runs once, by hand, to put the secrets in ESC. */
    escSecretCommands: string[];
}

export function main(): { environments: Record<string, EnvironmentOutputs> } {
    const cfg = readConfig();
    const environments: Record<string, EnvironmentOutputs> = {};
    const tags = { project: cfg.project, owner: "platform-team", "managed-by": PROJECT };

    for (const account of accounts(cfg)) {
        const provider = new aws.Provider(`aws-${account.accountId}`, {
            region: account.region as aws.Region,
            allowedAccountIds: [account.accountId],
            ...(account.adminRoleArn !== undefined ? { assumeRoles: [{ roleArn: account.adminRoleArn, sessionName: PROJECT }] } : {}),
            defaultTags: { tags },
        });
        const opts = { provider };
        const pulumiProviderArn: pulumi.Input<string> =
            account.pulumiOidcProviderArn ??
            new aws.iam.OpenIdConnectProvider(`pulumi-oidc-${account.accountId}`, { url: PULUMI_OIDC_URL, clientIdLists: [cfg.organization] }, opts).arn;
        const githubProviderArn = cfg.githubActions.enabled
            ? new aws.iam.OpenIdConnectProvider(`github-oidc-${account.accountId}`, { url: GITHUB_OIDC_URL, clientIdLists: [GITHUB_AUDIENCE] }, opts).arn
            : undefined;

        for (const stack of account.stacks) {
            const env = cfg.environments[stack];
            if (!env) continue;
            const envTags = { ...tags, environment: stack };
            const role = (kind: RoleKind) =>
                new aws.iam.Role(
                    `${stack}-${kind}`,
                    {
                        name: `${cfg.project}-${stack}-${kind}`,
                        description: `${kind === "deploy" ? "Deploys" : "Previews (read-only)"} the ${cfg.project} stack ${stack} from Pulumi Deployments`,
                        assumeRolePolicy: pulumi
                            .all([pulumiProviderArn, githubProviderArn])
                            .apply(([p, g]) => JSON.stringify(trustPolicy({ cfg, stack, kind, pulumiProviderArn: p, ...(g !== undefined ? { githubProviderArn: g } : {}) }))),
                        maxSessionDuration: kind === "deploy" ? 7200 : 3600,
                        managedPolicyArns: MANAGED_POLICIES[kind].map((p) => `arn:aws:iam::aws:policy/${p}`),
                        tags: envTags,
                    },
                    opts,
                );
            const deploy = role("deploy");
            new aws.iam.RolePolicy(`${stack}-deploy-iam`, { role: deploy.name, policy: JSON.stringify(deployPolicy(stack, env)) }, opts);
            const preview = role("preview");
            new aws.iam.RolePolicy(`${stack}-preview-no-data`, { role: preview.name, policy: JSON.stringify(previewDenyPolicy()) }, opts);

            const settings = pulumi.all([deploy.arn, preview.arn]).apply(([d, p]) => deploymentSettings(cfg, stack, { deploy: d, preview: p }));
            new pulumiservice.DeploymentSettings(`${stack}-settings`, {
                organization: cfg.organization,
                project: cfg.project,
                stack,
                sourceContext: settings.sourceContext,
                vcs: settings.vcs.apply((v) => ({ ...v, paths: [...v.paths] })),
                operationContext: settings.operationContext,
                cacheOptions: settings.cacheOptions,
            });
            new pulumiservice.StackTag(`${stack}-environment-tag`, { organization: cfg.organization, project: cfg.project, stack, name: "environment", value: stack });

            const names = escNames(cfg.project, stack);
            const [escProject, escName] = names.env.split("/") as [string, string];
            new pulumiservice.Environment(`${stack}-esc`, {
                organization: cfg.organization,
                project: escProject,
                name: escName,
                yaml: new pulumi.asset.StringAsset(escEnvironmentYaml(cfg.project, stack, env.secrets)),
            });
            if (cfg.escApprovals && env.deploy === "deliberate") {
                new pulumiservice.ApprovalRule(`${stack}-esc-approvals`, {
                    name: `${stack} configuration changes`,
                    enabled: true,
                    environmentIdentifier: { organization: cfg.organization, project: escProject, name: escName },
                    targetActionTypes: ["update"],
                    approvalRuleConfig: {
                        numApprovalsRequired: cfg.escApprovals.approvals,
                        allowSelfApproval: false,
                        requireReapprovalOnChange: true,
                        eligibleApprovers: [{ teamName: cfg.escApprovals.teamName }],
                    },
                });
            }
            environments[stack] = {
                deployRoleArn: deploy.arn,
                previewRoleArn: preview.arn,
                escEnvironment: names.env,
                escSecretCommands: escSecretCommands(cfg.project, stack, env.secrets),
            };
        }
    }

    // The org's policy pack, published from policy/ and enforced on every stack of the project.
    const version = (JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")) as { version: string }).version;
    const pack = new pulumiservice.PolicyPack("policy-pack", { organization: cfg.organization, name: POLICY_PACK_NAME, sourcePath: POLICY_DIR, versionTag: version });
    new pulumiservice.PolicyGroup("policy-group", {
        organizationName: cfg.organization,
        name: cfg.project,
        mode: cfg.policyPack.mode,
        stacks: Object.keys(cfg.environments).map((name) => ({ name, routingProject: cfg.project })),
        policyPacks: [{ name: pack.name, versionTag: version }],
    });

    // Workflows exchange GitHub's OIDC token for a short-lived Pulumi team token: a deliberate
    // deploy's job in the stack's GitHub environment; with the Actions delivery, every stack's
    // environment and pull requests (their previews).
    if (cfg.githubActions.deployersTeam !== undefined) {
        const team = cfg.githubActions.deployersTeam;
        const repo = cfg.repository.name;
        const subjects = [
            ...Object.entries(cfg.environments)
                .filter(([, env]) => cfg.githubActions.enabled || env.deploy === "deliberate")
                .map(([stack]) => `repo:${repo}:environment:${stack}`),
            ...(cfg.githubActions.enabled ? [`repo:${repo}:pull_request`] : []),
        ];
        new pulumiservice.OidcIssuer("github-issuer", {
            organization: cfg.organization,
            name: "github-actions",
            url: GITHUB_OIDC_URL,
            maxExpirationSeconds: 7200,
            policies: subjects.map((sub) => ({ decision: "allow" as const, tokenType: "team" as const, teamName: team, rules: { aud: `urn:pulumi:org:${cfg.organization}`, sub } })),
        });
    }
    return { environments };
}
