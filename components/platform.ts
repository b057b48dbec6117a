import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { LogStorage } from "./aws/buckets";
import { EksCluster } from "./aws/cluster";
import { GrafanaDatabase } from "./aws/grafana-database";
import { objectStorePolicy } from "./aws/policies";
import { WorkloadRole } from "./aws/workload-role";
import { kps, loki } from "./endpoints";
import { Collector } from "./k8s/collector";
import { OtlpGateway } from "./k8s/collector/otlp-gateway";
import { Dashboards, dashboardsInput } from "./k8s/dashboards";
import { buildDashboards } from "./k8s/dashboards/builders";
import { buildPlatformDashboards, platformDashboardsInput } from "./k8s/dashboards/platform";
import { Logs } from "./k8s/logs";
import { Metrics } from "./k8s/metrics";
import { GrafanaIngress } from "./k8s/metrics/ingress";
import { NetworkPolicies } from "./k8s/network";
import { LoadBalancerController } from "./aws/load-balancer-controller";
import { podSecurityLabels } from "./k8s/pod-security";
import { SampleApp } from "./k8s/sample-app";
import { Thanos, ThanosStorage } from "./k8s/thanos";
import { buildObjstoreConfig } from "./k8s/thanos/values";
import { TeamContent, deployedTeams, teamLokiRules } from "./k8s/teams";

/** What a stack exports. Secrets stay secret Outputs. */
export interface PlatformOutputs {
    readonly clusterName: pulumi.Output<string>;
    readonly clusterEndpoint: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly vpcId: pulumi.Output<string>;
    /** The created node groups' role; absent for a brought cluster (a stack output is never undefined). */
    readonly nodeRoleArn?: pulumi.Output<string>;
    /** Loki's chunks and index bucket (the only log bucket: rules are mounted from ConfigMaps). */
    readonly logsBucket: pulumi.Output<string>;
    readonly logsKmsKeyArn: pulumi.Output<string>;
    readonly lokiRoleArn: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** How to reach Grafana: its URL, or the port-forward command when it has no hostname. */
    readonly grafanaAccess: string;
    /** DNS name of Grafana's load balancer (point the hostname at it); only with grafana.hostname. */
    readonly grafanaLoadBalancer?: pulumi.Output<string>;
}

/**
 * The whole platform for one stack, in dependency order: AWS provider -> log storage ->
 * cluster -> workload identity -> metrics (+ dashboards) -> logs -> collector.
 */
export class Platform extends pulumi.ComponentResource {
    public readonly outputs: PlatformOutputs;

    constructor(name: string, loaded: LoadedConfig, opts?: pulumi.ComponentResourceOptions) {
        super("plg:index:Platform", name, {}, opts);
        const { settings, secrets } = loaded;
        const production = settings.environment === "prod";
        // The teams' rules and dashboards (teams/<team>/): a broken file stops here, before any resource.
        const teams = deployedTeams(settings);

        const awsProvider = new aws.Provider(
            `${name}-aws`,
            {
                region: settings.aws.region as aws.Region,
                defaultTags: { tags: { ...settings.aws.tags, "pulumi:project": pulumi.getProject(), "pulumi:stack": pulumi.getStack() } },
            },
            { parent: this },
        );

        const storage = new LogStorage(
            `${name}-log-storage`,
            { retentionDays: settings.logs.retentionDays, lifecycleMarginDays: settings.logs.lifecycleMarginDays, production, provider: awsProvider },
            { parent: this },
        );

        const eks = new EksCluster(`${name}-eks`, { settings, provider: awsProvider }, { parent: this });
        const cluster = eks.access;

        // Grafana's shared PostgreSQL (prod): in the cluster's private subnets, reachable from its nodes only.
        const db = settings.grafana.database;
        const grafanaDatabase =
            db.type === "rds"
                ? new GrafanaDatabase(
                      `${name}-grafana-database`,
                      {
                          settings: db,
                          production,
                          clusterName: cluster.name,
                          vpcId: cluster.vpcId,
                          subnetIds:
                              db.subnetIds ??
                              eks.network?.privateSubnetIds ??
                              (settings.network.mode === "existing" ? settings.network.privateSubnetIds : []),
                          // config/checks.ts requires both on a brought cluster; a created one's managed nodes carry the cluster security group.
                          clientSecurityGroupIds: db.clientSecurityGroupIds ?? (eks.cluster ? [eks.cluster.vpcConfig.clusterSecurityGroupId] : []),
                          provider: awsProvider,
                      },
                      { parent: this },
                  )
                : undefined;

        const lokiRole = new WorkloadRole(
            `${name}-loki`,
            {
                mode: settings.cluster.workloadIdentity,
                namespace: loki.namespace,
                serviceAccount: loki.serviceAccount,
                policy: pulumi.all([storage.bucketArn, storage.kmsKey.arn]).apply(([bucket, key]) => objectStorePolicy([bucket], key)),
                clusterName: cluster.name,
                clusterArn: cluster.arn,
                ...(cluster.oidcProviderArn ? { oidcProviderArn: cluster.oidcProviderArn } : {}),
                oidcIssuerUrl: cluster.oidcIssuerUrl,
                provider: awsProvider,
                // Only the cluster (through its name and ARN): an association is an EKS API object and needs
                // no agent or nodes to exist (EKS user guide, "Assign an IAM role to a Kubernetes service
                // account": prerequisites are the cluster and iam:PassRole). Loki's pods need the agent, and
                // the Loki release waits for it.
            },
            { parent: this },
        );

        // Long-term metrics: the bucket and the sidecars', Store Gateway's and Compactor's roles (need only the cluster).
        const thanosStorage = settings.metrics.longTerm.enabled
            ? new ThanosStorage(`${name}-thanos-storage`, { settings, cluster, awsProvider }, { parent: this })
            : undefined;

        const metrics = new Metrics(
            `${name}-metrics`,
            {
                settings,
                secrets,
                clusterName: cluster.name,
                storageClass: cluster.storageClassName,
                provider: cluster.provider,
                dependsOn: cluster.ready,
                ...(grafanaDatabase ? { grafanaDatabase: grafanaDatabase.connection } : {}),
                ...(thanosStorage
                    ? {
                          longTerm: {
                              objstoreConfig: thanosStorage.bucketName.apply((bucket) => buildObjstoreConfig({ bucket, region: settings.aws.region })),
                              prometheusServiceAccountAnnotations: thanosStorage.serviceAccountAnnotations.sidecar,
                              dependsOn: [thanosStorage],
                          },
                      }
                    : {}),
            },
            { parent: this },
        );

        if (thanosStorage && metrics.objstoreSecret) {
            new Thanos(
                `${name}-thanos`,
                {
                    settings,
                    storage: thanosStorage,
                    storageClass: cluster.storageClassName,
                    provider: cluster.provider,
                    dependsOn: [...cluster.ready, metrics.crds, metrics.objstoreSecret],
                },
                { parent: this },
            );
        }

        new Dashboards(
            `${name}-dashboards`,
            {
                provider: cluster.provider,
                namespace: kps.namespace,
                dashboards: [...buildDashboards(dashboardsInput(settings)), ...buildPlatformDashboards(platformDashboardsInput(settings))],
                dependsOn: [metrics.release],
            },
            { parent: this },
        );

        new TeamContent(
            `${name}-teams`,
            { teams, namespace: kps.namespace, provider: cluster.provider, rulesDependOn: [metrics.crds], dashboardsDependOn: [metrics.release] },
            { parent: this },
        );

        const logs = new Logs(
            `${name}-logs`,
            {
                settings,
                bucketName: storage.bucketName,
                ...(settings.cluster.workloadIdentity === "irsa" ? { irsaRoleArn: lokiRole.roleArn } : {}),
                storageClass: cluster.storageClassName,
                provider: cluster.provider,
                dependsOn: [...cluster.ready, lokiRole, metrics.crds],
                teamRules: teamLokiRules(teams),
            },
            { parent: this },
        );

        // Not the Loki release (up to 15 minutes): Alloy needs only its namespace and the CRDs of its
        // ServiceMonitor, and holds its place in the logs while it retries pushes until Loki answers.
        new Collector(
            `${name}-collector`,
            {
                settings,
                provider: cluster.provider,
                dependsOn: [metrics.nodeAgentsNamespace, metrics.crds],
                ...(secrets.logReplicaCredential ? { logReplicaCredential: secrets.logReplicaCredential } : {}),
            },
            { parent: this },
        );

        // OpenTelemetry intake: like Alloy, it retries its writes until Prometheus and Loki answer.
        if (settings.otlp.enabled) new OtlpGateway(`${name}-otlp`, { settings, provider: cluster.provider, dependsOn: [metrics.crds] }, { parent: this });

        // Grafana's ingress needs it; a brought cluster may have its own, so there only when asked.
        const installLbc = settings.cluster.existing === undefined || settings.cluster.existing.installLoadBalancerController;
        const lbc = installLbc
            ? new LoadBalancerController(`${name}-load-balancer-controller`, { settings, cluster, awsProvider, dependsOn: cluster.ready }, { parent: this })
            : undefined;

        // The CRDs release waits for the monitoring namespace: every platform namespace exists first.
        const networkPolicies = new NetworkPolicies(
            `${name}-network-policies`,
            {
                provider: cluster.provider,
                vpcCidr: cluster.vpcCidr,
                loadBalancerController: lbc !== undefined,
                longTermMetrics: settings.metrics.longTerm.enabled,
                otlpGateway: settings.otlp.enabled,
                dependsOn: [metrics.crds, metrics.nodeAgentsNamespace, logs.namespace, ...(lbc ? [lbc.namespace] : [])],
            },
            { parent: this },
        );

        // Grafana's Ingress once everything it needs answers: Grafana's Service (the kps release, which
        // also removes the chart's former Ingress), the controller's Ingress webhook (its release) and
        // the policies letting the API server reach that webhook. A brought cluster without the
        // program's controller: whichever controller serves IngressClass alb there.
        const grafana = settings.grafana;
        const grafanaIngress =
            grafana.hostname !== undefined && grafana.tlsCertificateArn !== undefined
                ? new GrafanaIngress(
                      `${name}-grafana-ingress`,
                      {
                          hostname: grafana.hostname,
                          certificateArn: grafana.tlsCertificateArn,
                          scheme: grafana.scheme,
                          inboundCidrs: grafana.inboundCidrs,
                          ...(grafana.hostedZoneId !== undefined ? { hostedZoneId: grafana.hostedZoneId } : {}),
                          provider: cluster.provider,
                          awsProvider,
                          dependsOn: [metrics.release, networkPolicies, ...(lbc ? [lbc.release] : [])],
                      },
                      { parent: this },
                  )
                : undefined;

        // The guide's sample service, to verify a new environment by generating traffic (README).
        if (settings.sampleApp.enabled && settings.sampleApp.image) {
            new SampleApp(
                `${name}-sample-app`,
                {
                    image: settings.sampleApp.image,
                    replicas: settings.sampleApp.replicas,
                    namespaceLabels: podSecurityLabels("restricted"),
                    provider: cluster.provider,
                    dependsOn: [...cluster.ready, metrics.crds],
                },
                { parent: this },
            );
        }

        this.outputs = {
            clusterName: cluster.name,
            clusterEndpoint: cluster.endpoint,
            kubeconfig: pulumi.secret(cluster.kubeconfig),
            oidcIssuerUrl: cluster.oidcIssuerUrl,
            vpcId: cluster.vpcId,
            ...(cluster.nodeRoleArn !== undefined ? { nodeRoleArn: cluster.nodeRoleArn } : {}),
            logsBucket: storage.bucketName,
            logsKmsKeyArn: storage.kmsKey.arn,
            lokiRoleArn: lokiRole.roleArn,
            grafanaAdminPassword: metrics.grafanaAdminPassword,
            grafanaAccess: settings.grafana.hostname
                ? `https://${settings.grafana.hostname}`
                : `kubectl -n ${kps.namespace} port-forward svc/${kps.grafana.service} 3000:${kps.grafana.port}, then http://localhost:3000`,
            ...(grafanaIngress ? { grafanaLoadBalancer: grafanaIngress.loadBalancerHostname } : {}),
        };
        this.registerOutputs({});
    }
}
