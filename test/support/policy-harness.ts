/**
 * Runs CrossGuard policies the way the engine calls them, without a policy server: each policy's
 * validate function gets the arguments the engine would build — properties as plain JSON with
 * secrets unwrapped, options, the provider, stack tags, policy config — from a recorded mock run or
 * from hand-made resources.
 */
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { type RecordedResource, resourceKey, revealSecrets } from "../../tools/mock-run";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** A resource as a test describes it. */
export interface TestResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly protect?: boolean;
    /** Name of its provider among the same resources (a `pulumi:providers:*` resource). */
    readonly provider?: string;
    /** Input property -> names of the resources its value came from. */
    readonly propertyDependencies?: Record<string, string[]>;
}

export interface Violation {
    readonly policy: string;
    readonly message: string;
    readonly urn?: string;
}

export interface RunContext {
    readonly stackTags?: Record<string, string>;
    readonly config?: Record<string, unknown>;
}

class NotApplicable extends Error {}

const urnOf = (r: { type: string; name: string }) => `urn:pulumi:test::plg-observability::${r.type}::${r.name}`;

/** Recorded resources (a mock run) as test resources: inputs as the engine passes them, secrets unwrapped. */
export function fromRecorded(resources: readonly RecordedResource[]): TestResource[] {
    const nameOf = new Map(resources.map((r) => [resourceKey(r), r.name]));
    return resources.map((r) => ({
        type: r.type,
        name: r.name,
        props: revealSecrets(r.inputs) as Record<string, unknown>,
        ...(r.options.protect ? { protect: true } : {}),
        ...(r.options.provider !== undefined ? { provider: r.options.provider } : {}),
        propertyDependencies: Object.fromEntries(
            Object.entries(r.propertyDependencies).map(([p, keys]) => [p, keys.map((k) => nameOf.get(k)).filter((n): n is string => n !== undefined)]),
        ),
    }));
}

function policyResources(resources: readonly TestResource[]): Map<TestResource, PolicyResource> {
    const out = new Map<TestResource, PolicyResource>();
    const byName = (n: string) => resources.find((r) => r.name === n);
    for (const r of resources) {
        const provider = r.provider !== undefined ? byName(r.provider) : undefined;
        out.set(r, {
            type: r.type,
            name: r.name,
            urn: urnOf(r),
            props: r.props,
            opts: { protect: r.protect === true, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
            ...(provider ? { provider: { type: provider.type, name: provider.name, urn: urnOf(provider), props: provider.props } } : {}),
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        });
    }
    for (const [r, pr] of out) {
        for (const [prop, names] of Object.entries(r.propertyDependencies ?? {})) {
            const deps = names.map(byName).filter((d): d is TestResource => d !== undefined).map((d) => out.get(d) as PolicyResource);
            pr.propertyDependencies[prop] = deps;
            pr.dependencies.push(...deps.filter((d) => !pr.dependencies.includes(d)));
        }
    }
    return out;
}

function common(ctx: RunContext) {
    return {
        stackTags: new Map(Object.entries(ctx.stackTags ?? {})) as ReadonlyMap<string, string>,
        getConfig: <T extends object>() => (ctx.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/** Every violation `policy` reports over `resources` (each resource once for a resource policy). */
export async function runPolicy(policy: AnyPolicy, resources: readonly TestResource[], ctx: RunContext = {}): Promise<Violation[]> {
    const violations: Violation[] = [];
    const prs = policyResources(resources);
    const guard = async (f: () => Promise<void> | void) => {
        try {
            await f();
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
    };
    if ("validateStack" in policy) {
        const args: StackValidationArgs = { resources: [...prs.values()], ...common(ctx) };
        await guard(() => policy.validateStack(args, (message, urn) => violations.push({ policy: policy.name, message, ...(urn ? { urn } : {}) })));
        return violations;
    }
    const validators = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const pr of prs.values()) {
        const args: ResourceValidationArgs = {
            type: pr.type,
            props: pr.props,
            urn: pr.urn,
            name: pr.name,
            opts: pr.opts,
            ...(pr.provider ? { provider: pr.provider } : {}),
            isType: () => false,
            asType: () => undefined,
            ...common(ctx),
        };
        for (const v of validators) await guard(() => v(args, (message, urn) => violations.push({ policy: policy.name, message, urn: urn ?? pr.urn })));
    }
    return violations;
}
