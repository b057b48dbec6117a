/**
 * Helm values for kube-prometheus-stack (chart version in charts.ts), for EKS.
 *
 * Every key used here exists in the chart's values.yaml or is read by its templates (checked by
 * test/metrics-values.test.ts against ../shared/charts). Names come from endpoints.ts, so the
 * services other parts connect to never drift with the chart.
 */
import { alertmanagerSecretPath, datasourceUids, kps, teamLokiDatasourceUid, urls } from "../../endpoints";
import { CLUSTER_LABEL, ENVIRONMENT_LABEL, PROMETHEUS_REPLICA_LABEL } from "../../labels";
import type { AlertmanagerConfig } from "./alertmanager";
import { type GrafanaHaInput, buildGrafanaHaValues } from "./grafana-database";
import { GRAFANA_SSO_MOUNT } from "./sso";
import { lokiQueryTenants } from "../logs/values";

/** Keys of the Grafana admin Secret (grafana chart defaults, set explicitly so the Secret can be built to match). */
export const GRAFANA_ADMIN_USER_KEY = "admin-user";
/** See GRAFANA_ADMIN_USER_KEY. */
export const GRAFANA_ADMIN_PASSWORD_KEY = "admin-password";

/** How dashboards are discovered: ConfigMaps with this label, in any namespace, foldered by annotation. */
export const GRAFANA_DASHBOARD_SIDECAR = {
    label: "grafana_dashboard",
    labelValue: "1",
    /** ConfigMap annotation naming the Grafana folder of its dashboards. */
    folderAnnotation: "grafana_folder",
} as const;

/** Header Loki reads the tenant from (auth_enabled: true). */
export const LOKI_TENANT_HEADER = "X-Scope-OrgID";

/** Spreads replicas across availability zones, so a zone outage leaves a replica running. */
export const ANTI_AFFINITY_TOPOLOGY_KEY = "topology.kubernetes.io/zone";

/** Grafana's unauthenticated health endpoint (200 when its database answers): what the load balancer probes. */
export const GRAFANA_HEALTH_PATH = "/api/health";

/**
 * ALB security policy: TLS 1.3 and 1.2 only, forward-secret ciphers (Elastic Load Balancing user
 * guide, "Security policies for your Application Load Balancer": ELBSecurityPolicy-TLS13-1-2-2021-06,
 * the recommended policy).
 */
export const GRAFANA_ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** How Grafana's load balancer is reached. */
export interface GrafanaAlbInput {
    /** ACM certificate ARN. */
    readonly certificateArn: string;
    /** internet-facing (public subnets) or internal (private subnets: VPN, peering). */
    readonly scheme: "internet-facing" | "internal";
    /** Source CIDRs allowed to the listeners; empty for the scheme's default (anyone who can route to it). */
    readonly inboundCidrs: readonly string[];
}

/**
 * Annotations of Grafana's Ingress for the AWS Load Balancer Controller (its guide "Redirect
 * Traffic from HTTP to HTTPS" and the Ingress annotations reference): an ALB sending to pod IPs,
 * TLS with the ACM certificate and a TLS 1.2+ policy on 443, and an HTTP listener on 80 whose only
 * action is the redirect (`ssl-redirect` needs both ports in `listen-ports`). The target group
 * probes Grafana's health endpoint rather than `/`, which answers with a redirect to the login page.
 */
export function grafanaAlbAnnotations(input: GrafanaAlbInput): Record<string, string> {
    return {
        "alb.ingress.kubernetes.io/scheme": input.scheme,
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/certificate-arn": input.certificateArn,
        "alb.ingress.kubernetes.io/ssl-policy": GRAFANA_ALB_SSL_POLICY,
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/healthcheck-path": GRAFANA_HEALTH_PATH,
        ...(input.inboundCidrs.length > 0 ? { "alb.ingress.kubernetes.io/inbound-cidrs": input.inboundCidrs.join(",") } : {}),
    };
}

/**
 * Helm keeps an object annotated so when its release is uninstalled or replaced. Deleting a CRD
 * deletes every object of its kind: all Prometheus, Alertmanager, ServiceMonitor and
 * PrometheusRule objects in the cluster, the applications' included.
 */
export const HELM_KEEP_ANNOTATION = { "helm.sh/resource-policy": "keep" } as const;

/** Values of the prometheus-operator-crds release: every CRD outlives the release. */
export function buildPrometheusOperatorCrdsValues(): { readonly crds: { readonly annotations: Readonly<Record<string, string>> } } {
    return { crds: { annotations: { ...HELM_KEEP_ANNOTATION } } };
}

/** CPU and memory quantities. */
export interface ResourceQuantities {
    /** CPU, e.g. "500m". */
    readonly cpu?: string;
    /** Memory, e.g. "2Gi". */
    readonly memory?: string;
}

/** Container resources. */
export interface ResourceRequirements {
    /** Scheduling requests. */
    readonly requests: ResourceQuantities;
    /** Limits (memory limit recommended; CPU limit optional). */
    readonly limits?: ResourceQuantities;
}

/**
 * Container resources of every kube-prometheus-stack component besides Prometheus itself (whose
 * size is the `metrics.resources` setting). The chart and its subcharts request nothing by default.
 */
export interface KpsComponentResources {
    /** Alertmanager (per replica). */
    readonly alertmanager: ResourceRequirements;
    /**
     * The config-reloader the operator injects into every Prometheus and Alertmanager pod, as a
     * sidecar and as an init container (the operator's `--config-reloader-*` flags).
     */
    readonly configReloader: ResourceRequirements;
    /** The Prometheus operator. */
    readonly operator: ResourceRequirements;
    /** The operator's admission-webhook certificate Jobs (run at install and upgrade). */
    readonly webhookJobs: ResourceRequirements;
    /** kube-state-metrics (grows with the number of Kubernetes objects). */
    readonly kubeStateMetrics: ResourceRequirements;
    /** node-exporter (one per node). */
    readonly nodeExporter: ResourceRequirements;
    /** Grafana server. */
    readonly grafana: ResourceRequirements;
    /** Each of Grafana's dashboard and datasource sidecars. */
    readonly grafanaSidecar: ResourceRequirements;
}

/** Settings of the kube-prometheus-stack release. */
export interface KpsValuesInput {
    /** Environment name, written to every series as an external label. */
    readonly environment: "dev" | "prod";
    /** Cluster name, written to every series as the `cluster` external label. */
    readonly clusterName: string;
    /** StorageClass of every volume, e.g. "gp3"; absent: the cluster's default StorageClass (cluster.kubeconfig). */
    readonly storageClass?: string | undefined;
    /**
     * node-exporter mounts the node's / (HostToContainer propagation) for filesystem metrics; false on
     * a cluster by kubeconfig, where Docker Desktop's node refuses that mount (the pod never starts).
     */
    readonly nodeExporterHostRootFs?: boolean;
    /** Prometheus server. */
    readonly prometheus: {
        /** Replicas (HA pairs scrape the same targets; Alertmanager deduplicates their alerts). */
        readonly replicas: number;
        /** Time-based retention, e.g. "15d". */
        readonly retention: string;
        /** Size-based retention, e.g. "45GB"; keep below the volume size. */
        readonly retentionSize: string;
        /** Volume size per replica, GiB. */
        readonly volumeSizeGiB: number;
        /** Container resources. */
        readonly resources: ResourceRequirements;
        /**
         * Scrape interval, also the rule evaluation interval: the alert rules' rate windows and
         * their promtool tests assume samples and evaluations at this step (rules.ts).
         */
        readonly scrapeInterval: string;
        /** Accept remote write on /api/v1/write (the OTLP gateway writes application metrics there). */
        readonly remoteWriteReceiver?: boolean;
        /**
         * Long-term metrics (metrics.longTerm): a Thanos sidecar in each replica uploads its blocks
         * with the bucket configuration of the Secret `objstoreSecret` (no credential: the service
         * account's workload role), and Grafana's `prometheus` datasource reads Thanos Query Frontend.
         */
        readonly thanos?: {
            /** Sidecar image (components/charts.ts THANOS_VERSION). */
            readonly image: string;
            readonly resources: ResourceRequirements;
            readonly objstoreSecret: { readonly name: string; readonly key: string };
            /** Annotations of Prometheus's service account (IRSA's role-arn; none for Pod Identity). */
            readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
            /** Where Grafana's `prometheus` datasource points (urls.thanosQueryFrontend). */
            readonly queryUrl: string;
        };
    };
    /** Alertmanager. */
    readonly alertmanager: {
        /** Replicas (they gossip to deduplicate notifications). */
        readonly replicas: number;
        /** Volume size per replica (silences, notification log), GiB. */
        readonly volumeSizeGiB: number;
        /** Public URL of Alertmanager, used in notification links. */
        readonly externalUrl?: string;
        /** Configuration from buildAlertmanagerConfig(). */
        readonly config: AlertmanagerConfig;
        /** Template files from buildAlertmanagerConfig(). */
        readonly templateFiles: Readonly<Record<string, string>>;
    };
    /** Grafana. */
    readonly grafana: {
        /** Secret holding the admin user and password (keys GRAFANA_ADMIN_USER_KEY / GRAFANA_ADMIN_PASSWORD_KEY). */
        readonly adminSecretName: string;
        /** Public host name, e.g. "grafana.example.com"; sets server.root_url. */
        readonly hostname?: string;
        /** Volume size for Grafana's database, GiB. */
        readonly persistenceSizeGiB: number;
        /** Replicas sharing an RDS PostgreSQL (grafana-database.ts); absent: one replica on SQLite and its PVC. */
        readonly sharedDatabase?: GrafanaHaInput;
        /** Single sign-on, and the Secret holding its client secret (mounted at GRAFANA_SSO_MOUNT). */
        readonly sso?: { readonly ini: Readonly<Record<string, Readonly<Record<string, unknown>>>>; readonly secretName: string };
        /** Loki datasources: the platform tenant's (uid datasourceUids.loki) and one per team tenant. */
        readonly loki: {
            /** Loki query URL (urls.lokiGateway). */
            readonly url: string;
            /** The platform's tenant; its datasource (uid datasourceUids.loki) reads it and every team tenant below. */
            readonly tenantId: string;
            /** Teams whose logs have a tenant: a datasource each, reading only that tenant (uid teamLokiDatasourceUid(team)). */
            readonly teams?: readonly { readonly team: string; readonly tenantId: string }[];
        };
    };
    /** Required (true, prod) or preferred (false, dev) zone anti-affinity for Prometheus and Alertmanager. */
    readonly hardAntiAffinity: boolean;
    /** PodDisruptionBudgets for Prometheus and Alertmanager (needs >= 2 replicas, else node drains block). */
    readonly pdb: boolean;
    /** Secret with the receiver credentials, mounted into Alertmanager (endpoints.kps.receiverSecretName). */
    readonly receiverSecretName: string;
    /** Requests and limits of the other components. */
    readonly resources: KpsComponentResources;
}

/** A Grafana provisioned datasource (the subset used here). */
export interface GrafanaDatasource {
    /** Display name. */
    readonly name: string;
    /** Plugin type. */
    readonly type: string;
    /** Fixed uid that dashboards and links use. */
    readonly uid: string;
    /** Server-side access. */
    readonly access: "proxy";
    /** URL. */
    readonly url: string;
    /** Not editable in the UI: provisioning owns it. */
    readonly editable: boolean;
    /** Plain settings. */
    readonly jsonData: Readonly<Record<string, string | number | boolean>>;
    /** Settings Grafana stores encrypted (here: the tenant header value, which Grafana only accepts here). */
    readonly secureJsonData?: Readonly<Record<string, string>>;
}

/** kube-prometheus-stack values (only the keys set here). */
export interface KpsValues {
    /** Stable resource names. */
    readonly fullnameOverride: string;
    /** CRDs come from the separate prometheus-operator-crds release. */
    readonly crds: { readonly enabled: boolean };
    /** Chart rules. */
    readonly defaultRules: {
        /** Install the chart's rules. */
        readonly create: boolean;
        /** Rule groups switched off. */
        readonly rules: Readonly<Record<string, boolean>>;
        /** Individual alerts switched off. */
        readonly disabled: Readonly<Record<string, boolean>>;
    };
    /** EKS control-plane components are not scrapeable. */
    readonly kubeControllerManager: { readonly enabled: boolean };
    /** See kubeControllerManager. */
    readonly kubeScheduler: { readonly enabled: boolean };
    /** See kubeControllerManager. */
    readonly kubeEtcd: { readonly enabled: boolean };
    /** kube-proxy on EKS binds metrics to 127.0.0.1. */
    readonly kubeProxy: { readonly enabled: boolean };
    /** Prometheus. */
    readonly prometheus: {
        /** PDB (minAvailable 1, chart default). */
        readonly podDisruptionBudget: { readonly enabled: boolean };
        /** Prometheus custom resource spec. */
        readonly prometheusSpec: Readonly<Record<string, unknown>>;
        /** Prometheus's service account (the Thanos sidecar's uploads run as it). */
        readonly serviceAccount?: { readonly annotations: Readonly<Record<string, string>> };
        /** Headless Service selecting the Prometheus pods on the sidecars' gRPC port (Thanos Query's DNS SRV discovery). */
        readonly thanosService?: { readonly enabled: boolean };
        /** ServiceMonitor of the sidecars. */
        readonly thanosServiceMonitor?: { readonly enabled: boolean };
    };
    /** Alertmanager. */
    readonly alertmanager: {
        /** PDB (minAvailable 1, chart default). */
        readonly podDisruptionBudget: { readonly enabled: boolean };
        /** Configuration (stored by the chart in a Secret). */
        readonly config: AlertmanagerConfig;
        /** Notification templates (same Secret, mounted at /etc/alertmanager/config). */
        readonly templateFiles: Readonly<Record<string, string>>;
        /** Alertmanager custom resource spec. */
        readonly alertmanagerSpec: Readonly<Record<string, unknown>>;
    };
    /** The operator, the config-reloader it injects, and its webhook certificate Jobs. */
    readonly prometheusOperator: {
        /** The operator's container. */
        readonly resources: ResourceRequirements;
        /** Passed to the operator as `--config-reloader-*` flags. */
        readonly prometheusConfigReloader: { readonly resources: ResourceRequirements };
        /** kube-webhook-certgen Jobs. */
        readonly admissionWebhooks: { readonly patch: { readonly resources: ResourceRequirements } };
    };
    /** kube-state-metrics subchart. */
    readonly "kube-state-metrics": { readonly resources: ResourceRequirements };
    /** node-exporter subchart. */
    readonly "prometheus-node-exporter": { readonly namespaceOverride: string; readonly resources: ResourceRequirements; readonly hostRootFsMount?: { readonly enabled: boolean } };
    /** Grafana subchart. */
    readonly grafana: Readonly<Record<string, unknown>> & {
        /** Datasources besides the sidecar's Prometheus and Alertmanager. */
        readonly additionalDataSources: readonly GrafanaDatasource[];
    };
}

function volumeClaimTemplate(storageClass: string | undefined, sizeGiB: number): Record<string, unknown> {
    return {
        volumeClaimTemplate: {
            spec: {
                // Absent, not empty: "" would ask for a volume of no class (no dynamic provisioning).
                ...(storageClass !== undefined ? { storageClassName: storageClass } : {}),
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${sizeGiB}Gi` } },
            },
        },
    };
}

/**
 * additionalDataSources go through Helm `tpl` (a literal `{{` would be evaluated) and Grafana
 * expands `$VAR` in provisioning files (a literal `$` is written `$$`).
 */
function provisioningSafe(value: string, what: string): string {
    if (value.includes("{{")) throw new Error(`${what} must not contain "{{" (Helm tpl would evaluate it)`);
    return value.replace(/\$/g, "$$$$");
}

/** A Loki datasource reading the tenants of its X-Scope-OrgID header: one id, or several joined by `|` (lokiQueryTenants). */
function lokiDatasource(name: string, uid: string, url: string, tenantId: string): GrafanaDatasource {
    return {
        name,
        type: "loki",
        uid,
        access: "proxy",
        url: provisioningSafe(url, "grafana.loki.url"),
        editable: false,
        jsonData: { httpHeaderName1: LOKI_TENANT_HEADER, maxLines: 1000 },
        // Grafana takes custom header values only from secureJsonData. The tenant id is an
        // identifier, not a credential, so the plaintext datasource ConfigMap is acceptable.
        secureJsonData: { httpHeaderValue1: provisioningSafe(tenantId, `grafana.loki tenant of ${uid}`) },
    };
}

/** Every `/etc/alertmanager/secrets/<name>/...` path in the config must name a mounted Secret. */
function secretNamesReferenced(node: unknown, out: Set<string>): Set<string> {
    const prefix = alertmanagerSecretPath("", "").replace(/\/+$/, "");
    if (typeof node === "string" && node.startsWith(prefix)) {
        const name = node.slice(prefix.length).split("/").filter(Boolean)[0];
        if (name) out.add(name);
    } else if (Array.isArray(node)) {
        node.forEach((n) => secretNamesReferenced(n, out));
    } else if (node && typeof node === "object") {
        Object.values(node).forEach((n) => secretNamesReferenced(n, out));
    }
    return out;
}

/** Builds the kube-prometheus-stack values; throws on inconsistent input. */
export function buildKubePrometheusStackValues(input: KpsValuesInput): KpsValues {
    const problems: string[] = [];
    if (input.pdb && input.prometheus.replicas < 2) problems.push("pdb needs prometheus.replicas >= 2 (a PDB on 1 replica blocks node drains)");
    if (input.pdb && input.alertmanager.replicas < 2) problems.push("pdb needs alertmanager.replicas >= 2 (a PDB on 1 replica blocks node drains)");
    for (const name of secretNamesReferenced(input.alertmanager.config, new Set())) {
        if (name !== input.receiverSecretName) {
            problems.push(`alertmanager config reads Secret "${name}" but only "${input.receiverSecretName}" is mounted`);
        }
    }
    if (problems.length > 0) throw new Error(`invalid kube-prometheus-stack input:\n  - ${problems.join("\n  - ")}`);

    const antiAffinity = {
        podAntiAffinity: input.hardAntiAffinity ? "hard" : "soft",
        podAntiAffinityTopologyKey: ANTI_AFFINITY_TOPOLOGY_KEY,
    };
    const g = input.grafana;
    const r = input.resources;
    const thanosSidecar = input.prometheus.thanos;
    const ha = g.sharedDatabase ? buildGrafanaHaValues(g.sharedDatabase) : undefined;
    const secretMounts = [...(g.sso ? [{ name: "sso", secretName: g.sso.secretName, mountPath: GRAFANA_SSO_MOUNT, readOnly: true }] : []), ...(ha?.extraSecretMounts ?? [])];

    return {
        fullnameOverride: kps.fullname,
        crds: { enabled: false },
        defaultRules: {
            create: true,
            // Their targets are disabled below (EKS control plane, kube-proxy): these would only alert on absence.
            rules: {
                etcd: false,
                kubeControllerManager: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeProxy: false,
            },
            // rules.ts' ScrapeTargetDown covers every target, per job; the chart's TargetDown would notify twice.
            disabled: { TargetDown: true },
        },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        prometheus: {
            podDisruptionBudget: { enabled: input.pdb },
            ...(thanosSidecar
                ? { serviceAccount: { annotations: { ...thanosSidecar.serviceAccountAnnotations } }, thanosService: { enabled: true }, thanosServiceMonitor: { enabled: true } }
                : {}),
            prometheusSpec: {
                replicas: input.prometheus.replicas,
                replicaExternalLabelName: PROMETHEUS_REPLICA_LABEL,
                externalLabels: { [CLUSTER_LABEL]: input.clusterName, [ENVIRONMENT_LABEL]: input.environment },
                // Rules are evaluated as often as series are scraped: a rate window that covers 4
                // scrapes then also covers 4 evaluations (rules.ts checks the windows).
                scrapeInterval: input.prometheus.scrapeInterval,
                evaluationInterval: input.prometheus.scrapeInterval,
                retention: input.prometheus.retention,
                retentionSize: input.prometheus.retentionSize,
                storageSpec: volumeClaimTemplate(input.storageClass, input.prometheus.volumeSizeGiB),
                resources: input.prometheus.resources,
                // The operator adds the sidecar (and, with object storage, fixes 2h blocks so each is uploaded once).
                ...(thanosSidecar
                    ? {
                          thanos: {
                              image: thanosSidecar.image,
                              resources: thanosSidecar.resources,
                              objectStorageConfig: { existingSecret: { ...thanosSidecar.objstoreSecret } },
                          },
                      }
                    : {}),
                ...antiAffinity,
                // Pick up every ServiceMonitor/PodMonitor/rule..., not only those labelled release=<this release>.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                // --web.enable-remote-write-receiver; port 9090 is open to Grafana, Prometheus and the OTLP gateway only (network/policies.ts).
                ...(input.prometheus.remoteWriteReceiver ? { enableRemoteWriteReceiver: true } : {}),
            },
        },
        alertmanager: {
            podDisruptionBudget: { enabled: input.pdb },
            config: input.alertmanager.config,
            templateFiles: input.alertmanager.templateFiles,
            alertmanagerSpec: {
                replicas: input.alertmanager.replicas,
                storage: volumeClaimTemplate(input.storageClass, input.alertmanager.volumeSizeGiB),
                secrets: [input.receiverSecretName],
                resources: r.alertmanager,
                ...(input.alertmanager.externalUrl ? { externalUrl: input.alertmanager.externalUrl } : {}),
                ...antiAffinity,
            },
        },
        prometheusOperator: {
            resources: r.operator,
            prometheusConfigReloader: { resources: r.configReloader },
            admissionWebhooks: { patch: { resources: r.webhookJobs } },
        },
        "kube-state-metrics": { resources: r.kubeStateMetrics },
        // Host access (hostNetwork, hostPID, /proc, /sys, /): in the privileged node-agents namespace (k8s/pod-security.ts).
        // hostRootFsMount.enabled: false drops the / volume, its mount and --path.rootfs (the subchart's daemonset.yaml).
        "prometheus-node-exporter": {
            namespaceOverride: kps.nodeExporter.namespace,
            resources: r.nodeExporter,
            ...(input.nodeExporterHostRootFs === false ? { hostRootFsMount: { enabled: false } } : {}),
        },
        grafana: {
            fullnameOverride: kps.grafana.fullname,
            resources: r.grafana,
            // A root init container with CHOWN: the pod's fsGroup already gives the volume to Grafana, and
            // without it the monitoring namespace enforces Pod Security restricted.
            initChownData: { enabled: false },
            // A `helm test` hook Pod (unsized, pulled on every render): Pulumi never runs Helm tests.
            testFramework: { enabled: false },
            admin: {
                existingSecret: g.adminSecretName,
                userKey: GRAFANA_ADMIN_USER_KEY,
                passwordKey: GRAFANA_ADMIN_PASSWORD_KEY,
            },
            "grafana.ini": {
                users: { allow_sign_up: false, auto_assign_org_role: "Viewer" },
                "auth.anonymous": { enabled: false },
                ...(g.hostname ? { server: { root_url: `https://${g.hostname}` } } : {}),
                ...(g.sso?.ini ?? {}),
                ...(ha?.ini ?? {}),
            },
            ...(secretMounts.length > 0 ? { extraSecretMounts: secretMounts } : {}),
            ...(ha
                ? ha.values
                : {
                      persistence: {
                          enabled: true,
                          type: "pvc",
                          ...(input.storageClass !== undefined ? { storageClassName: input.storageClass } : {}),
                          accessModes: ["ReadWriteOnce"],
                          size: `${g.persistenceSizeGiB}Gi`,
                      },
                      // An EBS volume attaches to one node: the old pod must go before the new one starts.
                      deploymentStrategy: { type: "Recreate" },
                  }),
            // Grafana's Ingress is the program's own (./ingress.ts): Pulumi waits for its load balancer
            // there, which a Helm release does not.
            ingress: { enabled: false },
            sidecar: {
                // One setting for every sidecar container of the chart.
                resources: r.grafanaSidecar,
                dashboards: {
                    enabled: true,
                    label: GRAFANA_DASHBOARD_SIDECAR.label,
                    labelValue: GRAFANA_DASHBOARD_SIDECAR.labelValue,
                    searchNamespace: "ALL",
                    folderAnnotation: GRAFANA_DASHBOARD_SIDECAR.folderAnnotation,
                    // Required for folderAnnotation to turn into Grafana folders.
                    provider: { foldersFromFilesStructure: true },
                },
                datasources: {
                    enabled: true,
                    defaultDatasourceEnabled: true,
                    isDefaultDatasource: true,
                    uid: datasourceUids.prometheus,
                    // Same uid either way: dashboards and alert links keep working when long-term metrics turn on.
                    url: thanosSidecar ? thanosSidecar.queryUrl : urls.prometheus,
                    // Grafana docs, "Configure the Prometheus data source" (jsonData.prometheusType:
                    // Prometheus, Cortex, Mimir or Thanos): the query editor and feature checks then
                    // follow what answers. The chart's datasource template writes extraJsonData into jsonData.
                    ...(thanosSidecar ? { extraJsonData: { prometheusType: "Thanos" } } : {}),
                    alertmanager: { enabled: true, uid: datasourceUids.alertmanager, url: urls.alertmanager },
                },
            },
            additionalDataSources: [
                // The platform's view (its dashboards, links, Explore) reads every tenant: the platform's and each team's.
                lokiDatasource("Loki", datasourceUids.loki, g.loki.url, lokiQueryTenants([g.loki.tenantId, ...(g.loki.teams ?? []).map((t) => t.tenantId)])),
                ...(g.loki.teams ?? []).map((t) => lokiDatasource(`Loki (${t.team})`, teamLokiDatasourceUid(t.team), g.loki.url, t.tenantId)),
            ],
        },
    };
}
