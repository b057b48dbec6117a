import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Secrets, Settings } from "../../../config";
import { chartRelease } from "../helm";
import { teamLogTenants } from "../logs/values";
import { platformNamespace, protectedInProd } from "../namespace";
import { GRAFANA_SSO_CLIENT_SECRET_KEY, buildSsoIni } from "./sso";
import { GRAFANA_DATABASE_HOST_KEY, GRAFANA_DATABASE_PASSWORD_KEY, grafanaDatabaseSecretName } from "./grafana-database";
import { kps, thanos, urls } from "../../endpoints";
import { THANOS_VERSION } from "../../charts";
import { thanosSidecarResources } from "../thanos";
import { HEARTBEAT_URL_KEY, PAGERDUTY_ROUTING_KEY_KEY, SLACK_WEBHOOK_KEY, buildAlertmanagerConfig, teamSecretKey } from "./alertmanager";
import { parseTeamSecrets, teamSecretFields, usesPlatformSlack } from "../../../config/teams";
import { DEFAULT_GROUP_BY, type MetricsRulesInput, buildPrometheusRules } from "./rules";
import {
    GRAFANA_ADMIN_PASSWORD_KEY,
    GRAFANA_ADMIN_USER_KEY,
    type KpsComponentResources,
    type KpsValuesInput,
    buildKubePrometheusStackValues,
    buildPrometheusOperatorCrdsValues,
} from "./values";

/** How long Helm waits for a release before failing (seconds). */
const RELEASE_TIMEOUT_SECONDS = 900;

/**
 * Requests and limits of everything in kube-prometheus-stack but Prometheus (`metrics.resources`).
 * Starting points from upstream (kube-prometheus' manifests, the charts' commented examples, the
 * operator's config-reloader defaults), for a cluster of a few nodes; kube-state-metrics grows with
 * the number of objects, Grafana with users. Memory limits leave room for spikes; no CPU limits,
 * so a busy component borrows idle CPU instead of being throttled.
 */
const RESOURCES: Record<Settings["environment"], KpsComponentResources> = {
    dev: {
        alertmanager: { requests: { cpu: "25m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        configReloader: { requests: { cpu: "10m", memory: "50Mi" }, limits: { memory: "50Mi" } },
        operator: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        webhookJobs: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
        kubeStateMetrics: { requests: { cpu: "25m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        nodeExporter: { requests: { cpu: "25m", memory: "48Mi" }, limits: { memory: "96Mi" } },
        grafana: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        grafanaSidecar: { requests: { cpu: "25m", memory: "96Mi" }, limits: { memory: "192Mi" } },
    },
    prod: {
        alertmanager: { requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "256Mi" } },
        configReloader: { requests: { cpu: "10m", memory: "50Mi" }, limits: { memory: "50Mi" } },
        operator: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        webhookJobs: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
        kubeStateMetrics: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        nodeExporter: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        grafana: { requests: { cpu: "250m", memory: "384Mi" }, limits: { memory: "1Gi" } },
        grafanaSidecar: { requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "192Mi" } },
    },
};

/** The alert rules' input, from settings: one mapping used by the component and by render's promtool tests. */
export function metricsRulesInput(settings: Settings): MetricsRulesInput {
    const a = settings.alerting;
    return {
        httpStatusLabel: a.httpStatusLabel,
        errorRateThreshold: a.errorRateThreshold,
        errorRateFor: "1m",
        latencyP95ThresholdSeconds: a.latencyP95ThresholdSeconds,
        latencyFor: "5m",
        availabilityObjective: a.availabilityObjective,
        runbookBaseUrl: a.runbookBaseUrl,
        ...(settings.grafana.hostname ? { dashboardBaseUrl: `https://${settings.grafana.hostname}` } : {}),
        groupBy: DEFAULT_GROUP_BY,
        scrapeInterval: settings.metrics.scrapeInterval,
        ...(settings.metrics.longTerm.enabled ? { thanos: { sidecarJob: thanos.sidecarDiscoveryService } } : {}),
    };
}

/** kube-prometheus-stack values input from settings (cluster name resolved by the caller). */
export function kpsValuesInput(
    settings: Settings,
    clusterName: string,
    storageClass: string | undefined,
    prometheusServiceAccountAnnotations: Readonly<Record<string, string>> = {},
): KpsValuesInput {
    const prod = settings.environment === "prod";
    const m = settings.metrics;
    const g = settings.grafana;
    // Alertmanager itself is not exposed (no authentication); its links lead to Grafana's
    // alerting UI, where the `alertmanager` datasource's alerts and silences are handled.
    const alertsUrl = g.hostname ? `https://${g.hostname}/alerting` : undefined;
    const am = buildAlertmanagerConfig({
        externalUrlIsPublic: alertsUrl !== undefined,
        serviceLabels: metricsRulesInput(settings).groupBy,
        groupBy: settings.alerting.groupBy,
        groupWait: settings.alerting.groupWait,
        groupInterval: settings.alerting.groupInterval,
        repeatInterval: settings.alerting.repeatInterval,
        slack: settings.alerting.slack,
        pagerduty: settings.alerting.pagerduty,
        heartbeat: settings.alerting.heartbeat,
        secretName: kps.receiverSecretName,
        teams: settings.alerting.teams,
    });
    return {
        environment: settings.environment,
        clusterName,
        storageClass,
        ...(settings.cluster.kubeconfig ? { nodeExporterHostRootFs: false } : {}),
        prometheus: {
            replicas: m.prometheusReplicas,
            retention: m.retention,
            retentionSize: m.retentionSize,
            volumeSizeGiB: m.volumeSizeGiB,
            resources: { requests: { cpu: m.resources.cpu, memory: m.resources.memory }, limits: { memory: m.resources.memory } },
            scrapeInterval: m.scrapeInterval,
            remoteWriteReceiver: settings.otlp.enabled,
            ...(m.longTerm.enabled
                ? {
                      thanos: {
                          image: `quay.io/thanos/thanos:${THANOS_VERSION}`,
                          resources: thanosSidecarResources(settings),
                          objstoreSecret: { name: thanos.objstoreSecretName, key: thanos.objstoreSecretKey },
                          serviceAccountAnnotations: prometheusServiceAccountAnnotations,
                          queryUrl: urls.thanosQueryFrontend,
                      },
                  }
                : {}),
        },
        alertmanager: {
            replicas: m.alertmanagerReplicas,
            volumeSizeGiB: prod ? 5 : 1,
            ...(alertsUrl ? { externalUrl: alertsUrl } : {}),
            config: am.config,
            templateFiles: am.templates,
        },
        grafana: {
            adminSecretName: kps.grafanaAdminSecretName,
            ...(g.hostname ? { hostname: g.hostname } : {}),
            persistenceSizeGiB: g.persistenceSizeGiB,
            ...(g.database.type === "rds" ? { sharedDatabase: { replicas: g.database.replicas, strictSpread: prod } } : {}),
            ...(g.sso.provider !== "none" && g.sso.clientId !== undefined
                ? {
                      sso: {
                          secretName: kps.grafanaSsoSecretName,
                          ini: buildSsoIni({
                              provider: g.sso.provider,
                              clientId: g.sso.clientId,
                              ...(g.sso.authUrl ? { authUrl: g.sso.authUrl } : {}),
                              ...(g.sso.tokenUrl ? { tokenUrl: g.sso.tokenUrl } : {}),
                              ...(g.sso.apiUrl ? { apiUrl: g.sso.apiUrl } : {}),
                              allowed: g.sso.allowed,
                              adminGroups: g.sso.adminGroups,
                              editorGroups: g.sso.editorGroups,
                              allowSignUp: g.sso.allowSignUp,
                              https: g.hostname !== undefined && g.tlsCertificateArn !== undefined,
                          }),
                      },
                  }
                : {}),
            loki: {
                url: urls.lokiGateway,
                tenantId: settings.logs.tenantId,
                teams: teamLogTenants(settings.alerting.teams).map((t) => ({ team: t.team, tenantId: t.tenant })),
            },
        },
        hardAntiAffinity: prod,
        pdb: prod,
        receiverSecretName: kps.receiverSecretName,
        resources: RESOURCES[settings.environment],
    };
}

export interface MetricsArgs {
    /** Validated stack settings. */
    readonly settings: Settings;
    /** Secret config (Slack webhook, PagerDuty key) as secret Outputs. */
    readonly secrets: Secrets;
    /** EKS cluster name (the `cluster` external label). */
    readonly clusterName: pulumi.Input<string>;
    /** StorageClass for every PVC; absent: the cluster's default. */
    readonly storageClass?: string;
    /** The cluster's Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** What must exist before the releases (node groups, add-ons, StorageClass). */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
    /**
     * Long-term metrics (metrics.longTerm.enabled): the object-store configuration (thanos/values.ts
     * buildObjstoreConfig), the annotations of Prometheus's service account and the workload roles
     * the sidecars' uploads need first.
     */
    readonly longTerm?: {
        readonly objstoreConfig: pulumi.Input<string>;
        readonly prometheusServiceAccountAnnotations: pulumi.Input<Record<string, string>>;
        readonly dependsOn: pulumi.Resource[];
    };
    /** Grafana's shared database (grafana.database.type rds): `host:port` and the password (secret). */
    readonly grafanaDatabase?: { readonly host: pulumi.Output<string>; readonly password: pulumi.Output<string> };
}

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana) with its CRDs as a separate release,
 * receiver credentials in one Kubernetes Secret, the Grafana admin password from random, and the
 * platform's alert rules as a PrometheusRule.
 */
export class Metrics extends pulumi.ComponentResource {
    /** Grafana admin password (secret). */
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    /** The kube-prometheus-stack release. */
    public readonly release: k8s.helm.v3.Release;
    /** The prometheus-operator CRDs release: anything creating a ServiceMonitor or PrometheusRule waits for it. */
    public readonly crds: k8s.helm.v3.Release;
    /** The node agents' namespace (privileged Pod Security): node-exporter here, Alloy beside it. */
    public readonly nodeAgentsNamespace: k8s.core.v1.Namespace;
    /** The object-store configuration Secret the sidecars and Thanos read (long-term metrics only). */
    public readonly objstoreSecret?: k8s.core.v1.Secret;

    constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:Metrics", name, {}, opts);
        const k8sOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const s = args.settings;
        // In prod, deleting the namespace or either release (a rename, a replace) takes the metrics
        // history and every monitoring object with it: Pulumi refuses until protect is lifted.
        const keep = protectedInProd(s.environment);

        const ns = platformNamespace(`${name}-namespace`, kps.namespace, { ...k8sOpts, ...keep, dependsOn: args.dependsOn });
        // Created here: node-exporter, part of this release, is the first to land in it.
        const nodeAgents = (this.nodeAgentsNamespace = platformNamespace(`${name}-node-agents-namespace`, kps.nodeExporter.namespace, {
            ...k8sOpts,
            ...keep,
            dependsOn: args.dependsOn,
        }));

        const crds = (this.crds = chartRelease(
            `${name}-crds`,
            "prometheusOperatorCrds",
            { name: kps.crdsRelease, namespace: ns.metadata.name, values: buildPrometheusOperatorCrdsValues() },
            { ...k8sOpts, ...keep },
        ));

        const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
        this.grafanaAdminPassword = pulumi.secret(password.result);
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: kps.grafanaAdminSecretName, namespace: ns.metadata.name },
                type: "Opaque",
                stringData: pulumi.secret(
                    this.grafanaAdminPassword.apply((p) => ({ [GRAFANA_ADMIN_USER_KEY]: "admin", [GRAFANA_ADMIN_PASSWORD_KEY]: p })),
                ),
            },
            k8sOpts,
        );

        // One Secret for every receiver credential; Alertmanager reads them as files (*_file).
        const receiverData: Record<string, pulumi.Output<string>> = {};
        const platformSlack = s.alerting.slack.enabled || s.alerting.teams.some(usesPlatformSlack);
        if (platformSlack && args.secrets.slackWebhookUrl) receiverData[SLACK_WEBHOOK_KEY] = args.secrets.slackWebhookUrl;
        if (s.alerting.pagerduty.enabled && args.secrets.pagerdutyRoutingKey) receiverData[PAGERDUTY_ROUTING_KEY_KEY] = args.secrets.pagerdutyRoutingKey;
        if (s.alerting.heartbeat.enabled && args.secrets.heartbeatUrl) receiverData[HEARTBEAT_URL_KEY] = args.secrets.heartbeatUrl;
        // Each team credential its receivers use (config checks made sure it is set), split out of teamSecrets.
        const teamSecrets = args.secrets.teamSecrets;
        for (const team of s.alerting.teams) {
            for (const field of teamSecrets ? teamSecretFields(team) : []) {
                receiverData[teamSecretKey(team.name, field)] = pulumi.secret(pulumi.output(teamSecrets).apply((j) => parseTeamSecrets(j)?.[team.name]?.[field] ?? ""));
            }
        }
        const receiverSecret = new k8s.core.v1.Secret(
            `${name}-receivers`,
            {
                metadata: { name: kps.receiverSecretName, namespace: ns.metadata.name },
                type: "Opaque",
                stringData: pulumi.secret(pulumi.output(receiverData)),
            },
            k8sOpts,
        );

        // Grafana's SSO client secret, read by Grafana as a file ($__file{}), never in its values.
        const ssoSecrets: pulumi.Resource[] = [];
        if (s.grafana.sso.provider !== "none" && args.secrets.ssoClientSecret) {
            ssoSecrets.push(
                new k8s.core.v1.Secret(
                    `${name}-grafana-sso`,
                    {
                        metadata: { name: kps.grafanaSsoSecretName, namespace: ns.metadata.name },
                        type: "Opaque",
                        stringData: pulumi.secret(args.secrets.ssoClientSecret.apply((v) => ({ [GRAFANA_SSO_CLIENT_SECRET_KEY]: v }))),
                    },
                    k8sOpts,
                ),
            );
        }

        // Grafana's database host and password, read as files ($__file{}), never in its values.
        const db = args.grafanaDatabase;
        const databaseSecrets = db
            ? [
                  new k8s.core.v1.Secret(
                      `${name}-grafana-database`,
                      {
                          metadata: { name: grafanaDatabaseSecretName, namespace: ns.metadata.name },
                          type: "Opaque",
                          stringData: pulumi.secret(
                              pulumi.all([db.host, db.password]).apply(([host, password]) => ({ [GRAFANA_DATABASE_HOST_KEY]: host, [GRAFANA_DATABASE_PASSWORD_KEY]: password })),
                          ),
                      },
                      k8sOpts,
                  ),
              ]
            : [];

        // The bucket configuration (bucket, region, aws_sdk_auth; no credential), in the Secret the
        // operator's objectStorageConfig requires; the Thanos release reads the same one.
        const longTerm = args.longTerm;
        const objstoreSecret = (this.objstoreSecret = longTerm
            ? new k8s.core.v1.Secret(
                  `${name}-thanos-objstore`,
                  {
                      metadata: { name: thanos.objstoreSecretName, namespace: ns.metadata.name },
                      type: "Opaque",
                      stringData: pulumi.output(longTerm.objstoreConfig).apply((config) => ({ [thanos.objstoreSecretKey]: config })),
                  },
                  k8sOpts,
              )
            : undefined);
        const longTermDeps: pulumi.Resource[] = longTerm && objstoreSecret ? [objstoreSecret, ...longTerm.dependsOn] : [];

        const values = pulumi
            .all([args.clusterName, args.longTerm?.prometheusServiceAccountAnnotations ?? {}])
            .apply(([clusterName, annotations]) => buildKubePrometheusStackValues(kpsValuesInput(s, clusterName, args.storageClass, annotations)));
        this.release = chartRelease(
            `${name}-kps`,
            "kubePrometheusStack",
            { name: kps.release, namespace: ns.metadata.name, values, timeoutSeconds: RELEASE_TIMEOUT_SECONDS },
            { ...k8sOpts, dependsOn: [crds, adminSecret, receiverSecret, nodeAgents, ...ssoSecrets, ...databaseSecrets, ...longTermDeps], ...keep },
        );

        const rules = buildPrometheusRules(metricsRulesInput(s));
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "plg-platform-rules", namespace: ns.metadata.name, labels: { "app.kubernetes.io/part-of": "plg-observability" } },
                spec: rules,
            },
            { ...k8sOpts, dependsOn: [crds] },
        );

        this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
    }
}
