/**
 * tools/rendered-diff.ts: the pull-request summary of what a change does to the rendered platform.
 * Two render directories are written here, differing in known ways; the summary must name each
 * difference and nothing that did not change.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { diffRenders } from "../tools/rendered-diff";

interface Render {
    resources: { type: string; name: string }[];
    helm: Record<string, unknown>;
    promRules: unknown;
    alertmanager: unknown;
    dashboards: Record<string, unknown>;
    alloy: string;
}

function write(dir: string, r: Render): void {
    fs.mkdirSync(path.join(dir, "helm"), { recursive: true });
    fs.mkdirSync(path.join(dir, "dashboards"), { recursive: true });
    fs.mkdirSync(path.join(dir, "alloy"), { recursive: true });
    fs.writeFileSync(path.join(dir, "resources.json"), JSON.stringify(r.resources.map((x) => ({ ...x, inputs: {}, options: {} }))));
    for (const [name, values] of Object.entries(r.helm)) fs.writeFileSync(path.join(dir, "helm", `${name}.yaml`), YAML.stringify(values));
    fs.writeFileSync(path.join(dir, "prometheus-rules.yaml"), YAML.stringify(r.promRules));
    fs.writeFileSync(path.join(dir, "loki-rules.yaml"), YAML.stringify({ groups: [] }));
    fs.writeFileSync(path.join(dir, "alertmanager.yaml"), YAML.stringify(r.alertmanager));
    for (const [uid, d] of Object.entries(r.dashboards)) fs.writeFileSync(path.join(dir, "dashboards", `${uid}.json`), JSON.stringify(d, null, 2));
    fs.writeFileSync(path.join(dir, "alloy", "config.alloy"), r.alloy);
}

const base: Render = {
    resources: [
        { type: "aws:s3/bucket:Bucket", name: "logs" },
        { type: "kubernetes:helm.sh/v3:Release", name: "kps" },
    ],
    helm: { "kube-prometheus-stack": { prometheus: { prometheusSpec: { replicas: 1, retention: "7d" } }, grafana: { adminPassword: "[secret]" } } },
    promRules: { groups: [{ name: "http", rules: [{ alert: "HighErrorRate", expr: "x > 0.05", for: "1m" }, { alert: "TargetDown", expr: "up == 0" }] }] },
    alertmanager: { route: { receiver: "slack", group_wait: "30s" } },
    dashboards: { "plg-red": { panels: [{ title: "Request rate" }] } },
    alloy: "a\nb\n",
};

describe("rendered diff: what a pull request does to the platform", function () {
    let root: string;
    before(function () {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "plg-diff-"));
        write(path.join(root, "base", "dev"), base);
        write(path.join(root, "head", "dev"), base);
        write(path.join(root, "base", "prod"), base);
        write(path.join(root, "head", "prod"), {
            ...base,
            resources: [...base.resources, { type: "kubernetes:core/v1:ConfigMap", name: "dash" }],
            helm: { "kube-prometheus-stack": { prometheus: { prometheusSpec: { replicas: 2, retention: "7d" } }, grafana: { adminPassword: "[secret]" } } },
            promRules: { groups: [{ name: "http", rules: [{ alert: "HighErrorRate", expr: "x > 0.01", for: "1m" }, { alert: "LatencyHigh", expr: "p95 > 0.5" }] }] },
            alertmanager: { route: { receiver: "slack", group_wait: "10s" } },
            dashboards: { "plg-red": { panels: [{ title: "Request rate" }, { title: "Error logs" }] }, "plg-new": { panels: [] } },
            alloy: "a\nb\nc\n",
        });
    });
    after(function () {
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("names every change, with old and new values, and only the changes", function () {
        const md = diffRenders(path.join(root, "base"), path.join(root, "head"), ["dev", "prod"]);
        const prod = md.slice(md.indexOf("### prod"));
        assert.match(md, /### dev\n\nNo change to the rendered platform\./);
        assert.match(prod, /Resources: 2 → 3/);
        assert.match(prod, /\| `kubernetes:core\/v1:ConfigMap` \| 0 \| 1 \|/);
        assert.match(prod, /\+ kubernetes:core\/v1:ConfigMap dash/);
        assert.match(prod, /~ prometheus\.prometheusSpec\.replicas: 1 → 2/);
        assert.doesNotMatch(prod, /retention|adminPassword/, "unchanged values are not listed");
        assert.match(prod, /~ http\/HighErrorRate\n {4}~ expr: "x > 0\.05" → "x > 0\.01"/);
        assert.match(prod, /\+ http\/LatencyHigh/);
        assert.match(prod, /- http\/TargetDown/);
        assert.match(prod, /~ route\.group_wait: "30s" → "10s"/);
        assert.match(prod, /~ plg-red; panels added "Error logs"/);
        assert.match(prod, /\+ plg-new/);
        assert.match(prod, /Alloy configuration\*\* changed \(3 → 4 lines\)/);
        assert.doesNotMatch(md, /Loki rules/, "an unchanged section is left out");
    });

    it("says so when the base branch could not be rendered", function () {
        const md = diffRenders(path.join(root, "missing"), path.join(root, "head"), ["prod"]);
        assert.match(md, /The base branch could not be rendered; nothing to compare\./);
        assert.match(md, /Resources: 3/);
    });
});
