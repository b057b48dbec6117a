import type { Check } from "./checks";

/**
 * Cross-key rules of a cluster by kubeconfig context (`cluster.kubeconfig`, listed in config/checks.ts
 * CHECKS). Nothing is created in AWS there, so every key that creates or uses an AWS resource is an
 * error naming it, rather than silently ignored: the stack file would promise what the stack does not do.
 */

/** Keys of `cluster` that only a created EKS cluster uses, by what they would have done. */
const EKS_ONLY_CLUSTER_KEYS: Readonly<Record<string, string>> = {
    existing: "a brought EKS cluster (cluster.existing) is another target",
    nodeGroups: "no node group is created",
    endpoint: "no EKS API endpoint is created",
    adminPrincipalArns: "no EKS access entry is created",
    deployerRoleArn: "no EKS access entry is created",
    previewPrincipalArns: "no EKS access entry is created",
    logRetentionDays: "no CloudWatch log group is created",
    kubernetesVersion: "the cluster's version is its own",
    addonVersions: "no EKS add-on is installed",
    supportType: "no EKS upgrade policy applies",
    deletionProtection: "no EKS cluster is created",
    workloadIdentity: "no workload role is created (pods get no cloud identity)",
};

export const localClusterChecks: Check[] = [
    {
        // The one cluster target: given keys only (the profile fills EKS defaults that are no mistake).
        name: "a cluster by kubeconfig sets no EKS or AWS keys",
        run(s, ctx) {
            if (s.cluster.kubeconfig === undefined) return;
            const givenCluster = ctx.given.cluster;
            const cluster = typeof givenCluster === "object" && givenCluster !== null ? (givenCluster as Record<string, unknown>) : {};
            const conflicting = Object.keys(EKS_ONLY_CLUSTER_KEYS).filter((k) => cluster[k] !== undefined);
            for (const key of conflicting) {
                ctx.problem(["cluster", key], `cluster.kubeconfig installs into an existing Kubernetes cluster and creates nothing in AWS (${EKS_ONLY_CLUSTER_KEYS[key]}); expected no cluster.${key} with it, given one`);
            }
            for (const key of ["aws", "network"] as const) {
                if (ctx.given[key] !== undefined) {
                    ctx.problem([key], `cluster.kubeconfig creates nothing in AWS (no provider, VPC or resource); expected no ${key} with it, given one`);
                }
            }
        },
    },
    {
        name: "a cluster on EKS has its AWS settings",
        run(s, ctx) {
            if (s.cluster.kubeconfig === undefined && s.aws === undefined) {
                ctx.problem(["aws"], "expected the AWS settings (region, tags) of a cluster on EKS, given nothing (set them in the stack file, or cluster.kubeconfig for a cluster without AWS)");
            }
        },
    },
    {
        // Each needs an AWS service: S3 (Thanos), RDS, an ALB with an ACM certificate and Route 53.
        name: "a cluster by kubeconfig uses no AWS-only feature",
        run(s, ctx) {
            if (s.cluster.kubeconfig === undefined) return;
            const why = "cluster.kubeconfig has no AWS account";
            ctx.part(() => {
                if (s.metrics.longTerm.enabled) ctx.problem(["metrics", "longTerm", "enabled"], `long-term metrics upload to S3 and ${why}; expected false, given true`);
            });
            ctx.part(() => {
                if (s.grafana.database.type === "rds") ctx.problem(["grafana", "database", "type"], `RDS needs AWS and ${why}; expected sqlite, given rds`);
            });
            ctx.part(() => {
                for (const key of ["hostname", "tlsCertificateArn", "hostedZoneId"] as const) {
                    if (s.grafana[key] !== undefined) {
                        ctx.problem(["grafana", key], `Grafana's hostname is served by an AWS load balancer with an ACM certificate (and a Route 53 record) and ${why}; expected none (reach Grafana with the grafanaAccess port-forward), given ${JSON.stringify(s.grafana[key])}`);
                    }
                }
            });
        },
    },
    {
        // Loki keeps chunks on its own volume (filesystem object storage): the chart allows one monolithic replica then.
        name: "a cluster by kubeconfig runs one monolithic Loki on its volume",
        run(s, ctx) {
            if (s.cluster.kubeconfig === undefined) return;
            ctx.part(() => {
                if (s.logs.mode !== "monolithic") {
                    ctx.problem(["logs", "mode"], `without object storage (cluster.kubeconfig) Loki keeps its chunks on one pod's volume; expected monolithic, given ${s.logs.mode}`);
                }
            });
            ctx.part(() => {
                if (s.logs.replicas !== 1) {
                    ctx.problem(["logs", "replicas"], `without object storage (cluster.kubeconfig) only one Loki can own the volume its chunks are on; expected 1, given ${s.logs.replicas}`);
                }
            });
        },
    },
    {
        name: "a cluster by kubeconfig is a dev stack",
        run(s, ctx) {
            if (s.cluster.kubeconfig !== undefined && s.environment === "prod") {
                ctx.problem(["environment"], "prod keeps logs and metrics on AWS (S3, RDS, replicated Loki) and cluster.kubeconfig has no AWS account; expected dev with cluster.kubeconfig, given prod");
            }
        },
    },
    {
        // clusterNameOf reads it: the `cluster` label of every metric and log line.
        name: "a cluster by kubeconfig has a name",
        run(s, ctx) {
            if (s.cluster.kubeconfig !== undefined && s.cluster.name === undefined) {
                ctx.problem(["cluster", "name"], `expected the \`cluster\` label of every metric and log line, such as local, given nothing (cluster.kubeconfig.context ${JSON.stringify(s.cluster.kubeconfig.context)} is not used as one)`);
            }
        },
    },
];
