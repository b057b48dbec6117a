import * as path from "node:path";
import { main } from "../../program";
import { type RecordedResource, type RunResult, resourceKey, revealSecrets, runUnderMocks } from "../../tools/mock-run";
import { readStackConfig } from "../../tools/stack-config";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "plg-observability";

/**
 * The kubeconfig every offline run in the tests reads (a stack on cluster.kubeconfig checks that its
 * context exists there): this fixture, never the machine's ~/.kube/config, so `npm test` gives the
 * same result on a laptop with clusters of its own. Child processes (render) inherit it.
 */
export const TEST_KUBECONFIG = path.join(ROOT, "test", "fixtures", "kubeconfig.yaml");
process.env.KUBECONFIG = TEST_KUBECONFIG;

/** A recorded run of the real program, with look-ups tests keep needing. */
export class Graph {
    constructor(readonly run: RunResult) {}

    get resources(): RecordedResource[] {
        return this.run.resources;
    }

    byType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` whose name ends with `suffix`; throws when not exactly one. */
    one(type: string, suffix = ""): RecordedResource {
        const found = this.byType(type).filter((r) => r.name.endsWith(suffix));
        if (found.length !== 1) throw new Error(`expected one ${type} named *${suffix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
        return found[0] as RecordedResource;
    }

    /** Inputs with secret markers removed (for content assertions). */
    inputs(r: RecordedResource): Record<string, unknown> {
        return revealSecrets(r.inputs) as Record<string, unknown>;
    }

    /** The resource with this key (resourceKey). */
    byKey(key: string): RecordedResource {
        const found = this.resources.find((r) => resourceKey(r) === key);
        if (!found) throw new Error(`no resource ${key}`);
        return found;
    }

    /** Everything `r` waits for, directly or through what it waits for: the engine's creation order. */
    waitsFor(r: RecordedResource): Set<RecordedResource> {
        const seen = new Set<RecordedResource>();
        const visit = (x: RecordedResource) => {
            for (const k of x.dependencies) {
                const d = this.byKey(k);
                if (!seen.has(d)) {
                    seen.add(d);
                    visit(d);
                }
            }
        };
        visit(r);
        return seen;
    }

    /**
     * The longest chain of waits, each resource counting `weight(r)` (e.g. minutes to create):
     * the deployment's critical path, first resource first (a start that adds no time is left out).
     */
    criticalPath(weight: (r: RecordedResource) => number): { path: RecordedResource[]; total: number } {
        const best = new Map<RecordedResource, { total: number; path: RecordedResource[] }>();
        const onStack = new Set<RecordedResource>();
        const longest = (r: RecordedResource): { total: number; path: RecordedResource[] } => {
            const known = best.get(r);
            if (known) return known;
            if (onStack.has(r)) throw new Error(`dependency cycle through ${resourceKey(r)}`);
            onStack.add(r);
            let before: { total: number; path: RecordedResource[] } = { total: 0, path: [] };
            for (const k of r.dependencies) {
                const candidate = longest(this.byKey(k));
                if (candidate.total > before.total) before = candidate;
            }
            onStack.delete(r);
            const result = { total: before.total + weight(r), path: [...before.path, r] };
            best.set(r, result);
            return result;
        };
        return this.resources.map(longest).reduce((a, b) => (b.total > a.total ? b : a));
    }

    /** The values of the Helm release with this release name. */
    releaseValues(release: string): Record<string, unknown> {
        const r = this.byType("kubernetes:helm.sh/v3:Release").find((x) => x.inputs.name === release);
        if (!r) throw new Error(`no Helm release ${release}`);
        return revealSecrets(r.inputs.values) as Record<string, unknown>;
    }
}

export interface StackOverrides {
    /** Top-level settings keys (without project prefix) replacing the stack file's. */
    settings?: Record<string, unknown>;
    /** Secret values by short key; `null` removes the secret. */
    secrets?: Record<string, string | null>;
}

/** `up`: every output known, as after a deployment; `preview`: the first preview of a new stack. */
export type RunMode = "up" | "preview";

const cache = new Map<string, Graph>();

/**
 * Run the real program for a committed stack file (secrets get offline placeholders), with
 * optional overrides. Runs are cached: the program is deterministic.
 */
export async function runStack(stack: string, over: StackOverrides = {}, mode: RunMode = "up"): Promise<Graph> {
    const cacheKey = JSON.stringify([stack, over, mode]);
    const hit = cache.get(cacheKey);
    if (hit) return hit;
    const cfg = readStackConfig(ROOT, path.join(ROOT, `Pulumi.${stack}.yaml`));
    const config = { ...cfg.config };
    const secretKeys = new Set(cfg.secretKeys);
    for (const [k, v] of Object.entries(over.settings ?? {})) config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    for (const [k, v] of Object.entries(over.secrets ?? {})) {
        const key = `${PROJECT}:${k}`;
        if (v === null) {
            delete config[key];
            secretKeys.delete(key);
        } else {
            config[key] = v;
            secretKeys.add(key);
        }
    }
    const run = await runUnderMocks({ project: cfg.project, stack, config, secretKeys: [...secretKeys], program: main, preview: mode === "preview" });
    const graph = new Graph(run);
    cache.set(cacheKey, graph);
    return graph;
}
