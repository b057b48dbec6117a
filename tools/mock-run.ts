/**
 * Runs the real program under Pulumi's mock runtime and records the resource graph:
 * type, name, parent, resolved inputs (secrets still marked), the options a user depends on, and
 * every dependency the engine would order by. Runs as `pulumi up` (every output known) or as the
 * first `pulumi preview` of a new stack (what does not exist yet is unknown).
 * Used by `tools/render.ts` and by every mock-graph test.
 */
import * as pulumi from "@pulumi/pulumi";

/** Pulumi's wire marker for a secret value inside deserialized inputs. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value the engine holds as secret. */
export interface SecretMarker {
    readonly [SIG_KEY]: typeof SECRET_SIG;
    readonly value: unknown;
}

/** The engine's value for an output not known yet (a first preview); recorded inputs hold it where a value is unknown. */
export const UNKNOWN: string = pulumi.runtime.unknownValue;

export function isSecretMarker(v: unknown): v is SecretMarker {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replace every secret with `replacement` (render writes `[secret]`). */
export function redactSecrets(v: unknown, replacement: unknown = "[secret]"): unknown {
    if (isSecretMarker(v)) return replacement;
    if (Array.isArray(v)) return v.map((x) => redactSecrets(x, replacement));
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactSecrets(x, replacement)]));
    }
    return v;
}

/** Remove secret markers, keeping the values (for assertions on content). */
export function revealSecrets(v: unknown): unknown {
    if (isSecretMarker(v)) return revealSecrets(v.value);
    if (Array.isArray(v)) return v.map(revealSecrets);
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revealSecrets(x)]));
    }
    return v;
}

export interface RecordedOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    ignoreChanges?: string[];
    /** Names of the resources this one explicitly depends on. */
    dependsOn?: string[];
    /** Name of the explicit provider resource, if any. */
    provider?: string;
}

/** Identity of a recorded resource in `dependencies` (names are unique per type only). */
export function resourceKey(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

export interface RecordedResource {
    /** Pulumi type token, e.g. aws:s3/bucket:Bucket. */
    type: string;
    /** Logical name. */
    name: string;
    /** Logical name of the parent resource (undefined for stack-level resources). */
    parent?: string;
    /** Inputs as the engine received them; secrets are SecretMarker objects. */
    inputs: Record<string, unknown>;
    options: RecordedOptions;
    /** false for ComponentResources. */
    custom: boolean;
    /** The engine received the registration (false: an input's computation failed). */
    registered: boolean;
    /**
     * Keys (resourceKey) of what the engine makes this resource wait for, as the SDK registers it:
     * explicit dependsOn and the resources behind every input Output (a component stands for the
     * resources under it), its provider, and its parent (a component's own dependencies hold its children).
     */
    dependencies: string[];
    /**
     * Per input property, the keys (resourceKey) of the resources its value came from, as the SDK
     * registers them (what CrossGuard gives a stack policy as `propertyDependencies`).
     */
    propertyDependencies: Record<string, string[]>;
}

export interface RunResult {
    resources: RecordedResource[];
    /** Stack outputs, resolved; secrets are SecretMarker objects. */
    outputs: Record<string, unknown>;
    /** Wall time of the program's evaluation under mocks, in milliseconds. */
    evaluationMs: number;
}

export interface RunOptions {
    project: string;
    stack: string;
    /** Full keys (`project:key`, `aws:region`) to string values, as Pulumi stores config. */
    config: Record<string, string>;
    /** Full keys whose values are secrets. */
    secretKeys: string[];
    /** The program: creates resources and returns stack outputs. */
    program: () => Promise<object> | object;
    /**
     * Run as the first `pulumi preview` of a new stack instead of `pulumi up`: every output a
     * provider computes is unknown (inputs stay known), and a resource whose provider's
     * configuration is unknown gets no outputs at all (see previewState).
     */
    preview?: boolean;
}

const ACCOUNT = "123456789012";

interface Named {
    __name?: string;
}

function nameOf(r: unknown): string | undefined {
    return (r as Named | undefined)?.__name;
}

/** Computed outputs the real providers return and the program reads. */
function mockState(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
    const base: Record<string, unknown> = { ...inputs };
    const shortType = type.split(":").pop() ?? type;
    base.arn ??= `arn:aws:mock:${region}:${ACCOUNT}:${shortType.toLowerCase()}/${name}`;
    switch (type) {
        case "aws:s3/bucket:Bucket":
            base.bucket ??= `${name}-mock`;
            base.arn = `arn:aws:s3:::${base.bucket as string}`;
            break;
        case "aws:kms/key:Key":
            base.keyId = `${name}-key-id`;
            base.arn = `arn:aws:kms:${region}:${ACCOUNT}:key/${name}-key-id`;
            break;
        case "aws:iam/role:Role":
            base.name ??= `${name}-mock`;
            base.arn = `arn:aws:iam::${ACCOUNT}:role/${base.name as string}`;
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            base.arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}`;
            break;
        case "aws:eks/cluster:Cluster":
            base.name ??= name;
            base.endpoint = `https://${base.name as string}.gr7.${region}.eks.amazonaws.com`;
            base.certificateAuthority = { data: Buffer.from("mock-ca").toString("base64") };
            base.identities = [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/MOCK${name.toUpperCase()}` }] }];
            base.arn = `arn:aws:eks:${region}:${ACCOUNT}:cluster/${base.name as string}`;
            // The security group EKS creates for the cluster and puts on every managed node.
            base.vpcConfig = { ...(inputs.vpcConfig as Record<string, unknown>), clusterSecurityGroupId: "sg-0c1a5e7c1a5e7c1a5" };
            break;
        case "random:index/randomPassword:RandomPassword":
            base.result = `mock-password-${name}`;
            break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
            // A new template starts at version 1; node groups roll when it changes.
            base.latestVersion = 1;
            break;
        case "kubernetes:networking.k8s.io/v1:Ingress": {
            // What the AWS Load Balancer Controller writes once the ALB exists: its DNS name
            // (k8s-<namespace>-<name>-<hash>-<id>.<region>.elb.amazonaws.com, "internal-" first for an internal one).
            const meta = (inputs.metadata ?? {}) as { name?: string; namespace?: string; annotations?: Record<string, string> };
            const internal = meta.annotations?.["alb.ingress.kubernetes.io/scheme"] === "internal" ? "internal-" : "";
            const part = (v: unknown) => String(v).replace(/[^a-z0-9]/g, "").slice(0, 8);
            const alb = `${internal}k8s-${part(meta.namespace)}-${part(meta.name)}-0123456789-1234567890.${region}.elb.amazonaws.com`;
            base.status = { loadBalancer: { ingress: [{ hostname: alb }] } };
            break;
        }
    }
    return base;
}

function mockCall(token: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
    switch (token) {
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/mock`, userId: "MOCK", id: ACCOUNT };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const letters = ["a", "b", "c", "d", "e", "f"];
            return {
                names: letters.map((l) => `${region}${l}`),
                zoneIds: letters.map((_, i) => `${region.slice(0, 3)}${i + 1}-az${i + 1}`),
                id: region,
            };
        }
        case "aws:eks/getAddonVersion:getAddonVersion":
            return { ...inputs, version: `v0.0.0-mock-${String(inputs.addonName)}-${String(inputs.kubernetesVersion)}`, id: String(inputs.addonName) };
        case "aws:eks/getCluster:getCluster": {
            const n = String(inputs.name);
            return {
                name: n,
                id: n,
                arn: `arn:aws:eks:${region}:${ACCOUNT}:cluster/${n}`,
                endpoint: `https://${n}.gr7.${region}.eks.amazonaws.com`,
                version: "1.34",
                certificateAuthorities: [{ data: Buffer.from("mock-ca").toString("base64") }],
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/MOCKEXISTING` }] }],
                vpcConfig: { vpcId: "vpc-0123456789abcdef0", subnetIds: [], endpointPrivateAccess: true, endpointPublicAccess: true },
                accessConfigs: [{ authenticationMode: "API" }],
            };
        }
        case "aws:lb/getHostedZoneId:getHostedZoneId": {
            // The ELB hosted zone ids of two regions (AWS General Reference, "Elastic Load Balancing
            // endpoints and quotas"): Application/Classic and Network load balancers differ.
            const zones: Record<string, Record<string, string>> = {
                "eu-west-1": { application: "Z32O12XQLNTSW2", network: "Z2IFOLAFXWLO4F" },
                "us-east-1": { application: "Z35SXDOTRQ7X7K", network: "Z26RNL4JYFTOTI" },
            };
            const r = String(inputs.region ?? region);
            const type = String(inputs.loadBalancerType ?? "application");
            const id = zones[r]?.[type];
            if (id === undefined) throw new Error(`mock: no ELB hosted zone id for ${type} load balancers in ${r}`);
            return { id, region: r, loadBalancerType: type };
        }
        case "aws:ec2/getVpc:getVpc":
            return { ...inputs, cidrBlock: "10.42.0.0/16" };
        case "aws:iam/getRole:getRole": {
            // Service-linked roles live under aws-service-role/<service>/ (the only kind the program looks up).
            const n = String(inputs.name);
            const path = n === "AWSServiceRoleForAutoScaling" ? "aws-service-role/autoscaling.amazonaws.com/" : "";
            return { name: n, id: n, arn: `arn:aws:iam::${ACCOUNT}:role/${path}${n}` };
        }
        case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
            const url = String(inputs.url ?? `oidc.eks.${region}.amazonaws.com/id/MOCKEXISTING`).replace(/^https:\/\//, "");
            return { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}`, url, id: url };
        }
        default:
            return inputs;
    }
}

/** The inputs as recorded: every unknown becomes UNKNOWN, so records stay plain data. */
function withUnknownsMarked(v: unknown): unknown {
    if (pulumi.isUnknown(v)) return UNKNOWN;
    if (Array.isArray(v)) return v.map(withUnknownsMarked);
    if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withUnknownsMarked(x)]));
    }
    return v;
}

function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (typeof v === "object" && v !== null) return Object.values(v).some(containsUnknown);
    return false;
}

/**
 * What a first preview's provider answers: the inputs (known ones stay known) with every output
 * the provider computes — whatever `pulumi up`'s state adds or changes — unknown. Outputs the
 * state does not hold at all resolve as unknown in a preview anyway (the SDK's rule for absent outputs).
 */
function previewState(upState: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
    const state: Record<string, unknown> = { ...inputs };
    for (const [k, v] of Object.entries(upState)) {
        if (!(k in inputs) || inputs[k] !== v) state[k] = UNKNOWN;
    }
    return state;
}

/** `type::name` of a URN or of a provider reference (`<urn>::<id>`). */
function keyOfUrn(urn: string): string {
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return resourceKey({ type, name: parts[3] ?? "" });
}

/** The part of the engine's RegisterResource request the graph needs. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }, property: string) => void): void };
}

interface MonitorWithRegister {
    registerResource(req: RegisterRequest, callback: (err: unknown, resp: unknown) => void): unknown;
}

/**
 * Observe every RegisterResource request the SDK sends to the mock monitor: the request carries
 * the dependencies the SDK computed (explicit and through Outputs, components expanded to their
 * resources), the provider reference and the parent, exactly what the engine orders by.
 */
function observeRegistrations(observe: (req: RegisterRequest) => void): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister | undefined;
    if (monitor === undefined) throw new Error("the mock monitor is not installed");
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        observe(req);
        return register(req, callback);
    };
}

function recordOptions(opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions): RecordedOptions {
    const out: RecordedOptions = {};
    if (opts.protect !== undefined) out.protect = opts.protect;
    if (opts.retainOnDelete !== undefined) out.retainOnDelete = opts.retainOnDelete;
    if (opts.ignoreChanges?.length) out.ignoreChanges = [...opts.ignoreChanges];
    const deps = opts.dependsOn;
    if (deps !== undefined && !pulumi.Output.isInstance(deps) && !(deps instanceof Promise)) {
        const list = (Array.isArray(deps) ? deps : [deps]) as unknown[];
        const names = list.map(nameOf).filter((n): n is string => n !== undefined);
        if (names.length) out.dependsOn = names;
    }
    const provider = nameOf(opts.provider);
    if (provider !== undefined) out.provider = provider;
    return out;
}

/**
 * Run `program` for one stack under mocks. Runs are sequential in one process (the Pulumi
 * runtime is a singleton); call again for another stack.
 */
export async function runUnderMocks(opts: RunOptions): Promise<RunResult> {
    const region = opts.config[`${opts.project}:aws`]
        ? String((JSON.parse(opts.config[`${opts.project}:aws`] as string) as { region?: string }).region ?? "us-east-1")
        : "us-east-1";
    const preview = opts.preview === true;
    const order: string[] = [];
    const records = new Map<string, RecordedResource>();
    const key = (type: string, name: string) => resourceKey({ type, name });
    // Providers whose configuration holds an unknown (the Kubernetes provider before the cluster exists).
    const unconfigured = new Set<string>();

    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
                const k = key(args.type, args.name);
                const inputs = withUnknownsMarked(args.inputs) as Record<string, unknown>;
                const rec = records.get(k);
                if (rec) {
                    rec.inputs = inputs;
                    rec.custom = args.custom !== false;
                    rec.registered = true;
                }
                const revealed = revealSecrets(inputs) as Record<string, unknown>;
                const state = mockState(args.type, args.name, revealed, region);
                if (!preview) {
                    const id = args.custom === false ? undefined : String(state.bucket ?? state.name ?? `${args.name}-id`);
                    return { id, state };
                }
                // A first preview: nothing exists, so no id is known, and an unconfigured provider answers nothing.
                if (args.type.startsWith("pulumi:providers:") && containsUnknown(inputs)) unconfigured.add(k);
                if (args.provider && unconfigured.has(keyOfUrn(args.provider))) return { id: undefined, state: {} };
                return { id: undefined, state: previewState(state, revealed) };
            },
            call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
                // The SDK answers an invoke with unknown inputs itself (unknown); the rest are served in a preview too.
                return mockCall(args.token, args.inputs as Record<string, unknown>, region);
            },
        },
        opts.project,
        opts.stack,
        preview,
    );
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);
    const dependencies = new Map<string, string[]>();
    const propertyDependencies = new Map<string, Record<string, string[]>>();
    observeRegistrations((req) => {
        const refs = [...req.getDependenciesList(), req.getProvider(), req.getParent()].filter((x) => x !== "");
        dependencies.set(key(req.getType(), req.getName()), [...new Set(refs.map(keyOfUrn))]);
        const byProperty: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, property) => {
            byProperty[property] = [...new Set(deps.getUrnsList().map(keyOfUrn))];
        });
        propertyDependencies.set(key(req.getType(), req.getName()), byProperty);
    });

    const started = Date.now();
    // An apply whose result nothing consumes fails only as an unhandled rejection; Pulumi fails
    // the program on one, so collect them for the duration of the run.
    const stray = new Set<string>();
    const onStray = (reason: unknown) => stray.add(reason instanceof Error ? reason.message : String(reason));
    process.on("unhandledRejection", onStray);
    // Keep the program's own outputs: the stack's massaged copy loses secretness.
    let outputs: Record<string, unknown> = {};
    // A program that throws (a ConfigError before any resource) still leaves the runtime's pending
    // work (the stack's outputs) to settle: let it settle inside this run, so none of it surfaces
    // as a stray rejection in the next run in the same process.
    let programError: { error: unknown } | undefined;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                if (args.type === "pulumi:pulumi:Stack") return undefined;
                const k = key(args.type, args.name);
                if (records.has(k)) throw new Error(`duplicate resource ${k}: names must be unique per type`);
                order.push(k);
                const parent = nameOf(args.opts.parent);
                records.set(k, {
                    type: args.type,
                    name: args.name,
                    ...(parent !== undefined && !parent.startsWith(`${opts.project}-${opts.stack}`) ? { parent } : {}),
                    inputs: {},
                    options: recordOptions(args.opts),
                    custom: true,
                    registered: false,
                    dependencies: [],
                    propertyDependencies: {},
                });
                return undefined;
            });
            outputs = (await opts.program()) as Record<string, unknown>;
            return outputs;
        }).catch((error: unknown) => {
            programError = { error };
        });
        const settled = (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        if (programError) await settled.catch(() => undefined);
        else await settled;
        // Node reports unhandled rejections between macrotasks: give it one.
        await new Promise((resolve) => setImmediate(resolve));
    } finally {
        process.off("unhandledRejection", onStray);
    }
    if (programError) throw programError.error;
    const evaluationMs = Date.now() - started;
    // A resource whose inputs failed to compute (an exception inside an apply) never reaches the
    // engine; `pulumi up` would fail on it mid-deployment, so an offline run must fail too.
    const unregistered = order.map((k) => records.get(k) as RecordedResource).filter((r) => !r.registered);
    if (unregistered.length) {
        throw new Error(`resources never registered (their inputs failed to compute): ${unregistered.map((r) => `${r.type} ${r.name}`).join(", ")}`);
    }
    if (stray.size) throw new Error(`the program failed outside any resource (an apply threw): ${[...stray].join("; ")}`);
    for (const [k, rec] of records) {
        // The stack itself is not recorded; every other reference is a recorded resource.
        rec.dependencies = (dependencies.get(k) ?? []).filter((d) => records.has(d));
        rec.propertyDependencies = Object.fromEntries(
            Object.entries(propertyDependencies.get(k) ?? {}).map(([p, ds]) => [p, ds.filter((d) => records.has(d))]),
        );
    }
    const resolved = await resolveOutputs(outputs);
    return { resources: order.map((k) => records.get(k) as RecordedResource), outputs: resolved, evaluationMs };
}

/** Resolve stack outputs (Outputs, promises) keeping secrets marked; an unknown is UNKNOWN. */
async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
        const o = pulumi.output(v as pulumi.Input<unknown>) as pulumi.Output<unknown>;
        // `apply` never runs on an unknown (a preview), so ask first.
        const [known, secret] = await Promise.all([(o as unknown as { isKnown: Promise<boolean> }).isKnown, pulumi.isSecret(o)]);
        const value = known ? await new Promise<unknown>((resolve) => o.apply((x) => resolve(x))) : UNKNOWN;
        out[k] = secret ? { [SIG_KEY]: SECRET_SIG, value } : value;
    }
    return out;
}

/** A string that carries a value the program never had: an unknown or a stringified Output inside it. */
export interface BakedValue {
    /** `type::name` of the resource, or `stack output`. */
    readonly where: string;
    /** Path of the value inside the inputs (a key itself when the key is the culprit). */
    readonly path: string;
    /** The offending text around the mark. */
    readonly excerpt: string;
}

/**
 * What pulumi writes when an Output is used as a string (`${output}`, JSON.stringify): "Calling
 * [toString] on an [Output<T>] is not supported..." (or [toJSON]); both name `Output<T>`.
 */
const STRINGIFIED_OUTPUT = "Output<T>";

function bakedMark(text: string): number {
    if (text !== UNKNOWN && text.includes(UNKNOWN)) return text.indexOf(UNKNOWN);
    return text.indexOf(STRINGIFIED_OUTPUT);
}

function scanBaked(v: unknown, where: string, path: string, found: BakedValue[]): void {
    const check = (text: string, at: string) => {
        const i = bakedMark(text);
        if (i >= 0) found.push({ where, path: at, excerpt: text.slice(Math.max(0, i - 60), i + 60) });
    };
    if (typeof v === "string") check(v, path);
    else if (Array.isArray(v)) v.forEach((x, i) => scanBaked(x, where, `${path}[${i}]`, found));
    else if (typeof v === "object" && v !== null) {
        for (const [k, x] of Object.entries(v)) {
            check(k, `${path}.${k} (key)`);
            scanBaked(x, where, `${path}.${k}`, found);
        }
    }
}

/**
 * Every input and stack output holding an unknown inside a larger string, or a stringified
 * Output: the engine would deploy that text. A whole value being unknown is fine (the engine
 * fills it in); an unknown baked into text is not.
 */
export function findBakedValues(run: RunResult): BakedValue[] {
    const found: BakedValue[] = [];
    for (const r of run.resources) scanBaked(revealSecrets(r.inputs), resourceKey(r), "inputs", found);
    scanBaked(revealSecrets(run.outputs), "stack output", "outputs", found);
    return found;
}
