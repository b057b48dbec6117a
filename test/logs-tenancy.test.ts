/**
 * Logs per team (Loki multi-tenancy), end to end through the program: a stack with two teams is run
 * under mocks, and the Alloy, Loki and kube-prometheus-stack releases it creates are rendered by the
 * real `helm template`. Proves, on what the cluster would get: each team's namespaces are pushed to
 * the team's tenant and everything else to the platform's; Grafana has one Loki datasource per
 * tenant; logs.teamLimits reach Loki as runtime overrides; the ruler mounts every tenant's rules.
 * Expected values come from the fixture below, not from the code under test.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { type Settings, parseSettings } from "../config";
import { alloy, datasourceUids, kps, loki, teamLokiDatasourceUid, urls } from "../components/endpoints";
import { alloyConfigInput } from "../components/k8s/collector";
import { buildAlloyConfig } from "../components/k8s/collector/config";
import { lokiValuesInput } from "../components/k8s/logs";
import { kpsValuesInput } from "../components/k8s/metrics";
import { buildKubePrometheusStackValues } from "../components/k8s/metrics/values";
import { LOKI_RULES_DIR, type LokiDeploymentMode, buildLokiValues, tenantRuleFiles } from "../components/k8s/logs/values";
import { type K8sObject, Unavailable, helmTemplate, parseManifests } from "../tools/helm";
import { readStackConfig } from "../tools/stack-config";
import type { ChartKey } from "../components/charts";
import { type Block, find, parseAlloy, tenantOf } from "./support/alloy-syntax";
import { tenantIngestionShares } from "./support/dashboard-json";
import { LOKI_BYTES_PER_MB, buildPlatformDashboards, platformDashboardsInput } from "../components/k8s/dashboards/platform";
import { type Graph, PROJECT, ROOT, runStack } from "./support/graph";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

const PLATFORM_TENANT = "platform";
const TEAMS = [
    { name: "payments", namespaces: ["payments", "payments-jobs"] },
    { name: "search", namespaces: ["search"] },
] as const;
/** payments gets a bigger ingestion budget; search keeps logs.limits. */
const TEAM_LIMITS = { payments: { ingestionRateMb: 24, ingestionBurstMb: 48, maxQueryParallelism: 8 } };
/** The same limits as Loki's limits_config keys, written out by hand. */
const PAYMENTS_OVERRIDES = { ingestion_rate_mb: 24, ingestion_burst_size_mb: 48, max_query_parallelism: 8 };

function stackJson(stack: string, key: string): Rec {
    const raw = readStackConfig(ROOT, `${ROOT}/Pulumi.${stack}.yaml`).config[`${PROJECT}:${key}`];
    return raw === undefined ? {} : rec(JSON.parse(raw));
}

/** The stack file's alerting and logs with the teams fixture added. */
function teamSettings(stack: string, logs: Rec = { teamLimits: TEAM_LIMITS }, teams: readonly unknown[] = TEAMS): Rec {
    return { alerting: { ...stackJson(stack, "alerting"), teams }, logs: { ...stackJson(stack, "logs"), ...logs } };
}

/** Settings as the program sees them for that stack file plus overrides; problems when refused. */
function parse(stack: string, over: Rec): { settings?: Settings; problems: string[] } {
    const cfg = { ...readStackConfig(ROOT, `${ROOT}/Pulumi.${stack}.yaml`).config };
    for (const [k, v] of Object.entries(over)) cfg[`${PROJECT}:${k}`] = JSON.stringify(v);
    const r = parseSettings(cfg);
    return r.ok ? { settings: r.settings, problems: [] } : { problems: r.problems };
}

async function template(ctx: Mocha.Context, release: string, chart: ChartKey, namespace: string, values: unknown): Promise<K8sObject[]> {
    try {
        return parseManifests(await helmTemplate({ release, chart, namespace, values, kubeVersion: "1.34" }));
    } catch (e) {
        if (!(e instanceof Unavailable) || process.env.CI) throw e;
        ctx.skip();
        throw e;
    }
}

const podSpecOf = (o: K8sObject): Rec => rec(rec(rec(o.spec).template).spec);
const lokiContainer = (o: K8sObject): Rec | undefined => list(podSpecOf(o).containers).find((c) => ((c.args as string[] | undefined) ?? []).some((a) => a.startsWith("-target=")));
const lokiTarget = (o: K8sObject): string | undefined =>
    ((lokiContainer(o)?.args as string[] | undefined) ?? []).find((a) => a.startsWith("-target="))?.slice("-target=".length);

function lokiConfig(objects: readonly K8sObject[]): Rec {
    const cm = objects.find((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && o.metadata.name === loki.fullname);
    assert.ok(cm, "the chart's Loki configuration object");
    const raw = String(rec(cm.data)["config.yaml"]);
    return rec(YAML.parse(cm.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw));
}

/** The file a ConfigMap provides to a container: mount path + key -> content, for every Loki workload. */
function mountedFile(objects: readonly K8sObject[], workload: K8sObject, configMap: string, key: string): string {
    const spec = podSpecOf(workload);
    const volume = list(spec.volumes).find((v) => rec(v.configMap).name === configMap);
    assert.ok(volume, `${workload.metadata.name} has a volume from ConfigMap ${configMap}`);
    const mount = list(lokiContainer(workload)?.volumeMounts).find((m) => m.name === volume.name);
    assert.ok(mount, `${workload.metadata.name}'s Loki container mounts ${configMap}`);
    assert.ok(objects.some((o) => o.kind === "ConfigMap" && o.metadata.name === configMap), `the release creates ConfigMap ${configMap}`);
    return `${String(mount.mountPath)}/${key}`;
}

/** Grafana's provisioned datasources (the sidecar's ConfigMaps, label grafana_datasource). */
function datasources(objects: readonly K8sObject[]): Rec[] {
    const cms = objects.filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_datasource === "1");
    assert.ok(cms.length > 0, "a datasource ConfigMap for the Grafana sidecar");
    return cms.flatMap((cm) => Object.values(rec(cm.data)).flatMap((text) => list(rec(YAML.parse(String(text))).datasources)));
}

/** The Alloy configuration the DaemonSet runs: the ConfigMap its `.alloy` argument points into. */
function alloyConfigText(objects: readonly K8sObject[]): string {
    const ds = objects.find((o) => o.kind === "DaemonSet");
    assert.ok(ds, "Alloy runs as a DaemonSet");
    const main = list(podSpecOf(ds).containers).find((c) => c.name === "alloy");
    const file = ((main?.args as string[] | undefined) ?? []).find((a) => a.endsWith(".alloy"));
    assert.ok(file, "Alloy is started with a configuration file");
    const mount = list(main?.volumeMounts).find((m) => file.startsWith(`${String(m.mountPath)}/`));
    assert.ok(mount, `${file} is on a mounted volume`);
    const cmName = rec(list(podSpecOf(ds).volumes).find((v) => v.name === mount.name)?.configMap).name;
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
    assert.ok(cm, `ConfigMap ${String(cmName)}`);
    return String(rec(cm.data)[file.slice(String(mount.mountPath).length + 1)]);
}

const stream = (namespace: string): Record<string, string> => ({ cluster: "c", namespace, pod: "p-0", container: "app", app: "app", job: `${namespace}/app` });

describe("Logs per team: configuration", () => {
    it("teams and per-team limits are accepted; each team's tenant is its name", () => {
        const { settings, problems } = parse("dev", teamSettings("dev"));
        assert.deepEqual(problems, []);
        assert.deepEqual(settings?.logs.teamLimits, TEAM_LIMITS);
    });

    it("a teamLimits key naming no declared team is refused, naming the key", () => {
        const { problems } = parse("dev", teamSettings("dev", { teamLimits: { ghost: { ingestionRateMb: 2 } } }));
        const p = problems.find((x) => x.startsWith(`${PROJECT}:logs.teamLimits.ghost:`));
        assert.ok(p, problems.join("\n"));
        assert.match(p, /alerting\.teams \(payments, search\)/);
        assert.match(p, /given "ghost"/);
    });

    it("a team limit that is not a logs.limits key, or a team burst below its rate, is refused by key", () => {
        const unknown = parse("dev", teamSettings("dev", { teamLimits: { payments: { ingestionRate: 2 } } })).problems;
        assert.ok(unknown.some((x) => x.startsWith(`${PROJECT}:logs.teamLimits.payments`) && x.includes("ingestionRate")), unknown.join("\n"));
        const burst = parse("dev", teamSettings("dev", { teamLimits: { payments: { ingestionRateMb: 50 } } })).problems;
        assert.ok(burst.some((x) => x.startsWith(`${PROJECT}:logs.teamLimits.payments.ingestionBurstMb:`) && x.includes("given 8")), burst.join("\n"));
    });

    it("a team that owns no namespace (known by its `team` alert label only) gets no stream, and the others keep theirs", () => {
        const { settings, problems } = parse("dev", teamSettings("dev", {}, [...TEAMS, { name: "labelonly", namespaces: [] }]));
        assert.deepEqual(problems, []);
        assert.ok(settings);
        const config = parseAlloy(buildAlloyConfig(alloyConfigInput(settings)));
        assert.equal(tenantOf(config, stream("payments")), "payments");
        assert.equal(tenantOf(config, stream("labelonly")), PLATFORM_TENANT);
        // No tenant, so no datasource of its own, and the platform's reads only the tenants that exist.
        const lokis = buildKubePrometheusStackValues(kpsValuesInput(settings, "plg-test", "gp3")).grafana.additionalDataSources;
        assert.deepEqual(lokis.map((d) => d.uid).sort(), [datasourceUids.loki, "loki-payments", "loki-search"]);
        assert.equal(lokis.find((d) => d.uid === datasourceUids.loki)?.secureJsonData?.httpHeaderValue1, "platform|payments|search");
    });

    it("a team named like the platform tenant is refused: its logs would mix with the platform's", () => {
        const { problems } = parse("dev", teamSettings("dev", {}, [{ name: PLATFORM_TENANT, namespaces: ["shop"] }]));
        assert.ok(problems.some((x) => x.startsWith(`${PROJECT}:alerting.teams[0].name:`) && x.includes("logs.tenantId")), problems.join("\n"));
    });
});

describe("Logs per team: the Loki values builder", () => {
    const settings = parse("dev", teamSettings("dev")).settings;
    const base = () => {
        assert.ok(settings);
        return lokiValuesInput(settings, { chunksBucket: "chunks" }, "gp3");
    };
    const overridesOf = (v: Rec): unknown => rec(rec(v.loki).runtimeConfig).overrides;

    it("maps each team's limits to Loki's keys under its tenant, leaving out a team that overrides nothing", () => {
        const values = buildLokiValues({ ...base(), tenantLimits: { payments: TEAM_LIMITS.payments, search: {} } });
        assert.deepEqual(overridesOf(values), { payments: PAYMENTS_OVERRIDES });
        assert.deepEqual(overridesOf(buildLokiValues({ ...base(), tenantLimits: {} })), {});
    });

    it("rule files: the platform's in every team tenant beside the team's own, never shadowed", () => {
        const platform = { "platform-log-alerts.yaml": "groups: []\n" };
        const own = { payments: { "logs.yaml": "groups: []\n" } };
        assert.deepEqual(tenantRuleFiles("platform", platform, ["payments", "search"], own), {
            platform,
            payments: { ...platform, ...own.payments },
            search: platform,
        });
        assert.throws(() => tenantRuleFiles("platform", platform, ["payments"], { payments: platform }), /platform-log-alerts.yaml would replace the platform's file/);
        assert.throws(() => tenantRuleFiles("platform", platform, ["platform"]), /is the platform's tenant/);
    });

    it("refuses a tenant id Loki would refuse", () => {
        assert.throws(() => buildLokiValues({ ...base(), tenantLimits: { "a b": { ingestionRateMb: 1 } } }), /tenantLimits: tenant "a b"/);
    });
});

/** What the tenancy looks like on one stack, read from the real Helm output. */
interface Tenancy {
    readonly tenantMatches: string;
    readonly overrides: unknown;
    readonly lokiDatasources: unknown;
}
const tenancy = new Map<string, Tenancy>();

for (const stack of ["dev", "prod"] as const) {
    describe(`Logs per team on the ${stack} stack (mock graph + real helm template)`, function () {
        let graph: Graph;
        let alloyObjects: K8sObject[];
        let lokiObjects: K8sObject[];
        let kpsObjects: K8sObject[];
        let config: Block;
        before(async function () {
            this.timeout(240_000);
            graph = await runStack(stack, { settings: teamSettings(stack) });
            alloyObjects = await template(this, alloy.release, "alloy", alloy.namespace, graph.releaseValues(alloy.release));
            lokiObjects = await template(this, loki.release, "loki", loki.namespace, graph.releaseValues(loki.release));
            kpsObjects = await template(this, kps.release, "kubePrometheusStack", kps.namespace, graph.releaseValues(kps.release));
            config = parseAlloy(alloyConfigText(alloyObjects));
        });

        it("Alloy pushes each team namespace's streams to the team's tenant, the platform's and unowned namespaces to the platform's", () => {
            for (const t of TEAMS) for (const ns of t.namespaces) assert.equal(tenantOf(config, stream(ns)), t.name, ns);
            for (const ns of ["monitoring", "logging", "node-agents", "kube-system", "default", "checkout", "payments-old"])
                assert.equal(tenantOf(config, stream(ns)), PLATFORM_TENANT, ns);
            assert.equal(find(find(config, "loki.write", "default"), "endpoint").attrs.url, urls.lokiPush, "one writer, to the gateway");
        });

        it("the runtime ConfigMap every Loki pod reads holds exactly the teams' overrides; limits_config stays every tenant's default", () => {
            const runtimeCm = `${loki.fullname}-runtime`;
            const cm = lokiObjects.find((o) => o.kind === "ConfigMap" && o.metadata.name === runtimeCm);
            assert.ok(cm, runtimeCm);
            const runtime = rec(YAML.parse(String(rec(cm.data)["runtime-config.yaml"])));
            assert.deepEqual(runtime.overrides, { payments: PAYMENTS_OVERRIDES }, "search has none: it keeps logs.limits");
            const config = lokiConfig(lokiObjects);
            const file = String(rec(config.runtime_config).file);
            const workloads = lokiObjects.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind) && lokiTarget(o) !== undefined);
            assert.ok(workloads.length > 0);
            for (const w of workloads) assert.equal(mountedFile(lokiObjects, w, runtimeCm, "runtime-config.yaml"), file, `${w.metadata.name} reads the overrides where runtime_config.file says`);
            const defaults = rec(config.limits_config);
            const settings = parse(stack, teamSettings(stack)).settings;
            assert.equal(defaults.ingestion_rate_mb, settings?.logs.limits.ingestionRateMb);
            assert.notEqual(defaults.ingestion_rate_mb, PAYMENTS_OVERRIDES.ingestion_rate_mb, "the fixture really overrides");
            tenancy.set(stack, {
                tenantMatches: alloyConfigText(alloyObjects).split("\n").filter((l) => /stage\.match|selector|stage\.tenant|value = /.test(l)).join("\n"),
                overrides: runtime.overrides,
                lokiDatasources: datasources(kpsObjects).filter((d) => d.type === "loki"),
            });
        });

        it("the logs overview draws each tenant's ingestion against the limit this Loki enforces for it (the override, else limits_config)", () => {
            const settings = parse(stack, teamSettings(stack)).settings;
            assert.ok(settings);
            const runtime = rec(YAML.parse(String(rec(lokiObjects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${loki.fullname}-runtime`)?.data)["runtime-config.yaml"])));
            const defaults = rec(lokiConfig(lokiObjects).limits_config);
            const enforced = (tenant: string): number => Number(rec(rec(runtime.overrides)[tenant]).ingestion_rate_mb ?? defaults.ingestion_rate_mb) * LOKI_BYTES_PER_MB;
            const shares = tenantIngestionShares(buildPlatformDashboards(platformDashboardsInput(settings)))?.shares ?? assert.fail("no per-tenant panel");
            assert.deepEqual(shares.map((s) => s.tenant), [PLATFORM_TENANT, ...TEAMS.map((t) => t.name)]);
            for (const s of shares) assert.equal(s.divisor, enforced(s.tenant), s.tenant);
            assert.equal(shares.find((s) => s.tenant === "payments")?.divisor, PAYMENTS_OVERRIDES.ingestion_rate_mb * LOKI_BYTES_PER_MB, "the override, not the default");
        });

        it("Loki answers the platform datasource's multi-tenant queries: config.yaml has querier.multi_tenant_queries_enabled", () => {
            assert.equal(rec(lokiConfig(lokiObjects).querier).multi_tenant_queries_enabled, true);
        });

        it("Grafana has one Loki datasource per tenant under a fixed uid, each sending that tenant's X-Scope-OrgID (the platform's: every tenant)", () => {
            const all = datasources(kpsObjects);
            const lokis = all.filter((d) => d.type === "loki");
            const byUid = Object.fromEntries(lokis.map((d) => [String(d.uid), d]));
            // The platform's reads every tenant (a multi-tenant query); a team's, only its own.
            const expected: Record<string, string> = { [datasourceUids.loki]: "platform|payments|search", "loki-payments": "payments", "loki-search": "search" };
            assert.deepEqual(Object.keys(byUid).sort(), Object.keys(expected).sort());
            for (const t of TEAMS) assert.ok(teamLokiDatasourceUid(t.name) in expected, "the shared uid helper names the same uids");
            for (const [uid, tenant] of Object.entries(expected)) {
                const d = byUid[uid] as Rec;
                assert.equal(d.url, urls.lokiGateway, uid);
                assert.equal(rec(d.jsonData).httpHeaderName1, "X-Scope-OrgID", uid);
                assert.equal(rec(d.secureJsonData).httpHeaderValue1, tenant, uid);
            }
            assert.equal(new Set(lokis.map((d) => d.name)).size, lokis.length, "names are unique too (Grafana refuses duplicates)");
            for (const uid of [datasourceUids.prometheus, datasourceUids.alertmanager]) assert.ok(all.some((d) => d.uid === uid), uid);
        });

        it("every team tenant also runs the platform's log alert rules, mounted for the ruler beside the platform tenant's", () => {
            const rulers = lokiObjects.filter((o) => ["all", "backend", "ruler"].includes(lokiTarget(o) ?? ""));
            assert.equal(rulers.length, 1);
            const ruler = rulers[0] as K8sObject;
            const filesAt = (tenant: string): Rec => {
                const mount = list(lokiContainer(ruler)?.volumeMounts).find((m) => m.mountPath === `${LOKI_RULES_DIR}/${tenant}`);
                assert.ok(mount, `${tenant}'s rules mounted`);
                const cmName = rec(list(podSpecOf(ruler).volumes).find((v) => v.name === mount.name)?.configMap).name;
                return rec(lokiObjects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName)?.data);
            };
            const platform = filesAt(PLATFORM_TENANT);
            assert.ok(Object.keys(platform).length > 0);
            for (const t of TEAMS) {
                const team = filesAt(t.name);
                for (const [file, text] of Object.entries(platform)) assert.equal(team[file], text, `${t.name} runs ${file}`);
            }
        });

        it("the ruler's Alertmanager is the platform's, for every tenant (no per-tenant override)", () => {
            const ruler = rec(lokiConfig(lokiObjects).ruler);
            assert.equal(ruler.alertmanager_url, urls.alertmanagerReplicasSrv);
            const runtime = YAML.parse(String(rec(lokiObjects.find((o) => o.metadata.name === `${loki.fullname}-runtime`)?.data)["runtime-config.yaml"])) as unknown;
            assert.ok(!JSON.stringify(runtime).includes("ruler_alertmanager_config"));
        });
    });
}

describe("Logs per team: dev and prod behave alike", () => {
    it("the same teams give the same tenant routing, overrides and datasources on both stacks", function () {
        const dev = tenancy.get("dev");
        const prod = tenancy.get("prod");
        if (!dev || !prod) this.skip();
        assert.ok(dev.tenantMatches.includes("stage.tenant"));
        assert.deepEqual(prod, dev);
    });
});

describe("Loki ruler with two tenants' rules (real helm template, every deployment mode)", function () {
    const teamRule = [
        "groups:",
        "  - name: payments-logs",
        "    rules:",
        "      - alert: PaymentsDeclines",
        '        expr: sum by (namespace) (count_over_time({namespace="payments"} |= "declined" [5m])) > 20',
        "        labels: { severity: warning }",
        '        annotations: { summary: "declines in {{ $labels.namespace }}" }',
        "",
    ].join("\n");
    const platformRule = teamRule.replace(/payments/g, "platform");
    const rules = { [PLATFORM_TENANT]: { "platform.yaml": platformRule }, payments: { "payments.yaml": teamRule } };

    for (const mode of ["monolithic", "distributed", "simpleScalable"] as const satisfies readonly LokiDeploymentMode[]) {
        it(`${mode}: the one workload running the ruler mounts each tenant's rules at ${LOKI_RULES_DIR}/<tenant>, unchanged`, async function () {
            this.timeout(120_000);
            const settings = parse("prod", teamSettings("prod")).settings;
            assert.ok(settings);
            const input = { ...lokiValuesInput(settings, { chunksBucket: "chunks" }, "gp3"), mode, rules };
            const objects = await template(this, loki.release, "loki", loki.namespace, buildLokiValues(input));
            const rulers = objects.filter((o) => ["all", "backend", "ruler"].includes(lokiTarget(o) ?? ""));
            assert.equal(rulers.length, 1, "one ruler workload");
            const ruler = rulers[0] as K8sObject;
            const mounts = list(lokiContainer(ruler)?.volumeMounts);
            for (const [tenant, files] of Object.entries(rules)) {
                const mount = mounts.find((m) => m.mountPath === `${LOKI_RULES_DIR}/${tenant}`);
                assert.ok(mount, `${tenant} rules mounted (mounts: ${mounts.map((m) => String(m.mountPath)).join(", ")})`);
                const cmName = rec(list(podSpecOf(ruler).volumes).find((v) => v.name === mount.name)?.configMap).name;
                const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === cmName);
                assert.ok(cm, `ConfigMap ${String(cmName)}`);
                assert.deepEqual(cm.data, files, `${tenant}'s files survive the chart's tpl`);
            }
            const storage = rec(rec(lokiConfig(objects).ruler).storage);
            assert.deepEqual([storage.type, rec(storage.local).directory], ["local", LOKI_RULES_DIR], "local storage reads one directory per tenant");
            assert.equal(rec(lokiConfig(objects).ruler).alertmanager_url, urls.alertmanagerReplicasSrv);
        });
    }
});
