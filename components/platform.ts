import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type LoadedConfig, awsOf, clusterNameOf, installsLoadBalancerController } from "../config";
import { parseDuration } from "./k8s/metrics/promql";
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
import { grafanaLoadBalancerPlacement } from "./k8s/network/load-balancer";
import { LoadBalancerController } from "./aws/load-balancer-controller";
import { type KubernetesTarget, LocalCluster, checkKubeconfigContext } from "./k8s/local-cluster";
import { podSecurityLabels } from "./k8s/pod-security";
import { SampleApp } from "./k8s/sample-app";
import { Thanos, ThanosStorage } from "./k8s/thanos";
import { buildObjstoreConfig } from "./k8s/thanos/values";
import { TeamContent, deployedTeams, teamLokiRules } from "./k8s/teams";

/** What a stack exports. Secrets stay secret Outputs. */
export interface PlatformOutputs {
    readonly clusterName: pulumi.Output<string>;
    /** The AWS outputs below are absent on a cluster by kubeconfig (cluster.kubeconfig): nothing is created in AWS there. */
    readonly clusterEndpoint?: pulumi.Output<string>;
    readonly kubeconfig?: pulumi.Output<string>;
    readonly oidcIssuerUrl?: pulumi.Output<string>;
    readonly vpcId?: pulumi.Output<string>;
    /** The created node groups' role; absent for a brought cluster (a stack output is never undefined). */
    readonly nodeRoleArn?: pulumi.Output<string>;
    /** Loki's chunks and index bucket (the only log bucket: rules are mounted from ConfigMaps). */
    readonly logsBucket?: pulumi.Output<string>;
    readonly logsKmsKeyArn?: pulumi.Output<string>;
    readonly lokiRoleArn?: pulumi.Output<string>;
    /** Thanos's block bucket and its key; only with metrics.longTerm. */
    readonly metricsBucket?: pulumi.Output<string>;
    readonly metricsKmsKeyArn?: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** How to reach Grafana: its URL, or the port-forward command when it has no hostname. */
    readonly grafanaAccess: string;
    /** DNS name of Grafana's load balancer (point the hostname at it); only with grafana.hostname. */
    readonly grafanaLoadBalancer?: pulumi.Output<string>;
}

/**
 * The whole platform for one stack, in dependency order: AWS provider -> log storage ->
 * cluster -> workload identity -> metrics (+ dashboards) -> logs -> collector. On a cluster by
 * kubeconfig context (cluster.kubeconfig) the AWS layer is absent: no AWS provider or resource,
 * Loki on its own volume; every Kubernetes part is the same.
 */
export class Platform extends pulumi.ComponentResource {
    public readonly outputs: PlatformOutputs;

    constructor(name: string, loaded: LoadedConfig, opts?: pulumi.ComponentResourceOptions) {
        super("plg:index:Platform", name, {}, opts);
        const { settings, secrets } = loaded;
        const production = settings.environment === "prod";
        // The teams' rules and dashboards (teams/<team>/): a broken file stops here, before any resource.
        const teams = deployedTeams(settings);
        const local = settings.cluster.kubeconfig;
        // A context missing from the kubeconfig stops here, before any resource, naming the key.
        if (local !== undefined) checkKubeconfigContext(local);

        const awsProvider =
            local === undefined
                ? new aws.Provider(
                      `${name}-aws`,
                      {
                          region: awsOf(settings).region as aws.Region,
                          defaultTags: { tags: { ...awsOf(settings).tags, "pulumi:project": pulumi.getProject(), "pulumi:stack": pulumi.getStack() } },
                      },
                      { parent: this },
                  )
                : undefined;

        const storage = awsProvider
            ? new LogStorage(
                  `${name}-log-storage`,
                  { retentionDays: settings.logs.retentionDays, lifecycleMarginDays: settings.logs.lifecycleMarginDays, production, provider: awsProvider },
                  { parent: this },
              )
            : undefined;

        const eks = awsProvider ? new EksCluster(`${name}-eks`, { settings, provider: awsProvider }, { parent: this }) : undefined;
        const cluster: KubernetesTarget =
            eks?.access ?? new LocalCluster(`${name}-local`, { kubeconfig: local as NonNullable<typeof local>, clusterName: clusterNameOf(settings) }, { parent: this }).access;

        // Grafana's shared PostgreSQL (prod): in the cluster's private subnets, reachable from its nodes only.
        // config/checks.ts refuses grafana.database.type rds without AWS (cluster.kubeconfig).
        const db = settings.grafana.database;
        const grafanaDatabase =
            db.type === "rds" && eks && awsProvider
                ? new GrafanaDatabase(
                      `${name}-grafana-database`,
                      {
                          settings: db,
                          production,
                          clusterName: clusterNameOf(settings),
                          vpcId: eks.access.vpcId,
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

        const lokiRole =
            eks && storage && awsProvider
                ? new WorkloadRole(
                      `${name}-loki`,
                      {
                          mode: settings.cluster.workloadIdentity,
                          namespace: loki.namespace,
                          serviceAccount: loki.serviceAccount,
                          policy: pulumi.all([storage.bucketArn, storage.kmsKey.arn]).apply(([bucket, key]) => objectStorePolicy([bucket], key)),
                          clusterName: eks.access.name,
                          clusterArn: eks.access.arn,
                          ...(eks.access.oidcProviderArn ? { oidcProviderArn: eks.access.oidcProviderArn } : {}),
                          oidcIssuerUrl: eks.access.oidcIssuerUrl,
                          provider: awsProvider,
                          // Only the cluster (through its name and ARN): an association is an EKS API object and needs
                          // no agent or nodes to exist (EKS user guide, "Assign an IAM role to a Kubernetes service
                          // account": prerequisites are the cluster and iam:PassRole). Loki's pods need the agent, and
                          // the Loki release waits for it.
                      },
                      { parent: this },
                  )
                : undefined;

        // Long-term metrics: the bucket and the sidecars', Store Gateway's and Compactor's roles (need only the cluster).
        // config/checks.ts refuses metrics.longTerm without AWS (cluster.kubeconfig).
        const thanosStorage =
            settings.metrics.longTerm.enabled && eks && awsProvider
                ? new ThanosStorage(`${name}-thanos-storage`, { settings, cluster: eks.access, awsProvider }, { parent: this })
                : undefined;

        const metrics = new Metrics(
            `${name}-metrics`,
            {
                settings,
                secrets,
                clusterName: cluster.name,
                ...(cluster.storageClassName !== undefined ? { storageClass: cluster.storageClassName } : {}),
                provider: cluster.provider,
                dependsOn: cluster.ready,
                ...(grafanaDatabase ? { grafanaDatabase: grafanaDatabase.connection } : {}),
                ...(thanosStorage
                    ? {
                          longTerm: {
                              objstoreConfig: thanosStorage.bucketName.apply((bucket) => buildObjstoreConfig({ bucket, region: awsOf(settings).region })),
                              prometheusServiceAccountAnnotations: thanosStorage.serviceAccountAnnotations.sidecar,
                              dependsOn: [thanosStorage],
                          },
                      }
                    : {}),
            },
            { parent: this },
        );

        if (thanosStorage && metrics.objstoreSecret && eks) {
            new Thanos(
                `${name}-thanos`,
                {
                    settings,
                    storage: thanosStorage,
                    storageClass: eks.access.storageClassName,
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
                ...(storage ? { bucketName: storage.bucketName } : {}),
                ...(settings.cluster.workloadIdentity === "irsa" && lokiRole ? { irsaRoleArn: lokiRole.roleArn } : {}),
                ...(cluster.storageClassName !== undefined ? { storageClass: cluster.storageClassName } : {}),
                provider: cluster.provider,
                dependsOn: [...cluster.ready, ...(lokiRole ? [lokiRole] : []), metrics.crds],
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
        let otlpGatewayRelease: k8s.helm.v3.Release | undefined;
        if (settings.otlp.enabled) {
            const logReplicaCredential = secrets.logReplicaCredential ? { logReplicaCredential: secrets.logReplicaCredential } : {};
            otlpGatewayRelease = new OtlpGateway(`${name}-otlp`, { settings, provider: cluster.provider, dependsOn: [metrics.crds], ...logReplicaCredential }, { parent: this }).release;
        }

        // Grafana's ingress needs it; a brought cluster may have its own, so there only when asked.
        const lbc =
            installsLoadBalancerController(settings) && eks && awsProvider
                ? new LoadBalancerController(`${name}-load-balancer-controller`, { settings, cluster: eks.access, awsProvider, dependsOn: eks.access.ready }, { parent: this })
                : undefined;

        // Where Grafana's load balancer sends from: its policy admits that, its Ingress is pinned there.
        const grafanaLoadBalancer = grafanaLoadBalancerPlacement(settings);
        // The CRDs release waits for the monitoring namespace: every platform namespace exists first.
        const networkPolicies = new NetworkPolicies(
            `${name}-network-policies`,
            {
                provider: cluster.provider,
                // A cluster by kubeconfig has no VPC: the API server's address (its webhook calls) is
                // cluster.kubeconfig.apiServerCidr, or unknown (any); no load balancer reaches Grafana there.
                vpcCidr: eks ? eks.access.vpcCidr : (local?.apiServerCidr ?? "0.0.0.0/0"),
                grafanaLoadBalancer,
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
            grafana.hostname !== undefined && grafana.tlsCertificateArn !== undefined && awsProvider
                ? new GrafanaIngress(
                      `${name}-grafana-ingress`,
                      {
                          hostname: grafana.hostname,
                          certificateArn: grafana.tlsCertificateArn,
                          scheme: grafana.scheme,
                          inboundCidrs: grafana.inboundCidrs,
                          ...(grafana.hostedZoneId !== undefined ? { hostedZoneId: grafana.hostedZoneId } : {}),
                          // Internet-facing on the program's VPC: in its public subnets, where no pod is.
                          ...(grafanaLoadBalancer.kind === "publicSubnets" && eks?.network ? { subnetIds: eks.network.publicSubnetIds } : {}),
                          provider: cluster.provider,
                          awsProvider,
                          dependsOn: [metrics.release, networkPolicies, ...(lbc ? [lbc.release] : [])],
                      },
                      { parent: this },
                  )
                : undefined;

        // The guide's sample service, to verify a new environment by generating traffic (README).
        if (settings.sampleApp.enabled && settings.sampleApp.image) {
            const pushed = settings.sampleApp.metricsExporter === "otlp";
            new SampleApp(
                `${name}-sample-app`,
                {
                    image: settings.sampleApp.image,
                    replicas: settings.sampleApp.replicas,
                    metrics: pushed ? { exporter: "otlp", exportIntervalMillis: parseDuration(settings.metrics.scrapeInterval) } : { exporter: "prometheus" },
                    namespaceLabels: podSecurityLabels("restricted"),
                    provider: cluster.provider,
                    // Pushed metrics: the first exports find the gateway listening.
                    dependsOn: [...cluster.ready, metrics.crds, ...(pushed && otlpGatewayRelease ? [otlpGatewayRelease] : [])],
                },
                { parent: this },
            );
        }

        this.outputs = {
            clusterName: cluster.name,
            ...(eks
                ? {
                      clusterEndpoint: eks.access.endpoint,
                      kubeconfig: pulumi.secret(eks.access.kubeconfig),
                      oidcIssuerUrl: eks.access.oidcIssuerUrl,
                      vpcId: eks.access.vpcId,
                  }
                : {}),
            ...(eks?.access.nodeRoleArn !== undefined ? { nodeRoleArn: eks.access.nodeRoleArn } : {}),
            ...(storage ? { logsBucket: storage.bucketName, logsKmsKeyArn: storage.kmsKey.arn } : {}),
            ...(lokiRole ? { lokiRoleArn: lokiRole.roleArn } : {}),
            ...(thanosStorage ? { metricsBucket: thanosStorage.bucketName, metricsKmsKeyArn: thanosStorage.kmsKeyArn } : {}),
            grafanaAdminPassword: metrics.grafanaAdminPassword,
            grafanaAccess: settings.grafana.hostname
                ? `https://${settings.grafana.hostname}`
                : // A command to paste as is (then http://localhost:3000), bound to the local stack's context.
                  `kubectl${local !== undefined ? ` --context ${local.context}` : ""} -n ${kps.namespace} port-forward svc/${kps.grafana.service} 3000:${kps.grafana.port}`,
            ...(grafanaIngress ? { grafanaLoadBalancer: grafanaIngress.loadBalancerHostname } : {}),
        };
        this.registerOutputs({});
    }
}
