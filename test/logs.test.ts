import assert from "node:assert/strict";
import { alloy, loki, urls } from "../components/endpoints";
import { CORRELATION_LABELS } from "../components/labels";
import { type Graph, runStack } from "./support/graph";

type Obj = Record<string, unknown>;
function at(o: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((cur, k) => (cur && typeof cur === "object" ? (cur as Obj)[k] : undefined), o);
}

function lifecycleDays(g: Graph): number {
    const lc = g.byType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.name.endsWith("-chunks-lifecycle"));
    const rules = lc?.inputs.rules as { expiration?: { days: number } }[];
    return rules.find((r) => r.expiration)?.expiration?.days ?? Number.NaN;
}

for (const stack of ["dev", "prod"] as const) {
    const prod = stack === "prod";
    describe(`logs in the mock graph (${stack})`, () => {
        let g: Graph;
        let values: Obj;
        let alloyValues: Obj;
        before(async () => {
            g = await runStack(stack);
            values = g.releaseValues(loki.release);
            alloyValues = g.releaseValues(alloy.release);
        });

        it(prod ? "runs HA monolithic Loki: 3 replicas, replication factor 3, spread over zones, PDB" : "runs single-replica monolithic Loki with replication factor 1", () => {
            assert.equal(values.deploymentMode, "Monolithic");
            assert.equal(at(values, "singleBinary.replicas"), prod ? 3 : 1);
            assert.equal(at(values, "loki.commonConfig.replication_factor"), prod ? 3 : 1);
            for (const other of ["read", "write", "backend", "ingester", "distributor", "querier"]) {
                assert.equal(at(values, `${other}.replicas`), 0, `${other} must be zeroed in monolithic mode`);
            }
            const spread = JSON.stringify(at(values, "singleBinary.topologySpreadConstraints") ?? []);
            assert.equal(spread.includes("topology.kubernetes.io/zone"), prod);
            assert.equal(at(values, "singleBinary.podDisruptionBudget.enabled") === true, prod);
        });

        it("stores chunks in the platform's S3 bucket and region, with no access keys", () => {
            const buckets = g.byType("aws:s3/bucket:Bucket").filter((b) => b.parent?.endsWith("-log-storage"));
            assert.deepEqual(at(values, "loki.storage.bucketNames"), { chunks: buckets.map((b) => `${b.name}-mock`)[0] });
            assert.equal(g.run.outputs.logsBucket, at(values, "loki.storage.bucketNames.chunks"), "the stack exports the bucket Loki writes to");
            assert.equal(at(values, "loki.storage.type"), "s3");
            assert.equal(at(values, "loki.storage.s3.region"), "eu-west-1");
            const text = JSON.stringify(values);
            assert.ok(!/accessKeyId|secretAccessKey|access_key/i.test(text), "no static AWS credentials");
        });

        it("names the service account the workload role is bound to", () => {
            const assoc = g.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "-loki-association");
            assert.equal(at(values, "serviceAccount.name"), assoc.inputs.serviceAccount);
            assert.equal(g.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === loki.release)?.inputs.namespace, assoc.inputs.namespace);
        });

        it("enables multi-tenancy and keeps logs no longer than the bucket lifecycle", () => {
            assert.equal(at(values, "loki.auth_enabled"), true);
            const retention = String(at(values, "loki.limits_config.retention_period"));
            const hours = Number(/^(\d+)h$/.exec(retention)?.[1]);
            assert.ok(hours > 0, retention);
            assert.equal(at(values, "loki.compactor.retention_enabled"), true);
            assert.equal(at(values, "loki.compactor.delete_request_store"), "s3");
            assert.ok(lifecycleDays(g) * 24 >= hours, `S3 lifecycle (${lifecycleDays(g)}d) must not expire logs before Loki's retention (${retention})`);
            assert.equal(at(values, "loki.schemaConfig.configs.0.schema") ?? (at(values, "loki.schemaConfig.configs") as Obj[])[0]?.schema, "v13");
        });

        it(prod ? "protects the logging namespace and the Loki and Alloy releases" : "leaves the logging namespace and releases unprotected", () => {
            const ns = g.byType("kubernetes:core/v1:Namespace").find((n) => at(n.inputs, "metadata.name") === loki.namespace);
            const releases = g.byType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.name === loki.release || r.inputs.name === alloy.release);
            assert.ok(ns && releases.length === 2);
            for (const r of [ns, ...releases]) assert.equal(r.options.protect === true, prod, `${r.name}: protect`);
        });

        it("mounts the ruler's LogQL rules for the tenant and sends alerts to the platform Alertmanager", () => {
            // Every replica, by SRV on the operator's headless service, not one pod behind the Service.
            assert.equal(at(values, "loki.rulerConfig.alertmanager_url"), "http://_http-web._tcp.alertmanager-operated.monitoring.svc.cluster.local");
            assert.equal(at(values, "loki.rulerConfig.enable_alertmanager_discovery"), true);
            assert.equal(at(values, "loki.rulerConfig.enable_api"), true);
            assert.equal(at(values, "loki.rulerConfig.storage.type"), "local");
            const cms = (values.extraObjects as Obj[]).filter((o) => o.kind === "ConfigMap");
            // One ConfigMap per tenant; the teams' are checked in test/logs-tenancy.test.ts.
            const platformRules = cms.find((o) => at(o, "metadata.name") === "loki-rules-platform");
            assert.ok(platformRules, `the platform tenant's rules among ${cms.map((o) => String(at(o, "metadata.name"))).join(", ")}`);
            const rulesText = Object.values(platformRules.data as Record<string, string>).join("\n");
            assert.match(rulesText, /alert: LogAuthenticationFailures/);
            const mounts = JSON.stringify(at(values, "singleBinary.extraVolumeMounts"));
            assert.ok(mounts.includes(`/etc/loki/rules/platform`), "rules mounted under the tenant's directory");
        });

        it("lets Prometheus scrape Loki and Alloy", () => {
            assert.equal(at(values, "monitoring.serviceMonitor.enabled"), true);
            assert.equal(at(alloyValues, "serviceMonitor.enabled"), true);
            const crds = g.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "prometheus-operator-crds");
            for (const rel of [loki.release, alloy.release]) {
                const r = g.byType("kubernetes:helm.sh/v3:Release").find((x) => x.inputs.name === rel);
                assert.ok(r?.options.dependsOn?.includes(crds?.name ?? "?"), `${rel} creates a ServiceMonitor: it must wait for the CRDs`);
            }
        });

        it("keeps Alloy's read positions on the node, so a restarted pod resumes where it stopped", () => {
            const storage = String(at(alloyValues, "alloy.storagePath"));
            const mount = (at(alloyValues, "alloy.mounts.extra") as { name: string; mountPath: string }[]).find((m) => m.mountPath === storage);
            assert.ok(mount, `no volume mounted at the storage path ${storage}`);
            const volume = (at(alloyValues, "controller.volumes.extra") as { name: string; hostPath?: { path: string } }[]).find((v) => v.name === mount.name);
            assert.ok(volume?.hostPath?.path.startsWith("/var/lib/"), "the storage volume must be a hostPath on the node");
        });

        it("runs Alloy as a DaemonSet pushing to Loki's gateway with Loki's tenant, labelling like the metrics", () => {
            assert.equal(at(alloyValues, "controller.type"), "daemonset");
            const config = String(at(alloyValues, "alloy.configMap.content"));
            const gatewayService = `${String(values.fullnameOverride)}-gateway`;
            assert.match(config, new RegExp(`url\\s*=\\s*"${urls.lokiPush.replace(/[.]/g, "\\.")}"`));
            assert.ok(urls.lokiPush.includes(gatewayService), "the push URL names the gateway the Loki chart creates");
            const tenant = /tenant_id\s*=\s*"([^"]+)"/.exec(config)?.[1];
            const kpsValues = g.releaseValues("kube-prometheus-stack");
            const lokiDs = (at(kpsValues, "grafana.additionalDataSources") as Obj[]).find((d) => d.type === "loki");
            // Grafana's platform datasource reads the platform tenant first, then every team tenant (`a|b`).
            assert.equal(tenant, String(at(lokiDs, "secureJsonData.httpHeaderValue1")).split("|")[0], "Alloy writes to the tenant Grafana reads");
            assert.ok((values.extraObjects as Obj[]).some((o) => at(o, "metadata.name") === `loki-rules-${tenant}`), "the ruler reads the same tenant");
            for (const label of CORRELATION_LABELS.filter((l) => l !== "cluster")) {
                assert.match(config, new RegExp(`target_label\\s*=\\s*"${label}"`), `relabel to ${label}`);
            }
            assert.match(config, new RegExp(`cluster\\s*=\\s*"plg-${stack}"`));
        });
    });
}

describe("logs: other tenants and modes", () => {
    it("carries a custom tenant id through Alloy, Grafana, the ruler's ConfigMap and its mount", async () => {
        const tenant = "team-a.prod";
        const g = await runStack("prod", { settings: { logs: { tenantId: tenant } } });
        const values = g.releaseValues(loki.release);
        const config = String(at(g.releaseValues(alloy.release), "alloy.configMap.content"));
        assert.equal(/tenant_id\s*=\s*"([^"]+)"/.exec(config)?.[1], tenant);
        const lokiDs = (at(g.releaseValues("kube-prometheus-stack"), "grafana.additionalDataSources") as Obj[]).find((d) => d.type === "loki");
        assert.equal(String(at(lokiDs, "secureJsonData.httpHeaderValue1")).split("|")[0], tenant);
        const mounts = at(values, "singleBinary.extraVolumeMounts") as { name: string; mountPath: string }[];
        const mount = mounts.find((m) => m.mountPath === `/etc/loki/rules/${tenant}`);
        assert.ok(mount, `rules must be mounted under the tenant's directory; mounts: ${JSON.stringify(mounts)}`);
        const volume = (at(values, "singleBinary.extraVolumes") as { name: string; configMap?: { name: string } }[]).find((v) => v.name === mount.name);
        const cm = (values.extraObjects as Obj[]).find((o) => o.kind === "ConfigMap" && at(o, "metadata.name") === volume?.configMap?.name);
        assert.ok(cm, "the mounted volume must be the rules ConfigMap Loki's release creates");
    });

    it("runs distributed mode with every microservice and no single binary, replication 3", async () => {
        // Distributed Loki needs more than the prod profile's nodes (the capacity check refuses them).
        const nodeGroups = [{ name: "system", instanceTypes: ["m6i.2xlarge"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 100, labels: {} }];
        const cluster = { name: "plg-prod", endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, adminPrincipalArns: ["arn:aws:iam::123456789012:role/PlatformAdmin"], nodeGroups };
        const g = await runStack("prod", { settings: { logs: { mode: "distributed" }, cluster } });
        const values = g.releaseValues(loki.release);
        assert.equal(values.deploymentMode, "Distributed");
        assert.equal(at(values, "singleBinary.replicas"), 0);
        for (const c of ["read", "write", "backend"]) assert.equal(at(values, `${c}.replicas`), 0, c);
        for (const c of ["ingester", "distributor", "querier", "queryFrontend", "compactor", "indexGateway", "ruler"]) {
            assert.ok(Number(at(values, `${c}.replicas`)) >= 1, `${c} must run`);
        }
        assert.equal(at(values, "loki.commonConfig.replication_factor"), 3);
        const rulerMounts = JSON.stringify(at(values, "ruler.extraVolumeMounts"));
        assert.ok(rulerMounts.includes("/etc/loki/rules/platform"), "the ruler component mounts the rules");
        assert.equal(at(values, "ingester.resources.requests.memory"), "2Gi");
        assert.equal(at(values, "distributor.resources.requests.memory"), "256Mi", "microservices are sized for their job");
    });
});
