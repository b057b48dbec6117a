/**
 * Runs the real program under Pulumi's mock runtime and records the resource graph:
 * type, name, parent, resolved inputs (secrets still marked) and the options a user depends on.
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
            break;
        case "random:index/randomPassword:RandomPassword":
            base.result = `mock-password-${name}`;
            break;
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
        case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
            const url = String(inputs.url ?? `oidc.eks.${region}.amazonaws.com/id/MOCKEXISTING`).replace(/^https:\/\//, "");
            return { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${url}`, url, id: url };
        }
        default:
            return inputs;
    }
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
    const order: string[] = [];
    const records = new Map<string, RecordedResource>();
    const key = (type: string, name: string) => `${type}::${name}`;

    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
                const rec = records.get(key(args.type, args.name));
                if (rec) {
                    rec.inputs = args.inputs as Record<string, unknown>;
                    rec.custom = args.custom !== false;
                    rec.registered = true;
                }
                const state = mockState(args.type, args.name, revealSecrets(args.inputs) as Record<string, unknown>, region);
                const id = args.custom === false ? undefined : String(state.bucket ?? state.name ?? `${args.name}-id`);
                return { id, state };
            },
            call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
                return mockCall(args.token, args.inputs as Record<string, unknown>, region);
            },
        },
        opts.project,
        opts.stack,
        false,
    );
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);

    const started = Date.now();
    // Keep the program's own outputs: the stack's massaged copy loses secretness.
    let outputs: Record<string, unknown> = {};
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
            });
            return undefined;
        });
        outputs = (await opts.program()) as Record<string, unknown>;
        return outputs;
    });
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const evaluationMs = Date.now() - started;
    // A resource whose inputs failed to compute (an exception inside an apply) never reaches the
    // engine; `pulumi up` would fail on it mid-deployment, so an offline run must fail too.
    const unregistered = order.map((k) => records.get(k) as RecordedResource).filter((r) => !r.registered);
    if (unregistered.length) {
        throw new Error(`resources never registered (their inputs failed to compute): ${unregistered.map((r) => `${r.type} ${r.name}`).join(", ")}`);
    }
    const resolved = await resolveOutputs(outputs);
    return { resources: order.map((k) => records.get(k) as RecordedResource), outputs: resolved, evaluationMs };
}

/** Resolve stack outputs (Outputs, promises) keeping secrets marked. */
async function resolveOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
        const o = pulumi.output(v as pulumi.Input<unknown>) as pulumi.Output<unknown>;
        const [value, secret] = await Promise.all([
            new Promise<unknown>((resolve) => o.apply((x) => resolve(x))),
            pulumi.isSecret(o),
        ]);
        out[k] = secret ? { [SIG_KEY]: SECRET_SIG, value } : value;
    }
    return out;
}
