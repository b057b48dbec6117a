import { chartData, requireChartData } from "./support/chart-data";
import { renderTplLiteral } from "./support/helm-tpl";
import assert from "node:assert/strict";
import YAML from "yaml";
import { loki as lokiEndpoints, urls } from "../components/endpoints";
import { charts } from "../components/charts";
import {
    buildLokiValues,
    escapeHelmTpl,
    LOKI_RULES_DIR,
    type LokiResources,
    type LokiValuesInput,
} from "../components/k8s/logs/values";
import { cpuQuantityMillis, memoryQuantityMiB } from "../components/quantities";
import { Unavailable, helmTemplate, parseManifests } from "../tools/helm";
import { buildLokiRulerConfigMapData, buildLokiRules, DEFAULT_LOKI_RULE_THRESHOLDS } from "../components/k8s/logs/rules";

/** The chart's JSON schema and default values (read when a test first needs them). */
const schema = (): Schema => chartData<Schema>(`loki-${charts.loki.version}.values.schema.json`, JSON.parse);
const defaults = (): Obj => chartData<Obj>(`loki-${charts.loki.version}.values.yaml`, YAML.parse);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const get = (o: unknown, path: string): unknown =>
    path.split(".").reduce<unknown>((acc, k) => (isObj(acc) ? acc[k] : undefined), o);

/** Helm's values merge: maps merge recursively, lists and scalars replace, null deletes the key. */
function helmMerge(base: Obj, over: Obj): Obj {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) {
        if (v === null) delete out[k];
        else if (isObj(v) && isObj(out[k])) out[k] = helmMerge(out[k] as Obj, v);
        else out[k] = v;
    }
    return out;
}

// ---- a JSON-schema checker for the subset the chart's schema uses ------------------------------
// No JSON-schema library is installed (package.json is frozen), and the schema only uses: type,
// properties, additionalProperties, items, required, allOf, $ref (local), enum.
interface Schema {
    type?: string | string[];
    properties?: Record<string, Schema>;
    additionalProperties?: boolean | Schema;
    items?: Schema;
    required?: string[];
    allOf?: Schema[];
    $ref?: string;
    enum?: unknown[];
}

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

function resolveRef(ref: string): Schema {
    assert.ok(ref.startsWith("#/"), `only local $ref supported: ${ref}`);
    return ref
        .slice(2)
        .split("/")
        .reduce<unknown>((acc, k) => (acc as Obj)[k.replace(/~1/g, "/").replace(/~0/g, "~")], schema()) as Schema;
}

function validate(value: unknown, schema: Schema, path = "", errors: string[] = []): string[] {
    if (schema.$ref) return validate(value, resolveRef(schema.$ref), path, errors);
    for (const s of schema.allOf ?? []) validate(value, s, path, errors);
    if (schema.type !== undefined) {
        const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
        const t = typeOf(value);
        if (!allowed.includes(t) && !(t === "integer" && allowed.includes("number")))
            errors.push(`${path || "<root>"}: ${t} is not ${allowed.join("|")}`);
    }
    if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
        errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
    if (isObj(value)) {
        for (const r of schema.required ?? []) if (!(r in value)) errors.push(`${path}: missing required ${r}`);
        for (const [k, v] of Object.entries(value)) {
            const p = path ? `${path}.${k}` : k;
            const prop = schema.properties?.[k];
            if (prop) validate(v, prop, p, errors);
            else if (schema.additionalProperties === false) errors.push(`${p}: not allowed`);
            else if (isObj(schema.additionalProperties)) validate(v, schema.additionalProperties, p, errors);
        }
    }
    if (Array.isArray(value) && schema.items) value.forEach((v, i) => validate(v, schema.items as Schema, `${path}[${i}]`, errors));
    return errors;
}

// ---- key paths must exist in the chart's values.yaml -------------------------------------------
// The schema allows unknown keys almost everywhere, so a typo would pass it; this check catches them.
/** Sections rendered verbatim into the Loki config or a Kubernetes object, so any key is legitimate. */
const FREE_FORM = [
    /^loki\.(limits_config|rulerConfig|compactor|schemaConfig|commonConfig|podLabels)(\.|$)/,
    /^loki\.storage\.bucketNames(\.|$)/,
    /^serviceAccount\.annotations(\.|$)/,
    /\.resources(\.|$)/,
];

function unknownKeyPaths(values: Obj, defaults: Obj, prefix = ""): string[] {
    const bad: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (FREE_FORM.some((re) => re.test(p))) continue;
        if (!(k in defaults)) {
            // An empty default map ({}) is a free-form map by design.
            if (Object.keys(defaults).length > 0) bad.push(p);
            continue;
        }
        const d = defaults[k];
        if (isObj(v) && isObj(d)) bad.push(...unknownKeyPaths(v, d, p));
        else if (isObj(v) && d !== null && d !== undefined) bad.push(`${p} (default is not a map)`);
    }
    return bad;
}

// ---- the replica checks of templates/validate.yaml in chart 18.11.0 -----------------------------
const SCALABLE = ["backend", "read", "write"];
const DISTRIBUTED = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"];
function chartValidateFailures(merged: Obj): string[] {
    const n = (p: string) => Number(get(merged, p) ?? 0);
    const mono = n("singleBinary.replicas");
    const scalable = SCALABLE.some((c) => n(`${c}.replicas`) > 0);
    const distributed = DISTRIBUTED.some((c) => n(`${c}.replicas`) > 0);
    const mode = String(merged.deploymentMode);
    const fails: string[] = [];
    if (scalable && distributed && mode !== "SimpleScalable<->Distributed") fails.push("scalable and distributed replicas");
    if (mono > 0 && distributed) fails.push("monolithic and distributed replicas");
    if (mono > 0 && scalable && !mode.includes("<->")) fails.push("monolithic and scalable replicas");
    if (get(merged, "test.enabled") === true && get(merged, "lokiCanary.enabled") !== true) fails.push("helm test without canary");
    if (get(merged, "minio.enabled") === true) fails.push("minio deprecated");
    const schema = get(merged, "loki.schemaConfig");
    if (!isObj(schema) || Object.keys(schema).length === 0) fails.push("no schemaConfig");
    return fails;
}

// ---- fixtures ----------------------------------------------------------------------------------
const ruleFile = buildLokiRules({ runbookBaseUrl: "https://runbooks.example.com/logs", ...DEFAULT_LOKI_RULE_THRESHOLDS });
const smallPod = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } };
const exporter = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };
const devResources: LokiResources = {
    loki: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    gateway: smallPod,
    gatewayExporter: { requests: { cpu: "20m", memory: "48Mi" }, limits: { memory: "96Mi" } },
    cacheCpu: "100m",
    cacheExporter: exporter,
};

const dev: LokiValuesInput = {
    environment: "dev",
    mode: "monolithic",
    replicas: 1,
    zoneSpread: false,
    pdb: false,
    chunksBucket: "plg-dev-loki-chunks",
    region: "eu-west-1",
    serviceAccountName: lokiEndpoints.serviceAccount,
    tenantId: "platform",
    retentionDays: 7,
    limits: {
        ingestionRateMb: 4,
        ingestionBurstMb: 8,
        maxGlobalStreamsPerUser: 5000,
        maxLabelNamesPerSeries: 15,
        maxQueryLength: "721h",
        maxQueryParallelism: 16,
        maxEntriesLimitPerQuery: 5000,
    },
    caches: { chunksCacheMemoryMb: 512, resultsCacheMemoryMb: 0 },
    storageClass: "gp3",
    volumeSizeGiB: 10,
    alertmanagerUrl: urls.alertmanager,
    rules: { platform: buildLokiRulerConfigMapData(ruleFile) },
    resources: devResources,
};

const prod: LokiValuesInput = {
    ...dev,
    environment: "prod",
    replicas: 3,
    zoneSpread: true,
    pdb: true,
    chunksBucket: "plg-prod-loki-chunks",
    irsaRoleArn: "arn:aws:iam::123456789012:role/plg-prod-loki",
    retentionDays: 30,
    limits: { ...dev.limits, ingestionRateMb: 16, ingestionBurstMb: 32, perStreamRateLimitMb: 5, perStreamRateLimitBurstMb: 20 },
    caches: { chunksCacheMemoryMb: 2048, resultsCacheMemoryMb: 512, replicas: 2 },
    volumeSizeGiB: 50,
    gatewayReplicas: 2,
};

const distributed: LokiValuesInput = {
    ...prod,
    mode: "distributed",
    distributed: { ingester: 3, distributor: 2, querier: 2, queryFrontend: 2, compactor: 1, indexGateway: 2, ruler: 2 },
};

const simpleScalable: LokiValuesInput = { ...prod, mode: "simpleScalable", simpleScalable: { read: 2, write: 3, backend: 2 } };

const cases: [string, LokiValuesInput][] = [
    ["dev (monolithic, 1 replica)", dev],
    ["prod (HA monolithic)", prod],
    ["distributed", distributed],
    ["simpleScalable", simpleScalable],
];

async function template(values: Obj): Promise<string> {
    return helmTemplate({ release: lokiEndpoints.release, chart: "loki", namespace: lokiEndpoints.namespace, values, kubeVersion: "1.34" });
}

/** The chart rendered by the real Helm with these inputs' values; skips (fails in CI) when Helm or the chart is missing. */
async function rendered(ctx: Mocha.Context, input: LokiValuesInput) {
    ctx.timeout(60_000);
    try {
        return parseManifests(await template(buildLokiValues(input)));
    } catch (e) {
        if (!(e instanceof Unavailable) || process.env.CI) throw e;
        ctx.skip();
        throw e;
    }
}

describe("Loki values (chart 18.11.0)", function () {
    before(function () {
        requireChartData(this);
    });
    describe("chart contract", () => {
        it("the schema checker and key-path checker reject bad values (they are not vacuous)", () => {
            assert.ok(validate(helmMerge(defaults(), { singleBinary: { replicas: "3" } }), schema()).length > 0);
            assert.ok(validate(helmMerge(defaults(), { loki: { auth_enabled: "yes" } }), schema()).length > 0);
            assert.deepEqual(unknownKeyPaths({ singleBinary: { replica: 3 } }, defaults()), ["singleBinary.replica"]);
            assert.deepEqual(unknownKeyPaths({ loki: { ruler: { enable_api: true } } }, defaults()), ["loki.ruler"]);
            assert.deepEqual(validate(defaults(), schema()), [], "chart defaults must validate");
        });

        for (const [name, input] of cases) {
            it(`${name}: merged values validate against values.schema.json`, () => {
                assert.deepEqual(validate(helmMerge(defaults(), buildLokiValues(input)), schema()), []);
            });
            it(`${name}: every key exists in the chart's values.yaml (or is a free-form section)`, () => {
                assert.deepEqual(unknownKeyPaths(buildLokiValues(input), defaults()), []);
            });
            it(`${name}: passes the chart's validate.yaml replica and schema checks`, () => {
                assert.deepEqual(chartValidateFailures(helmMerge(defaults(), buildLokiValues(input))), []);
            });
        }

        it("the validate.yaml emulation fails the chart defaults plus Distributed replicas (read/write/backend default 3)", () => {
            const naive = helmMerge(defaults(), { deploymentMode: "Distributed", ingester: { replicas: 3 }, loki: { schemaConfig: { configs: [] } } });
            assert.ok(chartValidateFailures(naive).includes("scalable and distributed replicas"));
        });
    });

    describe("deployment mode and replicas", () => {
        it("runs exactly the chosen mode's workloads and zeroes every other mode", () => {
            const expect: [LokiValuesInput, string, string[]][] = [
                [dev, "Monolithic", ["singleBinary"]],
                [distributed, "Distributed", DISTRIBUTED],
                [simpleScalable, "SimpleScalable", SCALABLE],
            ];
            for (const [input, mode, running] of expect) {
                const v = buildLokiValues(input);
                assert.equal(v.deploymentMode, mode);
                for (const c of ["singleBinary", ...SCALABLE, ...DISTRIBUTED]) {
                    const n = get(v, `${c}.replicas`);
                    if (running.includes(c)) assert.ok(typeof n === "number" && n > 0, `${mode}: ${c} should run`);
                    else assert.equal(n, 0, `${mode}: ${c} must be 0`);
                }
            }
        });

        it("sets the single binary replica count from input", () => {
            assert.equal(get(buildLokiValues(prod), "singleBinary.replicas"), 3);
            assert.equal(get(buildLokiValues(dev), "singleBinary.replicas"), 1);
        });

        it("replication factor is 1 for a single replica and 3 for HA", () => {
            assert.equal(get(buildLokiValues(dev), "loki.commonConfig.replication_factor"), 1);
            assert.equal(get(buildLokiValues(prod), "loki.commonConfig.replication_factor"), 3);
            assert.equal(get(buildLokiValues({ ...prod, replicas: 2 }), "loki.commonConfig.replication_factor"), 2);
            assert.equal(get(buildLokiValues(distributed), "loki.commonConfig.replication_factor"), 3);
        });

        it("distributed mode defaults the query scheduler to 2 (the frontend always uses it)", () => {
            assert.equal(get(buildLokiValues(distributed), "queryScheduler.replicas"), 2);
        });

        it("rejects a mode without its replica block, and zero replicas", () => {
            assert.throws(() => buildLokiValues({ ...prod, mode: "distributed" }), /distributed replicas are required/);
            assert.throws(() => buildLokiValues({ ...dev, replicas: 0 }), /replicas must be an integer >= 1/);
        });
    });

    describe("storage, schema, retention, limits", () => {
        it("names the release and the service account explicitly", () => {
            const v = buildLokiValues(dev);
            assert.equal(v.fullnameOverride, lokiEndpoints.fullname);
            assert.equal(get(v, "serviceAccount.name"), lokiEndpoints.serviceAccount);
            assert.equal(get(v, "serviceAccount.annotations"), undefined, "no IRSA annotation without a role ARN");
            assert.deepEqual(get(buildLokiValues(prod), "serviceAccount.annotations"), { "eks.amazonaws.com/role-arn": prod.irsaRoleArn });
        });

        it("stores in S3 with bucket names and region, and never with access keys", () => {
            const merged = helmMerge(defaults(), buildLokiValues(prod));
            assert.equal(get(merged, "loki.storage.type"), "s3");
            assert.deepEqual(get(merged, "loki.storage.bucketNames"), { chunks: "plg-prod-loki-chunks" }, "no ruler bucket: rules are local");
            assert.equal(get(merged, "loki.storage.s3.region"), "eu-west-1");
            for (const k of ["accessKeyId", "secretAccessKey"]) assert.ok(get(merged, `loki.storage.s3.${k}`) == null, k);
            assert.equal(get(merged, "minio.enabled"), false);
        });

        it("uses tsdb schema v13 with a 24h index period from a fixed date", () => {
            const configs = get(buildLokiValues(dev), "loki.schemaConfig.configs") as Obj[];
            assert.equal(configs.length, 1);
            const c = configs[0] as Obj;
            assert.equal(c.store, "tsdb");
            assert.equal(c.schema, "v13");
            assert.equal(c.object_store, "s3");
            assert.equal(get(c, "index.period"), "24h");
            assert.match(String(c.from), /^\d{4}-\d{2}-\d{2}$/);
            assert.equal(((get(buildLokiValues({ ...dev, schemaFrom: "2024-04-01" }), "loki.schemaConfig.configs") as Obj[])[0] as Obj).from, "2024-04-01");
        });

        it("retention: period from days, compactor deletes, delete requests in s3", () => {
            const v = buildLokiValues(prod);
            assert.equal(get(v, "loki.limits_config.retention_period"), "720h");
            assert.equal(get(buildLokiValues(dev), "loki.limits_config.retention_period"), "168h");
            assert.equal(get(v, "loki.compactor.retention_enabled"), true);
            assert.equal(get(v, "loki.compactor.delete_request_store"), "s3");
        });

        it("ingestion and query limits come from input", () => {
            const l = get(buildLokiValues(prod), "loki.limits_config") as Obj;
            assert.equal(l.ingestion_rate_mb, 16);
            assert.equal(l.ingestion_burst_size_mb, 32);
            assert.equal(l.max_global_streams_per_user, 5000);
            assert.equal(l.max_label_names_per_series, 15);
            assert.equal(l.max_query_length, "721h");
            assert.equal(l.max_query_parallelism, 16);
            assert.equal(l.max_entries_limit_per_query, 5000);
            assert.equal(l.per_stream_rate_limit, "5MB");
            assert.equal(l.per_stream_rate_limit_burst, "20MB");
            assert.equal(l.allow_structured_metadata, true);
            const devLimits = get(buildLokiValues(dev), "loki.limits_config") as Obj;
            assert.ok(!("per_stream_rate_limit" in devLimits), "unset optional limit keeps Loki's default");
        });

        it("keeps multi-tenancy on (Alloy sends X-Scope-OrgID)", () => {
            assert.equal(get(buildLokiValues(dev), "loki.auth_enabled"), true);
        });
    });

    describe("caches and sidecars", () => {
        it("sizes caches from input and disables a cache sized 0", () => {
            const v = buildLokiValues(dev);
            assert.deepEqual(get(v, "chunksCache"), { enabled: true, allocatedMemory: 512, allocatedCPU: "100m", replicas: 1 });
            assert.deepEqual(get(v, "resultsCache"), { enabled: false });
            assert.equal(get(buildLokiValues(prod), "resultsCache.allocatedMemory"), 512);
            assert.equal(get(buildLokiValues(prod), "chunksCache.replicas"), 2);
            assert.deepEqual(get(helmMerge(defaults(), v), "chunksCache.resources"), {}, "no explicit resources: the chart derives them from the cache size");
        });

        it("sizes the exporter sidecars of the gateway and of each cache from input", () => {
            const merged = helmMerge(defaults(), buildLokiValues(dev));
            assert.deepEqual(get(merged, "gateway.metrics.resources"), devResources.gatewayExporter);
            assert.deepEqual(get(merged, "memcachedExporter.resources"), exporter);
            assert.equal(get(merged, "gateway.metrics.enabled"), true, "the sidecar these resources size runs");
            assert.equal(get(merged, "memcachedExporter.enabled"), true);
        });

        it("parses Kubernetes memory quantities", () => {
            assert.equal(memoryQuantityMiB("1Gi"), 1024);
            assert.equal(memoryQuantityMiB("512Mi"), 512);
            assert.equal(memoryQuantityMiB("1048576"), 1);
            assert.ok(Math.abs(memoryQuantityMiB("1G") - 953.674) < 0.01);
            assert.throws(() => memoryQuantityMiB("lots"));
            assert.equal(cpuQuantityMillis("250m"), 250);
            assert.equal(cpuQuantityMillis("1.5"), 1500);
            assert.equal(cpuQuantityMillis(2), 2000);
            assert.throws(() => cpuQuantityMillis("1Gi"));
        });
    });

    describe("ruler", () => {
        it("needs no ruler bucket with local rule storage, while object rule storage would (real helm template)", async function () {
            const objects = await rendered(this, prod);
            const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === lokiEndpoints.fullname);
            const config = YAML.parse(String((cm?.data as Record<string, string> | undefined)?.["config.yaml"])) as Obj;
            assert.equal(get(config, "ruler.storage.type"), "local");
            // The chart's loki.rulerStorageConfig: with s3 rule storage it `required`s bucketNames.ruler.
            const s3Rules = helmMerge(buildLokiValues(prod), { loki: { rulerConfig: { storage: { type: "s3" } } } });
            await assert.rejects(template(s3Rules), /Please define loki\.storage\.bucketNames\.ruler/);
        });

        it("loads rules from local storage and alerts the platform Alertmanager (v2 API)", () => {
            const r = get(buildLokiValues(dev), "loki.rulerConfig") as Obj;
            assert.equal(r.alertmanager_url, urls.alertmanager);
            assert.equal(r.enable_alertmanager_discovery, false, "a plain URL is not an SRV name");
            const srv = get(buildLokiValues({ ...dev, alertmanagerUrl: "http://_http-web._tcp.alertmanager-operated.monitoring.svc.cluster.local" }), "loki.rulerConfig") as Obj;
            assert.equal(srv.enable_alertmanager_discovery, true, "an SRV name turns on discovery of every replica");
            assert.equal(r.enable_api, true);
            assert.equal(r.enable_alertmanager_v2, true);
            assert.deepEqual(r.storage, { type: "local", local: { directory: LOKI_RULES_DIR } });
            assert.equal(get(buildLokiValues(dev), "ruler.directories"), undefined, "chart 18.11.0 only renders these in Distributed");
        });

        for (const [name, input, component] of [
            ["monolithic", dev, "singleBinary"],
            ["distributed", distributed, "ruler"],
            ["simpleScalable", simpleScalable, "backend"],
        ] as const) {
            it(`${name}: mounts each tenant's rules ConfigMap at <rules dir>/<tenant> on the ${component}`, () => {
                const v = buildLokiValues(input);
                const objects = v.extraObjects as Obj[];
                assert.equal(objects.length, 1);
                const cm = objects[0] as Obj;
                assert.equal(cm.kind, "ConfigMap");
                const cmName = get(cm, "metadata.name");
                const volumes = get(v, `${component}.extraVolumes`) as Obj[];
                const mounts = get(v, `${component}.extraVolumeMounts`) as Obj[];
                assert.deepEqual(volumes, [{ name: cmName, configMap: { name: cmName } }]);
                assert.deepEqual(mounts, [{ name: cmName, mountPath: `${LOKI_RULES_DIR}/platform`, readOnly: true }]);
                for (const other of ["singleBinary", "ruler", "backend"].filter((c) => c !== component))
                    assert.equal(get(v, `${other}.extraVolumes`), undefined);
            });
        }

        it("rule text survives the chart's tpl: {{ $labels }} is escaped and renders back unchanged", () => {
            const cm = (buildLokiValues(dev).extraObjects as Obj[])[0] as Obj;
            const data = cm.data as Record<string, string>;
            const [file, original] = Object.entries(buildLokiRulerConfigMapData(ruleFile))[0] as [string, string];
            assert.ok(original.includes("{{ $labels.namespace }}"), "fixture must contain template actions");
            assert.ok(!(data[file] ?? "").includes("{{ $labels"), "must be escaped");
            assert.equal(renderTplLiteral(data[file] ?? ""), original);
            assert.deepEqual(YAML.parse(renderTplLiteral(data[file] ?? "")), JSON.parse(JSON.stringify(ruleFile)));
        });

        it("escapeHelmTpl leaves text without actions alone", () => {
            assert.equal(escapeHelmTpl("a } b }} c"), "a } b }} c");
            assert.equal(renderTplLiteral(escapeHelmTpl("x {{ y }} {{z}}")), "x {{ y }} {{z}}");
        });

        it("rejects tenant ids and file names Kubernetes or Loki cannot use", () => {
            assert.throws(() => buildLokiValues({ ...dev, rules: { "a/b": {} } }), /tenant/);
            assert.throws(() => buildLokiValues({ ...dev, rules: { platform: { "../x.yaml": "" } } }), /file name/);
        });
    });

    describe("operations", () => {
        it("gateway service name follows <fullname>-gateway and its default port matches endpoints", () => {
            const merged = helmMerge(defaults(), buildLokiValues(dev));
            assert.equal(get(merged, "gateway.enabled"), true);
            // templates/gateway/service.yaml: loki.resourceName (component "gateway") = <fullname>-gateway
            assert.equal(`${merged.fullnameOverride}-gateway`, lokiEndpoints.gateway.service);
            assert.equal(get(merged, "gateway.service.port"), lokiEndpoints.gateway.port);
        });

        it("enables the ServiceMonitor and turns off canary, helm test and minio", () => {
            const merged = helmMerge(defaults(), buildLokiValues(dev));
            assert.equal(get(merged, "monitoring.serviceMonitor.enabled"), true);
            assert.equal(get(merged, "lokiCanary.enabled"), false);
            assert.equal(get(merged, "test.enabled"), false);
            assert.equal(get(merged, "minio.enabled"), false);
        });

        it("prod spreads pods across zones and sets PDBs; dev does neither", () => {
            const p = buildLokiValues(prod);
            const tsc = get(p, "singleBinary.topologySpreadConstraints") as Obj[];
            const zone = tsc.find((t) => t.topologyKey === "topology.kubernetes.io/zone");
            assert.ok(zone, "zone constraint");
            assert.equal(zone.whenUnsatisfiable, "DoNotSchedule");
            assert.deepEqual(get(zone, "labelSelector.matchLabels"), {
                "app.kubernetes.io/name": charts.loki.chart,
                "app.kubernetes.io/instance": lokiEndpoints.release,
                "app.kubernetes.io/component": "single-binary",
            });
            assert.deepEqual(get(p, "singleBinary.podDisruptionBudget"), { enabled: true, maxUnavailable: 1 });
            assert.deepEqual(get(p, "gateway.podDisruptionBudget"), { enabled: true, maxUnavailable: 1 });
            assert.equal(get(p, "gateway.replicas"), 2);
            const d = buildLokiValues(dev);
            assert.equal(get(d, "singleBinary.topologySpreadConstraints"), undefined);
            assert.deepEqual(get(d, "singleBinary.podDisruptionBudget"), { enabled: false });
            assert.equal(get(helmMerge(defaults(), d), "podDisruptionBudget.enabled"), false, "deprecated toggle agrees");
            const dist = buildLokiValues(distributed);
            assert.equal(
                (get(dist, "ingester.topologySpreadConstraints") as Obj[])[0]?.topologyKey,
                "topology.kubernetes.io/zone",
            );
            assert.equal(get(dist, "ingester.zoneAwareReplication.enabled"), false);
        });

        it("persists stateful pods on the requested storage class and size", () => {
            assert.deepEqual(get(buildLokiValues(prod), "singleBinary.persistence"), { enabled: true, size: "50Gi", storageClass: "gp3" });
            const claims = get(buildLokiValues(distributed), "ingester.persistence.claims") as Obj[];
            assert.equal(claims[0]?.size, "50Gi");
            assert.equal(get(buildLokiValues(simpleScalable), "write.persistence.volumeClaimsEnabled"), true);
        });

        it("the compactor's claim takes the configured size and StorageClass, not the chart's default claim (real helm template)", async function () {
            const objects = await rendered(this, distributed);
            const compactor = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === `${lokiEndpoints.fullname}-compactor`);
            assert.ok(compactor, "distributed mode runs a compactor StatefulSet");
            const templates = (compactor.spec as Obj).volumeClaimTemplates as Obj[];
            assert.deepEqual(
                templates.map((t) => [get(t, "metadata.name"), get(t, "spec.storageClassName"), get(t, "spec.resources.requests.storage")]),
                [["data", "gp3", "50Gi"]],
            );
        });

        it("applies resources to each running workload", () => {
            const v = buildLokiValues({ ...distributed, resources: { ...distributed.resources, components: { ingester: smallPod } } });
            assert.deepEqual(get(v, "ingester.resources"), smallPod);
            assert.deepEqual(get(v, "querier.resources"), distributed.resources.loki);
            assert.deepEqual(get(v, "gateway.resources"), smallPod);
        });
    });
});
