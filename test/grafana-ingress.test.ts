/**
 * Grafana's Ingress (the program's, so Pulumi waits for its ALB) and the optional Route 53 alias
 * record to that ALB: the pure builder, and the real program in the mock graph, as `pulumi up`
 * and as the first preview of a new stack.
 */
import assert from "node:assert/strict";
import { kps, loadBalancerController } from "../components/endpoints";
import { GRAFANA_INGRESS_NAME, buildGrafanaIngress, loadBalancerHostname } from "../components/k8s/metrics/ingress";
import { type RecordedResource, UNKNOWN, findBakedValues, resourceKey } from "../tools/mock-run";
import { type Graph, runStack } from "./support/graph";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const RECORD = "aws:route53/record:Record";

const HOST = "grafana.plg.example.org";
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666";
const ZONE = "Z0123456789ABCDEFGHIJ";
/**
 * The Route 53 hosted zone of Application (and Classic) Load Balancers in eu-west-1, the stacks'
 * region (AWS General Reference, "Elastic Load Balancing endpoints and quotas"); NLBs use Z2IFOLAFXWLO4F.
 */
const EU_WEST_1_ALB_ZONE = "Z32O12XQLNTSW2";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

function release(g: Graph, name: string): RecordedResource {
    const found = g.byType(RELEASE).find((r) => r.inputs.name === name);
    assert.ok(found, `no release ${name}`);
    return found;
}

/**
 * The ALB DNS name the mock Kubernetes API puts in the Ingress's status for the controller
 * (tools/mock-run.ts); nothing else in the program produces such a name.
 */
const MOCK_STATUS = (internal: boolean) => new RegExp(`^${internal ? "internal-" : ""}k8s-monitori-grafanaa-0123456789-1234567890\\.eu-west-1\\.elb\\.amazonaws\\.com$`);

describe("Grafana's Ingress (pure builder)", () => {
    it("routes the hostname, every path, to Grafana's Service with the ALB annotations", () => {
        const built = buildGrafanaIngress({ hostname: HOST, certificateArn: CERT, scheme: "internal", inboundCidrs: ["10.8.0.0/16"] });
        assert.equal(built.metadata.namespace, kps.namespace);
        assert.equal(built.spec.ingressClassName, "alb");
        assert.deepEqual(built.spec.rules, [
            { host: HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "grafana", port: { number: 80 } } } }] } },
        ]);
        assert.equal(built.metadata.annotations["alb.ingress.kubernetes.io/scheme"], "internal");
        assert.equal(built.metadata.annotations["alb.ingress.kubernetes.io/inbound-cidrs"], "10.8.0.0/16");
        // Not the chart's former name: Helm's deletion of that one may still be pending on the controller's finalizer.
        assert.notEqual(built.metadata.name, kps.grafana.fullname);
    });

    it("reads the ALB's DNS name from the status, and says what is missing when a controller wrote none", () => {
        const alb = "k8s-monitori-grafanaa-0123456789-1234567890.eu-west-1.elb.amazonaws.com";
        assert.equal(loadBalancerHostname({ loadBalancer: { ingress: [{ hostname: alb }] } }), alb);
        assert.throws(() => loadBalancerHostname({ loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } }), /monitoring\/grafana-alb has no load balancer hostname.*10\.0\.0\.1.*IngressClass alb/);
        assert.throws(() => loadBalancerHostname(undefined), /no load balancer hostname/);
    });
});

describe("Grafana's Ingress and DNS record in the mock graph", function () {
    this.timeout(120_000);
    const grafana = (extra: Obj = {}) => ({ settings: { grafana: { hostname: HOST, tlsCertificateArn: CERT, ...extra } } });

    it("is created after Grafana's release, the Load Balancer Controller's release and the network policies, and exports the ALB's DNS name", async () => {
        const g = await runStack("prod", grafana());
        const ingress = g.one(INGRESS);
        const deps = new Set(ingress.dependencies);
        assert.ok(deps.has(resourceKey(release(g, kps.release))), "waits for kube-prometheus-stack (Grafana's Service and endpoints)");
        assert.ok(deps.has(resourceKey(release(g, loadBalancerController.release))), "waits for the controller (its Ingress webhook must answer)");
        const waits = g.waitsFor(ingress);
        const webhookPolicy = g.byType("kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => obj(p.inputs.metadata).namespace === loadBalancerController.namespace && obj(p.inputs.metadata).name !== "default-deny-ingress");
        assert.ok(webhookPolicy && waits.has(webhookPolicy), "waits for the policy letting the API server reach the webhook");
        assert.equal(obj(g.inputs(ingress).metadata).name, GRAFANA_INGRESS_NAME);
        assert.match(String(g.run.outputs.grafanaLoadBalancer), MOCK_STATUS(false), "the output is the Ingress's status hostname");
        assert.deepEqual(g.byType(RECORD), [], "no hostedZoneId, no record");
    });

    it("without a hostname: no Ingress, no record, no grafanaLoadBalancer output", async () => {
        const g = await runStack("prod", { settings: { grafana: {} } });
        assert.deepEqual(g.byType(INGRESS), []);
        assert.deepEqual(g.byType(RECORD), []);
        assert.ok(!("grafanaLoadBalancer" in g.run.outputs));
    });

    it("with grafana.hostedZoneId: an alias A record for the hostname to the Ingress's ALB, in the region's ALB zone, health evaluated", async () => {
        const g = await runStack("prod", grafana({ hostedZoneId: ZONE, scheme: "internal" }));
        const record = g.one(RECORD);
        const inputs = g.inputs(record);
        assert.equal(inputs.zoneId, ZONE);
        assert.equal(inputs.name, HOST);
        assert.equal(inputs.type, "A");
        const aliases = inputs.aliases as Obj[];
        assert.equal(aliases.length, 1);
        const alias = aliases[0] as Obj;
        assert.match(String(alias.name), MOCK_STATUS(true), "the internal ALB's name, from the Ingress's status");
        assert.deepEqual(alias, { name: g.run.outputs.grafanaLoadBalancer, zoneId: EU_WEST_1_ALB_ZONE, evaluateTargetHealth: true });
        // The target comes from the Ingress itself: the engine creates the record after the ALB exists.
        assert.ok(record.propertyDependencies.aliases?.includes(resourceKey(g.one(INGRESS))), JSON.stringify(record.propertyDependencies));
        assert.equal(record.options.provider, g.byType("pulumi:providers:aws")[0]?.name, "the stack's AWS provider (its region)");
        // A hand-made record of the same name stops the create instead of being replaced unnoticed (README "Reaching Grafana").
        assert.equal(inputs.allowOverwrite, false);
        assert.equal(record.name, "plg-grafana-ingress-dns", "the name README's import command gives");
    });

    it("a first preview completes: the ALB's name and the record's target are unknown, nothing unknown baked into text", async () => {
        const g = await runStack("prod", grafana({ hostedZoneId: ZONE }), "preview");
        const record = g.one(RECORD);
        assert.ok(record.registered);
        const alias = (g.inputs(record).aliases as Obj[])[0] as Obj;
        assert.equal(alias.name, UNKNOWN);
        assert.equal(alias.zoneId, EU_WEST_1_ALB_ZONE, "the zone id is an invoke the AWS provider answers in a preview");
        assert.equal(g.run.outputs.grafanaLoadBalancer, UNKNOWN);
        assert.deepEqual(findBakedValues(g.run), []);
    });

    it("on a brought cluster without the program's controller: the Ingress waits for Grafana's release only (the cluster's own controller serves it)", async () => {
        const g = await runStack("dev", { settings: { cluster: { existing: { name: "shared-eks" } }, ...grafana({ hostedZoneId: ZONE }).settings } });
        assert.equal(g.byType(RELEASE).find((r) => r.inputs.name === loadBalancerController.release), undefined);
        const ingress = g.one(INGRESS);
        assert.ok(ingress.dependencies.includes(resourceKey(release(g, kps.release))));
        assert.equal(g.inputs(g.one(RECORD)).name, HOST);
    });
});
