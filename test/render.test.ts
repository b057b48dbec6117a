import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { requireBinary, run } from "./support/binaries";
import { ROOT } from "./support/graph";
import { renderQuietly, tmp } from "./support/render";
import { kps } from "../components/endpoints";

const SLACK = "https://hooks.slack.com/services/TLEAKCHECK/BLEAKCHECK/SuperSecretWebhookToken";
const PAGERDUTY = "LeakCheckRoutingKey0123456789abc";

function listFiles(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

/** A prod stack file whose secrets are given in plain text, as the render contract allows. */
function stackFileWithPlainSecrets(): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
    doc.config["plg-observability:slackWebhookUrl"] = SLACK;
    doc.config["plg-observability:pagerdutyRoutingKey"] = PAGERDUTY;
    const file = path.join(tmp("plg-stack-"), "Pulumi.leak.yaml");
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

describe("render", function () {
    const renders = new Map<string, string>();
    async function rendered(stack: "dev" | "prod"): Promise<string> {
        const hit = renders.get(stack);
        if (hit) return hit;
        const out = tmp(`plg-render-${stack}-`);
        const r = await renderQuietly([stack, "--out", out], undefined, { manifests: true });
        assert.equal(r.code, 0, r.stderr);
        renders.set(stack, out);
        return out;
    }

    for (const stack of ["dev", "prod"] as const) {
        it(`writes the contract's files for ${stack}`, async () => {
            const out = await rendered(stack);
            for (const f of ["resources.json", "summary.txt", "alertmanager.yaml", "prometheus-rules.yaml", "prometheus-rules.test.yaml", "helm/kube-prometheus-stack.yaml", "helm/prometheus-operator-crds.yaml", "helm/loki.yaml", "helm/alloy.yaml", "loki-rules.yaml", "alloy/config.alloy", "dashboards/plg-red.json", "dashboards/plg-workload.json"]) {
                assert.ok(fs.existsSync(path.join(out, f)), `${f} missing`);
            }
            const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; parent: string | null; inputs: unknown; options: Record<string, unknown> }[];
            assert.ok(resources.length > 20);
            for (const r of resources) assert.deepEqual(Object.keys(r), ["type", "name", "parent", "inputs", "options"]);
            const names = new Set(resources.map((r) => r.name));
            for (const r of resources) if (r.parent !== null) assert.ok(names.has(r.parent), `${r.name}: parent ${r.parent} is not a resource`);
            const red = JSON.parse(fs.readFileSync(path.join(out, "dashboards/plg-red.json"), "utf8")) as { uid: string };
            assert.equal(red.uid, "plg-red", "a dashboard file is named after its uid");
            const summary = fs.readFileSync(path.join(out, "summary.txt"), "utf8");
            assert.match(summary, new RegExp(`^stack: ${stack}$`, "m"));
            assert.match(summary, /^program evaluation: \d+ ms$/m);
            assert.match(summary, /kube-prometheus-stack 88\.5\.3/);
        });

        it(`writes the real helm template of every release for ${stack}, and the footprint from it`, async function () {
            const out = await rendered(stack);
            const summary = fs.readFileSync(path.join(out, "summary.txt"), "utf8");
            if (!process.env.CI && /^manifests: not rendered/m.test(summary)) {
                console.warn(`  skipping: ${/^manifests: not rendered \((.*)\)/m.exec(summary)?.[1] ?? "no Helm"}`);
                this.skip();
            }
            const releases = (JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; inputs: { name?: string; namespace?: string } }[])
                .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
                .map((r) => ({ name: String(r.inputs.name), namespace: String(r.inputs.namespace) }));
            // CRDs, kube-prometheus-stack, Loki, Alloy, the AWS Load Balancer Controller (a created cluster gets it),
            // the OTLP gateway (otlp.enabled, both stacks) and Thanos (metrics.longTerm, prod).
            const expected = ["prometheus-operator-crds", "kube-prometheus-stack", "loki", "alloy", "aws-load-balancer-controller", "alloy-otlp", ...(stack === "prod" ? ["thanos"] : [])];
            assert.deepEqual(releases.map((r) => r.name).sort(), expected.sort());
            let namespaced = 0;
            for (const r of releases) {
                const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "manifests", `${r.name}.yaml`), "utf8")).map((d) => d.toJS() as { kind?: string; metadata?: { namespace?: string } } | null);
                assert.ok(docs.some((d) => d?.kind), `${r.name}: rendered objects`);
                // kube-prometheus-stack puts the Services that expose system components (CoreDNS) for
                // scraping in kube-system, where those pods run, and node-exporter in the node agents'
                // privileged namespace (components/k8s/pod-security.ts): the deliberate exceptions.
                const exempt = (d: { kind?: string; metadata?: { namespace?: string } } | null): boolean =>
                    r.name === "kube-prometheus-stack" &&
                    ((d?.kind === "Service" && d.metadata?.namespace === "kube-system") || d?.metadata?.namespace === kps.nodeExporter.namespace);
                for (const d of docs.filter((x) => x?.metadata?.namespace !== undefined && !exempt(x))) {
                    namespaced++;
                    assert.equal(d?.metadata?.namespace, r.namespace, `${r.name}: ${d?.kind} in the release's namespace`);
                }
            }
            assert.ok(namespaced > 10, "the releases' namespaced objects were checked");
            const requests = /^platform requests: (\d+\.\d+) vCPU, (\d+\.\d+) GiB/m.exec(summary);
            assert.ok(requests, "summary.txt states the platform's requests");
            assert.ok(Number(requests[1]) > 0 && Number(requests[2]) > 0);
            assert.match(summary, /^with EKS add-ons: .* allocatable on \d+ nodes/m);
        });
    }

    it("without Helm or the charts, writes everything else and says why in summary.txt", async () => {
        const empty = tmp("plg-no-charts-");
        const before = process.env.PLG_CHARTS_DIR;
        process.env.PLG_CHARTS_DIR = empty;
        try {
            const out = tmp("plg-render-nohelm-");
            const r = await renderQuietly(["dev", "--out", out], undefined, { manifests: true });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(fs.existsSync(path.join(out, "helm", "loki.yaml")));
            assert.equal(fs.existsSync(path.join(out, "manifests")), false);
            assert.match(fs.readFileSync(path.join(out, "summary.txt"), "utf8"), new RegExp(`^manifests: not rendered \\(.*${empty}.*\\)`, "m"));
        } finally {
            if (before === undefined) delete process.env.PLG_CHARTS_DIR;
            else process.env.PLG_CHARTS_DIR = before;
        }
    });

    it("never writes a secret given in the stack file, anywhere; secrets show as [secret]", async () => {
        const out = tmp("plg-render-leak-");
        const r = await renderQuietly(["prod", "--stack-file", stackFileWithPlainSecrets(), "--out", out], undefined, { manifests: true });
        assert.equal(r.code, 0, r.stderr);
        const files = listFiles(out);
        assert.ok(files.length >= 7);
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            for (const secret of [SLACK, PAGERDUTY, "SuperSecretWebhookToken", Buffer.from(SLACK).toString("base64")]) {
                assert.ok(!text.includes(secret), `${path.relative(out, f)} contains a secret`);
            }
        }
        const resources = fs.readFileSync(path.join(out, "resources.json"), "utf8");
        assert.match(resources, /\[secret\]/);
        const receivers = (JSON.parse(resources) as { name: string; inputs: Record<string, unknown> }[]).find((x) => x.name.endsWith("-receivers"));
        assert.equal(receivers?.inputs.stringData, "[secret]");
    });

    it("on invalid config exits 1, lists every problem, writes nothing", async () => {
        const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
        doc.config["plg-observability:metrics"] = { alertmanagerReplicas: 0, retention: "forever" };
        const file = path.join(tmp("plg-bad-"), "Pulumi.bad.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const out = path.join(tmp("plg-render-bad-"), "out");
        const r = await renderQuietly(["prod", "--stack-file", file, "--out", out]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /plg-observability:metrics\.alertmanagerReplicas: expected a whole number from 1 to 5, given 0/);
        assert.match(r.stderr, /plg-observability:metrics\.retention: expected a duration/);
        assert.equal(fs.existsSync(out), false, "nothing may be written");
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`the rendered ${stack} rules pass promtool check and promtool unit tests`, async function () {
            const promtool = requireBinary(this, "promtool", "prometheus");
            const out = await rendered(stack);
            const check = run(promtool, ["check", "rules", "prometheus-rules.yaml"], out);
            assert.equal(check.code, 0, check.output);
            const test = run(promtool, ["test", "rules", "prometheus-rules.test.yaml"], out);
            assert.equal(test.code, 0, test.output);
        });

        it(`the rendered ${stack} alertmanager.yaml passes amtool check-config`, async function () {
            const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
            const out = await rendered(stack);
            const check = run(amtool, ["check-config", "alertmanager.yaml"], out);
            assert.equal(check.code, 0, check.output);
            const routes = run(amtool, ["config", "routes", "test", "--config.file=alertmanager.yaml", "severity=critical", "alertname=HighErrorRate", "namespace=shop"], out);
            assert.equal(routes.output.trim(), stack === "prod" ? "pagerduty,slack" : "slack");
        });
    }
});
