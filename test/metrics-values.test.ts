import { charts } from "../components/charts";
import { chartFile, requireChartData } from "./support/chart-data";
import assert from "node:assert/strict";
import fs from "node:fs";
import YAML from "yaml";
import { buildAlertmanagerConfig, type AlertmanagerInput } from "../components/k8s/metrics/alertmanager";
import { ALERTS } from "../components/k8s/metrics/rules";
import { buildKubePrometheusStackValues, type KpsComponentResources, type KpsValuesInput } from "../components/k8s/metrics/values";
import { alertmanagerSecretPath, datasourceUids, kps, urls } from "../components/endpoints";
import { CLUSTER_LABEL, ENVIRONMENT_LABEL, PROMETHEUS_REPLICA_LABEL } from "../components/labels";


function amInput(env: "dev" | "prod"): AlertmanagerInput {
    const prod = env === "prod";
    return {
        groupBy: ["alertname", "namespace"],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
        slack: { enabled: true, channel: `#alerts-${env}` },
        pagerduty: { enabled: prod },
        secretName: kps.receiverSecretName,
        externalUrlIsPublic: prod,
        serviceLabels: ["namespace", "job"],
        heartbeat: { enabled: false },
    };
}

/** Distinct sizes per component, so a value landing on the wrong key shows. */
const COMPONENT_RESOURCES: KpsComponentResources = {
    alertmanager: { requests: { cpu: "11m", memory: "11Mi" }, limits: { memory: "22Mi" } },
    configReloader: { requests: { cpu: "12m", memory: "12Mi" }, limits: { memory: "24Mi" } },
    operator: { requests: { cpu: "13m", memory: "13Mi" }, limits: { memory: "26Mi" } },
    webhookJobs: { requests: { cpu: "14m", memory: "14Mi" }, limits: { memory: "28Mi" } },
    kubeStateMetrics: { requests: { cpu: "15m", memory: "15Mi" }, limits: { memory: "30Mi" } },
    nodeExporter: { requests: { cpu: "16m", memory: "16Mi" }, limits: { memory: "32Mi" } },
    grafana: { requests: { cpu: "17m", memory: "17Mi" }, limits: { memory: "34Mi" } },
    grafanaSidecar: { requests: { cpu: "18m", memory: "18Mi" }, limits: { memory: "36Mi" } },
};

function input(env: "dev" | "prod", overrides: Partial<KpsValuesInput> = {}): KpsValuesInput {
    const prod = env === "prod";
    const am = buildAlertmanagerConfig(amInput(env));
    return {
        environment: env,
        clusterName: `plg-${env}`,
        storageClass: "gp3",
        prometheus: {
            replicas: prod ? 2 : 1,
            retention: prod ? "15d" : "3d",
            retentionSize: prod ? "90GB" : "9GB",
            volumeSizeGiB: prod ? 100 : 10,
            resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } },
            scrapeInterval: prod ? "15s" : "1m",
        },
        alertmanager: {
            replicas: prod ? 3 : 1,
            volumeSizeGiB: 2,
            externalUrl: prod ? "https://alertmanager.example.com" : undefined,
            config: am.config,
            templateFiles: am.templates,
        },
        grafana: {
            adminSecretName: kps.grafanaAdminSecretName,
            hostname: prod ? "grafana.example.com" : undefined,
            persistenceSizeGiB: 5,
            loki: { url: urls.lokiGateway, tenantId: `plg-${env}` },
        },
        hardAntiAffinity: prod,
        pdb: prod,
        receiverSecretName: kps.receiverSecretName,
        resources: COMPONENT_RESOURCES,
        ...overrides,
    };
}

/** Values whose content is not chart keys (free-form maps, Kubernetes objects, app config): only the parent is checked. */
const OPAQUE = new Set([
    "prometheus.prometheusSpec.externalLabels",
    "prometheus.prometheusSpec.resources",
    "prometheus.prometheusSpec.storageSpec",
    "alertmanager.alertmanagerSpec.storage",
    "alertmanager.config",
    "alertmanager.templateFiles",
    "grafana.grafana.ini",
]);

function keyPaths(node: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
    if (node && typeof node === "object" && !Array.isArray(node)) {
        for (const [k, v] of Object.entries(node)) {
            const p = [...prefix, k];
            out.push(p);
            // A `resources` block is a Kubernetes ResourceRequirements, passed through as is.
            if (!OPAQUE.has(p.join(".")) && k !== "resources") keyPaths(v, p, out);
        }
    }
    return out;
}

function hasPath(obj: unknown, p: readonly string[]): boolean {
    let node = obj;
    for (const k of p) {
        if (!node || typeof node !== "object" || !(k in node)) return false;
        node = (node as Record<string, unknown>)[k];
    }
    return true;
}

/** Key paths of `values` known neither to the chart's values.yaml, its templates, nor (for a subchart's key) the subchart's values. */
function unknownKeyPaths(values: unknown): string[] {
    const parse = (file: string): unknown => YAML.parse(fs.readFileSync(chartFile(file), "utf8"));
    const kpsDefaults = parse(`kube-prometheus-stack-${charts.kubePrometheusStack.version}.values.yaml`);
    const subcharts: Record<string, unknown> = {
        grafana: parse("grafana-12.11.1.values.yaml"),
        "kube-state-metrics": parse("kube-state-metrics.values.yaml"),
        "prometheus-node-exporter": parse("prometheus-node-exporter.values.yaml"),
    };
    const refs = fs
        .readFileSync(chartFile(`kube-prometheus-stack-${charts.kubePrometheusStack.version}.template-refs.txt`), "utf8")
        .split("\n")
        .filter(Boolean);
    const known = (p: string[]): boolean => {
        const joined = p.join(".");
        return (
            hasPath(kpsDefaults, p) ||
            refs.some((r) => r === joined || r.startsWith(`${joined}.`)) ||
            (p[0] !== undefined && p[0] in subcharts && hasPath(subcharts[p[0]], p.slice(1)))
        );
    };
    return keyPaths(values)
        .filter((p) => !known(p))
        .map((p) => p.join("."));
}

function stringsIn(node: unknown, out: string[] = []): string[] {
    if (typeof node === "string") out.push(node);
    else if (Array.isArray(node)) node.forEach((n) => stringsIn(n, out));
    else if (node && typeof node === "object") Object.values(node).forEach((n) => stringsIn(n, out));
    return out;
}

describe("kube-prometheus-stack values", function () {
    const dev = buildKubePrometheusStackValues(input("dev"));
    const prod = buildKubePrometheusStackValues(input("prod"));

    it("sets only keys the chart knows (values.yaml, template refs, grafana subchart)", function () {
        requireChartData(this);
        assert.deepEqual(unknownKeyPaths(dev), []);
        assert.deepEqual(unknownKeyPaths(prod), []);
    });

    it("the key check itself catches a misspelled key", function () {
        requireChartData(this);
        const typo = { prometheus: { prometheusSpec: { retentionSise: "1GB" } }, grafana: { sidecar: { dashbords: {} } } };
        assert.deepEqual(unknownKeyPaths(typo), ["prometheus.prometheusSpec.retentionSise", "grafana.sidecar.dashbords"]);
    });

    it("pins names and leaves CRDs to the separate CRD release", function () {
        assert.equal(prod.fullnameOverride, kps.fullname);
        assert.equal(prod.grafana.fullnameOverride, kps.grafana.fullname);
        assert.equal(prod.crds.enabled, false);
    });

    it("sizes Prometheus per environment", function () {
        const spec = (v: typeof dev) => v.prometheus.prometheusSpec;
        assert.equal(spec(dev).replicas, 1);
        assert.equal(spec(prod).replicas, 2);
        assert.equal(spec(dev).retention, "3d");
        assert.equal(spec(prod).retention, "15d");
        assert.equal(spec(prod).retentionSize, "90GB");
        assert.deepEqual(spec(prod).storageSpec, {
            volumeClaimTemplate: {
                spec: { storageClassName: "gp3", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } },
            },
        });
        assert.deepEqual(spec(prod).resources, input("prod").prometheus.resources);
    });

    it("scrapes and evaluates rules at the same interval", function () {
        for (const [v, env] of [
            [dev, "dev"],
            [prod, "prod"],
        ] as const) {
            const spec = v.prometheus.prometheusSpec;
            assert.equal(spec.scrapeInterval, input(env).prometheus.scrapeInterval);
            assert.equal(spec.evaluationInterval, spec.scrapeInterval);
        }
    });

    it("gives every other component, sidecars and operator-injected containers included, its own resources", function () {
        const r = COMPONENT_RESOURCES;
        const g = prod.grafana;
        const resourcesOf = (key: string): unknown => (g[key] as { resources?: unknown } | undefined)?.resources;
        assert.deepEqual(prod.alertmanager.alertmanagerSpec.resources, r.alertmanager);
        assert.deepEqual(prod.prometheusOperator.resources, r.operator);
        assert.deepEqual(prod.prometheusOperator.prometheusConfigReloader.resources, r.configReloader);
        assert.deepEqual(prod.prometheusOperator.admissionWebhooks.patch.resources, r.webhookJobs);
        assert.deepEqual(prod["kube-state-metrics"].resources, r.kubeStateMetrics);
        assert.deepEqual(prod["prometheus-node-exporter"].resources, r.nodeExporter);
        assert.deepEqual(g.resources, r.grafana);
        assert.deepEqual(resourcesOf("sidecar"), r.grafanaSidecar);
        assert.deepEqual(g.initChownData, { enabled: false }, "a root init container the restricted namespace refuses");
    });

    it("labels every series with cluster and environment, and names the replica label", function () {
        const spec = prod.prometheus.prometheusSpec;
        assert.deepEqual(spec.externalLabels, { [CLUSTER_LABEL]: "plg-prod", [ENVIRONMENT_LABEL]: "prod" });
        assert.equal(spec.replicaExternalLabelName, PROMETHEUS_REPLICA_LABEL);
    });

    it("selects every ServiceMonitor, PodMonitor, rule, probe and scrape config", function () {
        for (const v of [dev, prod]) {
            for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                assert.equal(v.prometheus.prometheusSpec[`${kind}SelectorNilUsesHelmValues`], false, kind);
            }
        }
    });

    it("spreads replicas across zones: required in prod, preferred in dev", function () {
        for (const [v, mode] of [
            [dev, "soft"],
            [prod, "hard"],
        ] as const) {
            for (const spec of [v.prometheus.prometheusSpec, v.alertmanager.alertmanagerSpec]) {
                assert.equal(spec.podAntiAffinity, mode);
                assert.equal(spec.podAntiAffinityTopologyKey, "topology.kubernetes.io/zone");
            }
        }
    });

    it("creates PodDisruptionBudgets only in prod, and refuses one on a single replica", function () {
        assert.equal(prod.prometheus.podDisruptionBudget.enabled, true);
        assert.equal(prod.alertmanager.podDisruptionBudget.enabled, true);
        assert.equal(dev.prometheus.podDisruptionBudget.enabled, false);
        assert.equal(dev.alertmanager.podDisruptionBudget.enabled, false);
        assert.throws(() => buildKubePrometheusStackValues(input("dev", { pdb: true })), /replicas >= 2/);
    });

    it("turns off what EKS cannot scrape, and the chart alert that duplicates ScrapeTargetDown", function () {
        for (const c of [prod.kubeControllerManager, prod.kubeScheduler, prod.kubeEtcd, prod.kubeProxy]) assert.equal(c.enabled, false);
        assert.equal(prod.defaultRules.create, true);
        assert.equal(prod.defaultRules.rules.etcd, false);
        assert.equal(prod.defaultRules.rules.kubeControllerManager, false);
        assert.equal(prod.defaultRules.disabled.TargetDown, true);
        assert.notEqual(ALERTS.scrapeTargetDown, "TargetDown");
    });

    it("gives Alertmanager its config, templates, receiver Secret and external URL", function () {
        const am = input("prod").alertmanager;
        assert.deepEqual(prod.alertmanager.config, am.config);
        assert.deepEqual(prod.alertmanager.templateFiles, am.templateFiles);
        assert.deepEqual(prod.alertmanager.alertmanagerSpec.secrets, [kps.receiverSecretName]);
        assert.equal(prod.alertmanager.alertmanagerSpec.replicas, 3);
        assert.equal(prod.alertmanager.alertmanagerSpec.externalUrl, "https://alertmanager.example.com");
        assert.ok(!("externalUrl" in dev.alertmanager.alertmanagerSpec));
    });

    it("references secrets, never contains them", function () {
        for (const v of [dev, prod]) {
            const json = JSON.stringify(v);
            for (const key of ['"api_url"', '"routing_key"', '"service_key"', '"slack_api_url"', '"adminPassword"', '"password"']) {
                assert.ok(!json.includes(key), `${key} would carry a secret value`);
            }
            const secretPaths = stringsIn(v).filter((s) => s.startsWith("/etc/alertmanager/secrets/"));
            assert.ok(secretPaths.length > 0);
            for (const p of secretPaths) assert.ok(p.startsWith(alertmanagerSecretPath(kps.receiverSecretName, "")), p);
            assert.deepEqual(v.grafana.admin, {
                existingSecret: kps.grafanaAdminSecretName,
                userKey: "admin-user",
                passwordKey: "admin-password",
            });
        }
        const other = buildAlertmanagerConfig({ ...amInput("prod"), secretName: "some-other-secret" });
        assert.throws(
            () =>
                buildKubePrometheusStackValues(
                    input("prod", { alertmanager: { ...input("prod").alertmanager, config: other.config } }),
                ),
            /some-other-secret/,
        );
    });

    it("provisions Prometheus, Alertmanager and Loki datasources with the fixed uids", function () {
        const ds = prod.grafana.sidecar as { datasources: Record<string, unknown> & { alertmanager: Record<string, unknown> } };
        assert.equal(ds.datasources.uid, datasourceUids.prometheus);
        assert.equal(ds.datasources.isDefaultDatasource, true);
        assert.equal(ds.datasources.url, urls.prometheus);
        assert.equal(ds.datasources.alertmanager.uid, datasourceUids.alertmanager);
        assert.equal(ds.datasources.alertmanager.url, urls.alertmanager);
        const [loki, ...rest] = prod.grafana.additionalDataSources;
        assert.equal(rest.length, 0);
        assert.ok(loki);
        assert.equal(loki.uid, datasourceUids.loki);
        assert.equal(loki.type, "loki");
        assert.equal(loki.url, urls.lokiGateway);
        assert.equal(loki.jsonData.httpHeaderName1, "X-Scope-OrgID");
        assert.equal(loki.secureJsonData?.httpHeaderValue1, "plg-prod");
    });

    it("keeps additionalDataSources safe from Helm tpl and Grafana $ expansion", function () {
        for (const s of stringsIn(prod.grafana.additionalDataSources)) assert.ok(!s.includes("{{"), s);
        const dollar = buildKubePrometheusStackValues(
            input("dev", { grafana: { ...input("dev").grafana, loki: { url: urls.lokiGateway, tenantId: "team$a" } } }),
        );
        assert.equal(dollar.grafana.additionalDataSources[0]?.secureJsonData?.httpHeaderValue1, "team$$a");
        assert.throws(() =>
            buildKubePrometheusStackValues(
                input("dev", { grafana: { ...input("dev").grafana, loki: { url: urls.lokiGateway, tenantId: "{{ .x }}" } } }),
            ),
        );
    });

    it("locks Grafana down and finds dashboards in every namespace", function () {
        const ini = prod.grafana["grafana.ini"] as Record<string, Record<string, unknown>>;
        assert.equal(ini.users?.allow_sign_up, false);
        assert.equal(ini.users?.auto_assign_org_role, "Viewer");
        assert.equal(ini["auth.anonymous"]?.enabled, false);
        assert.equal(ini.server?.root_url, "https://grafana.example.com");
        const devIni = dev.grafana["grafana.ini"] as Record<string, unknown>;
        assert.ok(!("server" in devIni));
        const dashboards = (prod.grafana.sidecar as { dashboards: Record<string, unknown> }).dashboards;
        assert.equal(dashboards.enabled, true);
        assert.equal(dashboards.searchNamespace, "ALL");
        assert.equal(dashboards.label, "grafana_dashboard");
        assert.equal(dashboards.labelValue, "1");
        assert.ok(dashboards.folderAnnotation);
        assert.deepEqual(prod.grafana.persistence, {
            enabled: true,
            type: "pvc",
            storageClassName: "gp3",
            accessModes: ["ReadWriteOnce"],
            size: "5Gi",
        });
    });

    it("leaves Grafana's Ingress to the program (ingress.ts), with a hostname too", function () {
        assert.deepEqual(prod.grafana.ingress, { enabled: false });
        assert.deepEqual(dev.grafana.ingress, { enabled: false });
    });
});
