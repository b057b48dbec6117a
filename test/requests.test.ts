/**
 * The platform's requests known before anything is created (components/requests.ts) must be what
 * the charts really request (the real `helm template` footprint), and node groups that cannot hold
 * them are refused (prod) or warned about (dev) with the numbers.
 */
import assert from "node:assert/strict";
import { ConfigError, parseSettings, type Settings } from "../config";
import { capacityReport, platformPods, totalRequests } from "../components/requests";
import { footprint } from "../tools/footprint";
import { nodePlan } from "../tools/manifests";
import { readStackConfig } from "../tools/stack-config";
import { ROOT, runStack } from "./support/graph";
import { STACK_FILES, STACK_NAMES, renderedStack } from "./support/manifests";

/** Settings of a committed stack with top-level keys replaced (objects merge over the stack file's). */
function settingsOf(stack: "dev" | "prod", over: Record<string, unknown> = {}): Settings {
    const cfg = readStackConfig(ROOT, STACK_FILES[stack]);
    const config = { ...cfg.config };
    for (const [k, v] of Object.entries(over)) {
        const key = `plg-observability:${k}`;
        const base = config[key] !== undefined ? (JSON.parse(config[key] as string) as Record<string, unknown>) : {};
        config[key] = JSON.stringify({ ...base, ...(v as Record<string, unknown>) });
    }
    const parsed = parseSettings(config);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    return parsed.settings;
}

const group = (over: Record<string, unknown>): Record<string, unknown> => ({
    name: "system",
    instanceTypes: ["m6i.xlarge"],
    capacityType: "ON_DEMAND",
    minSize: 3,
    desiredSize: 3,
    maxSize: 6,
    diskSizeGiB: 100,
    labels: {},
    ...over,
});

describe("platform requests before deploy (components/requests.ts)", function () {
    for (const name of STACK_NAMES) {
        it(`${name}: the estimate equals the requests of the real helm template output`, async function () {
            this.timeout(120_000);
            const stack = await renderedStack(this, name);
            const nodes = nodePlan(stack.graph.resources)?.nodes ?? 1;
            const real = footprint(stack.workloads(), nodes);
            const estimate = totalRequests(platformPods(stack.settings), nodes);
            assert.ok(Math.abs(estimate.cpuMillis - real.cpuMillis) < 1, `CPU: estimate ${estimate.cpuMillis}m, charts ${real.cpuMillis}m`);
            assert.ok(Math.abs(estimate.memoryMiB - real.memoryMiB) < 1, `memory: estimate ${estimate.memoryMiB}Mi, charts ${real.memoryMiB}Mi`);
        });
    }

    it("the committed stacks fit their nodes: no problem, no warning", function () {
        for (const stack of ["dev", "prod"] as const) assert.deepEqual(capacityReport(settingsOf(stack)), { problems: [], warnings: [] }, stack);
    });

    it("prod refuses distributed Loki on the profile's nodes, naming the key and the numbers", function () {
        const s = settingsOf("prod", { logs: { mode: "distributed" } });
        const r = capacityReport(s);
        assert.equal(r.problems.length, 1, r.problems.join("\n"));
        assert.match(r.problems[0] as string, /^plg-observability:cluster\.nodeGroups: the platform and the EKS add-ons request \d+\.\d+ vCPU and \d+\.\d GiB \(largest: .*loki\/ingester/);
        const nodes = s.cluster.nodeGroups.reduce((n, g) => n + g.desiredSize, 0);
        assert.match(r.problems[0] as string, new RegExp(`given ${nodes} nodes \\(desiredSize\\) with \\d+\\.\\d+ vCPU`));
    });

    it("dev only warns when its nodes are tight, and refuses what cannot fit even at maxSize", function () {
        const tight = capacityReport(settingsOf("dev", { cluster: { nodeGroups: [group({ instanceTypes: ["m6i.large"], minSize: 1, desiredSize: 1, maxSize: 2 })] } }));
        assert.deepEqual(tight.problems, []);
        assert.equal(tight.warnings.length, 1);
        assert.match(tight.warnings[0] as string, /^plg-observability:cluster\.nodeGroups: .*expected at most 80%/);
        const impossible = capacityReport(settingsOf("dev", { cluster: { nodeGroups: [group({ instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 1 })] } }));
        assert.ok(impossible.problems.some((p) => /at maxSize, given 1 nodes/.test(p)), impossible.problems.join("\n"));
    });

    it("a pod larger than any node is refused, naming the pod", function () {
        const r = capacityReport(settingsOf("prod", { metrics: { resources: { cpu: "2", memory: "30Gi" } }, cluster: { nodeGroups: [group({ instanceTypes: ["m6i.2xlarge"], desiredSize: 6, maxSize: 9 })] } }));
        assert.ok(r.problems.some((p) => /a kube-prometheus-stack\/prometheus pod requests 2\.\d+ vCPU and 30\.\d GiB; expected a node that holds it/.test(p)), r.problems.join("\n"));
    });

    it("unknown instance types are warned about, not guessed", function () {
        const r = capacityReport(settingsOf("prod", { cluster: { nodeGroups: [group({ instanceTypes: ["x2iedn.xlarge"] })] } }));
        assert.deepEqual(r.problems, []);
        assert.match(r.warnings.join("\n"), /x2iedn\.xlarge is not known/);
    });

    it("`pulumi up` stops with the capacity problem before creating any resource", async function () {
        await assert.rejects(
            runStack("prod", { settings: { logs: { mode: "distributed" } } }),
            (e: unknown) => e instanceof ConfigError && e.problems.length === 1 && /^plg-observability:cluster\.nodeGroups: /.test(e.problems[0] as string),
        );
    });

    it("a brought cluster's nodes are not ours to check", function () {
        const cfg = readStackConfig(ROOT, STACK_FILES["dev-brought"]);
        const parsed = parseSettings(cfg.config);
        assert.ok(parsed.ok);
        assert.deepEqual(capacityReport(parsed.settings), { problems: [], warnings: [] });
    });
});
