/**
 * The AWS Load Balancer Controller (chart aws-load-balancer-controller, components/charts.ts): its
 * IAM policy and its Helm values (pure). Keys checked against the chart's values.yaml.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadBalancerController as lbc } from "../../endpoints";
import type { PolicyDocument } from "../policies";

/**
 * Where the IAM policy comes from: the controller's own recommended policy for the chart's app
 * version, kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json at the tag,
 * kept verbatim in ./iam-policy.json (test/load-balancer-controller.test.ts checks its digest).
 * Bump with the chart: fetch the file at the new tag, replace it and these three values.
 */
export const IAM_POLICY_SOURCE = {
    tag: "v3.5.0",
    commit: "11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4",
    sha256: "16f232c9d9f79366fe949c4550ad517a202380058a9e48d45a4e215044a20a6a",
} as const;

/** Path of the verbatim upstream policy. */
export const IAM_POLICY_FILE = path.join(__dirname, "iam-policy.json");

/** The controller's IAM policy (identity policy of its Pod Identity role). */
export function loadBalancerControllerPolicy(): PolicyDocument {
    return JSON.parse(fs.readFileSync(IAM_POLICY_FILE, "utf8")) as PolicyDocument;
}

type Resources = { requests: { cpu: string; memory: string }; limits: { memory: string } };

export interface LoadBalancerControllerValuesInput {
    readonly clusterName: string;
    readonly region: string;
    readonly vpcId: string;
    /** Two in prod (leader election keeps one active; the other takes over), one in dev. */
    readonly replicas: number;
    readonly resources: Resources;
}

/** Helm values: region and VPC given, so the controller never asks IMDS (hop limit 1 keeps pods out of it). */
export function buildLoadBalancerControllerValues(input: LoadBalancerControllerValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: lbc.fullname,
        clusterName: input.clusterName,
        region: input.region,
        vpcId: input.vpcId,
        replicaCount: input.replicas,
        // A node drain keeps one controller (and its webhook) up.
        ...(input.replicas > 1 ? { podDisruptionBudget: { maxUnavailable: 1 } } : {}),
        resources: input.resources,
        serviceAccount: { create: true, name: lbc.serviceAccount },
        // Pod Security restricted (its namespace enforces it): the chart leaves seccomp unset.
        podSecurityContext: { fsGroup: 65534, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        // The Service mutator would give every LoadBalancer Service in the cluster to this controller: not the platform's call.
        enableServiceMutatorWebhook: false,
    };
}
