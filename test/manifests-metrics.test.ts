/**
 * kube-prometheus-stack and its CRDs as the cluster would get them: the real `helm template` of
 * the program's releases (test/support/manifests.ts), checked for what the metrics side promises.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { datasourceUids, kps, teamLokiDatasourceUid, urls } from "../components/endpoints";
import type { K8sObject } from "../tools/helm";
import type { RecordedResource } from "../tools/mock-run";
import { type RenderedStack, STACK_NAMES, renderedStack } from "./support/manifests";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

function one(objects: readonly K8sObject[], kind: string, what: string): K8sObject {
    const found = objects.filter((o) => o.kind === kind);
    assert.equal(found.length, 1, `expected one ${kind} (${what}), found ${found.length}`);
    return found[0] as K8sObject;
}

/** The Alertmanager configuration the chart stores in its Secret. */
function alertmanagerConfig(stack: RenderedStack): Rec {
    const secret = stack.objects(kps.release).find((o) => o.kind === "Secret" && String(o.metadata.name).startsWith("alertmanager-"));
    assert.ok(secret, "the chart's Alertmanager configuration Secret");
    return rec(YAML.parse(Buffer.from(String(rec(secret.data)["alertmanager.yaml"]), "base64").toString("utf8")));
}

for (const name of STACK_NAMES) {
    describe(`rendered kube-prometheus-stack (real helm template): ${name}`, function () {
        let stack: RenderedStack;
        before(async function () {
            this.timeout(120_000);
            stack = await renderedStack(this, name);
        });

        it("every CRD is kept by Helm when its release is removed or replaced (deleting one deletes every object of its kind)", function () {
            const crds = stack.objects(kps.crdsRelease).filter((o) => o.kind === "CustomResourceDefinition");
            const names = crds.map((c) => c.metadata.name);
            for (const kind of ["prometheuses", "alertmanagers", "servicemonitors", "podmonitors", "prometheusrules"]) {
                assert.ok(names.includes(`${kind}.monitoring.coreos.com`), `the release renders the ${kind} CRD`);
            }
            assert.deepEqual(
                crds.filter((c) => c.metadata.annotations?.["helm.sh/resource-policy"] !== "keep").map((c) => c.metadata.name),
                [],
            );
        });

        it("Prometheus scrapes and evaluates rules at metrics.scrapeInterval, and Grafana's datasource knows it", function () {
            const interval = stack.settings.metrics.scrapeInterval;
            const spec = rec(one(stack.objects(kps.release), "Prometheus", "the Prometheus custom resource").spec);
            assert.equal(spec.scrapeInterval, interval);
            assert.equal(spec.evaluationInterval, interval);
            // Grafana's $__rate_interval is computed from the datasource's timeInterval.
            const prometheus = datasources(stack).find((d) => d.uid === datasourceUids.prometheus);
            assert.equal(rec(prometheus?.jsonData).timeInterval, interval);
        });

        it("Grafana is provisioned with Prometheus, Alertmanager and Loki under the fixed uids, at the platform's URLs", function () {
            const byUid = Object.fromEntries(datasources(stack).map((d) => [String(d.uid), d]));
            // Plus one Loki datasource per team tenant (test/logs-tenancy.test.ts), reading only that tenant.
            // A team owning no namespace writes no logs: it has no tenant, so no datasource.
            const teams = stack.settings.alerting.teams.filter((t) => t.namespaces.length > 0);
            assert.deepEqual(Object.keys(byUid).sort(), [...Object.values(datasourceUids), ...teams.map((t) => teamLokiDatasourceUid(t.name))].sort());
            for (const t of teams) assert.equal(rec(byUid[teamLokiDatasourceUid(t.name)]?.secureJsonData).httpHeaderValue1, t.name);
            // With long-term metrics the same uid reads Thanos Query Frontend (test/thanos.test.ts checks it is that Service).
            assert.equal(byUid[datasourceUids.prometheus]?.url, stack.settings.metrics.longTerm.enabled ? urls.thanosQueryFrontend : urls.prometheus);
            assert.equal(byUid[datasourceUids.alertmanager]?.url, urls.alertmanager);
            assert.equal(byUid[datasourceUids.loki]?.url, urls.lokiGateway);
            assert.equal(byUid[datasourceUids.loki]?.type, "loki");
            // The platform's datasource reads its own tenant and every team's (Loki multi-tenant query: ids joined by |).
            assert.equal(rec(byUid[datasourceUids.loki]?.secureJsonData).httpHeaderValue1, [stack.settings.logs.tenantId, ...teams.map((t) => t.name)].join("|"));
        });

        it("the operator sizes the config-reloader it injects into Prometheus and Alertmanager pods", function () {
            const operator = stack.objects(kps.release).find((o) => o.kind === "Deployment" && o.metadata.name === `${kps.fullname}-operator`);
            assert.ok(operator, "the operator Deployment");
            const args = list(rec(rec(rec(operator.spec).template).spec).containers).flatMap((c) => (c.args as string[] | undefined) ?? []);
            const flag = (f: string): string | undefined => args.find((a) => a.startsWith(`--config-reloader-${f}=`))?.split("=")[1];
            // "0" is the operator's "none".
            for (const f of ["cpu-request", "memory-request", "memory-limit"]) {
                const v = flag(f);
                assert.ok(v !== undefined && v !== "0", `--config-reloader-${f}=${String(v)}`);
            }
        });

        const hostname = (s: RenderedStack): string | undefined => s.settings.grafana.hostname;

        it("Grafana's Ingress is the program's, only with a hostname: HTTP 80 redirecting to HTTPS 443, health-checked on /api/health", function () {
            // The chart renders none (Pulumi could not wait for its load balancer inside the release).
            assert.deepEqual(stack.allObjects().filter((o) => o.kind === "Ingress"), []);
            const ingresses = stack.graph.byType("kubernetes:networking.k8s.io/v1:Ingress");
            const host = hostname(stack);
            if (host === undefined) {
                assert.deepEqual(ingresses, []);
                return;
            }
            assert.equal(ingresses.length, 1, "one Ingress for Grafana");
            const ingress = stack.graph.inputs(ingresses[0] as RecordedResource) as unknown as K8sObject;
            assert.equal(ingress.metadata.namespace, kps.namespace);
            assert.equal(rec(ingress.spec).ingressClassName, "alb");
            const a = ingress.metadata.annotations ?? {};
            const ports = JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"] ?? "[]") as Record<string, number>[];
            assert.ok(ports.some((p) => p.HTTP === 80), `no HTTP listener on 80 to redirect from: ${JSON.stringify(ports)}`);
            assert.ok(ports.some((p) => p.HTTPS === 443), `no HTTPS listener on 443: ${JSON.stringify(ports)}`);
            // The controller requires the ssl-redirect port to be one of the HTTPS listen ports.
            const redirect = Number(a["alb.ingress.kubernetes.io/ssl-redirect"]);
            assert.ok(ports.some((p) => p.HTTPS === redirect), `ssl-redirect ${redirect} is not an HTTPS listen port`);
            assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], stack.settings.grafana.tlsCertificateArn);
            assert.equal(a["alb.ingress.kubernetes.io/healthcheck-path"], "/api/health");
            // TLS 1.2 and 1.3 only (the ELB guide's TLS13-1-2 policies); scheme and source allow-list from config.
            assert.match(a["alb.ingress.kubernetes.io/ssl-policy"] ?? "", /^ELBSecurityPolicy-TLS13-1-2-/);
            assert.equal(a["alb.ingress.kubernetes.io/scheme"], stack.settings.grafana.scheme);
            const cidrs = stack.settings.grafana.inboundCidrs;
            assert.equal(a["alb.ingress.kubernetes.io/inbound-cidrs"], cidrs.length > 0 ? cidrs.join(",") : undefined);
            // The same endpoint the kubelet probes: a target the ALB deems healthy is one Kubernetes deems ready.
            const grafana = stack.find(kps.release, "Deployment", kps.grafana.fullname);
            const container = list(rec(rec(rec(grafana.spec).template).spec).containers).find((c) => c.name === "grafana");
            assert.equal(rec(rec(container?.readinessProbe).httpGet).path, a["alb.ingress.kubernetes.io/healthcheck-path"]);
            const rules = list(rec(ingress.spec).rules);
            assert.deepEqual(rules.map((r) => r.host), [host]);
            const backend = rec(rec(list(rec(rules[0]?.http).paths)[0]).backend).service;
            assert.deepEqual(backend, { name: kps.grafana.service, port: { number: kps.grafana.port } });
        });

        it("Grafana runs grafana.database.replicas pods: on RDS rolling with no volume and a PDB, on SQLite one pod on its PVC", function () {
            const db = stack.settings.grafana.database;
            const deployment = stack.find(kps.release, "Deployment", kps.grafana.fullname);
            const spec = rec(deployment.spec);
            assert.equal(spec.replicas, db.replicas);
            const claims = list(rec(rec(spec.template).spec).volumes).filter((v) => v.persistentVolumeClaim !== undefined);
            const pdbs = stack.objects(kps.release).filter((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === kps.grafana.fullname);
            const ini = String(rec(stack.find(kps.release, "ConfigMap", kps.grafana.fullname).data)["grafana.ini"]);
            if (db.type === "rds") {
                assert.equal(rec(spec.strategy).type, "RollingUpdate");
                assert.deepEqual(claims, []);
                assert.equal(pdbs.length, 1);
                assert.match(ini, /^\[database\][^[]*^type = postgres$/m);
            } else {
                assert.equal(db.replicas, 1);
                assert.equal(rec(spec.strategy).type, "Recreate");
                assert.equal(claims.length, 1);
                assert.deepEqual(pdbs, []);
                assert.doesNotMatch(ini, /postgres/);
            }
        });

        it("Alertmanager links lead to Grafana's alerting UI with a hostname, and nowhere without one", function () {
            const am = rec(one(stack.objects(kps.release), "Alertmanager", "the Alertmanager custom resource").spec);
            const slack = list(alertmanagerConfig(stack).receivers).flatMap((r) => list(r.slack_configs));
            assert.ok(slack.length > 0 || !stack.settings.alerting.slack.enabled, "the stacks with Slack on post to Slack");
            const host = hostname(stack);
            if (host !== undefined) {
                assert.equal(am.externalUrl, `https://${host}/alerting`);
                for (const s of slack) assert.equal(s.title_link, undefined, "the default title link (externalUrl) is public");
            } else {
                assert.match(String(am.externalUrl), /^http:\/\/[a-z0-9-]+\.monitoring:\d+$/, "the chart's in-cluster default");
                for (const s of slack) assert.equal(s.title_link, "", "no title link to an in-cluster URL");
            }
        });
    });
}

/** Datasources of the ConfigMap the Grafana sidecar provisions (label grafana_datasource). */
function datasources(stack: RenderedStack): Rec[] {
    const cms = stack.objects(kps.release).filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_datasource === "1");
    assert.ok(cms.length > 0, "a datasource ConfigMap for the Grafana sidecar");
    return cms.flatMap((cm) => Object.values(rec(cm.data)).flatMap((text) => list(rec(YAML.parse(String(text))).datasources)));
}
