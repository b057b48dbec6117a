import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, type RunResult, UNKNOWN, findBakedValues, isSecretMarker, redactSecrets, resourceKey, runUnderMocks } from "../tools/mock-run";
import { ConfigError } from "../config";
import { Graph, runStack } from "./support/graph";

const run = (program: () => object, preview = false): Promise<RunResult> =>
    runUnderMocks({ project: "plg-observability", stack: "t", config: {}, secretKeys: [], program, preview });

function named(r: RunResult, name: string): RecordedResource {
    const found = r.resources.find((x) => x.name === name);
    if (!found) throw new Error(`no resource ${name}`);
    return found;
}

/** A bucket whose known name feeds a Kubernetes provider, a namespace on it, and one on a configured provider. */
function observedProgram(): object {
    const p = new aws.Provider("p", { region: "eu-west-1" });
    const identity = aws.getCallerIdentityOutput({}, { provider: p });
    const b = new aws.s3.Bucket("b", { tags: { env: "dev" } }, { provider: p });
    const unconfigured = new k8s.Provider("k-unconfigured", { kubeconfig: b.arn });
    const configured = new k8s.Provider("k-configured", { kubeconfig: "{}" });
    const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "logging" } }, { provider: unconfigured });
    const ns2 = new k8s.core.v1.Namespace("ns2", { metadata: { name: "monitoring" } }, { provider: configured });
    new aws.s3.Bucket(
        "observer",
        { tags: { account: identity.accountId, env: b.tags.apply((t) => t?.env ?? "none"), arn: b.arn, ns: ns.metadata.name, ns2: ns2.metadata.name } },
        { provider: p },
    );
    return {};
}

describe("mock runner", () => {
    it("a run whose program throws (a ConfigError) rejects with that error and leaves nothing for the next run", async () => {
        // Distributed Loki on the prod profile's nodes is refused by the capacity check in program.ts.
        await assert.rejects(runStack("prod", { settings: { logs: { mode: "distributed" } } }), (e: unknown) => e instanceof ConfigError);
        const next = await runStack("dev", { settings: { metrics: { scrapeInterval: "15s" } } });
        assert.ok(next.resources.length > 10, "the next run in the same process completes");
    });

    it("fails when a resource's inputs fail to compute, as pulumi up would", async () => {
        await assert.rejects(
            runUnderMocks({
                project: "plg-observability",
                stack: "broken",
                config: {},
                secretKeys: [],
                program: () => {
                    const p = new aws.Provider("p", { region: "eu-west-1" });
                    new aws.s3.Bucket("ok", {}, { provider: p });
                    new aws.s3.Bucket("broken", { tags: pulumi.output("x").apply((): Record<string, string> => { throw new Error("builder refused"); }) }, { provider: p });
                    return {};
                },
            }),
            /never registered.*aws:s3\/bucket:Bucket broken/,
        );
    });

    it("records parents, options and secrets, and redacts secrets", async () => {
        const r = await runUnderMocks({
            project: "plg-observability",
            stack: "t",
            config: {},
            secretKeys: [],
            program: () => {
                const p = new aws.Provider("p", { region: "eu-west-1" });
                const b = new aws.s3.Bucket("b", { tags: { token: pulumi.secret("s3cr3t-value") } }, { provider: p, protect: true });
                new aws.s3.BucketPolicy("bp", { bucket: b.id, policy: "{}" }, { provider: p, dependsOn: [b], parent: b });
                return { out: pulumi.secret("x") };
            },
        });
        const b = r.resources.find((x) => x.name === "b");
        const bp = r.resources.find((x) => x.name === "bp");
        assert.deepEqual(b?.options, { protect: true, provider: "p" });
        assert.equal(bp?.parent, "b");
        assert.deepEqual(bp?.options.dependsOn, ["b"]);
        assert.ok(isSecretMarker(b?.inputs.tags));
        assert.ok(!JSON.stringify(redactSecrets(r.resources)).includes("s3cr3t-value"));
        assert.ok(isSecretMarker(r.outputs.out));
    });

    it("answers a first preview as the engine does: inputs and invokes known, computed outputs unknown, an unconfigured provider silent", async () => {
        const tags = async (preview: boolean) => named(await run(observedProgram, preview), "observer").inputs.tags;
        assert.deepEqual(await tags(true), { account: "123456789012", env: "dev", arn: UNKNOWN, ns: UNKNOWN, ns2: "monitoring" });
        assert.deepEqual(await tags(false), { account: "123456789012", env: "dev", arn: "arn:aws:s3:::b-mock", ns: "logging", ns2: "monitoring" });
    });

    it("finds an unknown or an Output baked into a string, not a value that is wholly unknown", async () => {
        const r = await run(() => {
            const p = new aws.Provider("p", { region: "eu-west-1" });
            const b = new aws.s3.Bucket("b", {}, { provider: p });
            new aws.s3.BucketPolicy("templated", { bucket: b.id, policy: `{"Resource": "${b.arn}"}` }, { provider: p });
            new aws.s3.BucketPolicy("applied", { bucket: b.id, policy: b.arn.apply((arn) => JSON.stringify({ Resource: arn })) }, { provider: p });
            return {};
        }, true);
        assert.equal(named(r, "applied").inputs.policy, UNKNOWN);
        assert.deepEqual(
            findBakedValues(r).map((f) => [f.where, f.path]),
            [[resourceKey(named(r, "templated")), "inputs.policy"]],
        );
        const baked: RunResult = {
            resources: [{ type: "t:i:R", name: "r", inputs: { a: `arn:aws:s3:::${UNKNOWN}/*`, b: UNKNOWN, [`k-${UNKNOWN}`]: 1 }, options: {}, custom: true, registered: true, dependencies: [], propertyDependencies: {} }],
            outputs: { url: `https://${UNKNOWN}` },
            evaluationMs: 0,
        };
        assert.deepEqual(
            findBakedValues(baked).map((f) => [f.where, f.path]),
            [
                ["t:i:R::r", "inputs.a"],
                ["t:i:R::r", `inputs.k-${UNKNOWN} (key)`],
                ["stack output", "outputs.url"],
            ],
        );
    });

    it("fails a run whose apply throws even when nothing consumes its result, as Pulumi fails the program", async () => {
        await assert.rejects(
            run(() => {
                const p = new aws.Provider("p", { region: "eu-west-1" });
                aws.getCallerIdentityOutput({}, { provider: p }).accountId.apply((a) => {
                    throw new Error(`account ${a} refused`);
                });
                return {};
            }, true),
            /an apply threw.*account 123456789012 refused/,
        );
    });

    it("records what the engine orders by: dependsOn, Outputs among the inputs, provider, parent; a component stands for its resources", async () => {
        class Pair extends pulumi.ComponentResource {
            constructor(name: string, provider: aws.Provider, opts?: pulumi.ComponentResourceOptions) {
                super("test:index:Pair", name, {}, opts);
                new aws.s3.Bucket(`${name}-inner`, {}, { parent: this, provider });
                this.registerOutputs({});
            }
        }
        const r = await run(() => {
            const p = new aws.Provider("p", { region: "eu-west-1" });
            const b = new aws.s3.Bucket("b", {}, { provider: p });
            new aws.iam.Policy("reads-b", { policy: b.arn.apply((arn) => JSON.stringify({ Resource: arn })) }, { provider: p });
            const pair = new Pair("pair", p, { dependsOn: [b] });
            new aws.s3.Bucket("after-pair", {}, { provider: p, dependsOn: [pair] });
            return {};
        });
        const deps = (name: string) => named(r, name).dependencies;
        const key = (name: string) => resourceKey(named(r, name));
        assert.deepEqual(deps("reads-b").sort(), [key("b"), key("p")].sort());
        assert.deepEqual(deps("after-pair").sort(), [key("p"), key("pair-inner")].sort(), "a component stands for the resources under it");
        assert.deepEqual(deps("pair-inner").sort(), [key("p"), key("pair")].sort());
        const g = new Graph(r);
        assert.ok(g.waitsFor(named(r, "pair-inner")).has(named(r, "b")), "a component's dependsOn holds its children");
        const { path, total } = g.criticalPath((x) => (x.name === "b" ? 2 : x.name === "after-pair" ? 3 : 0));
        assert.deepEqual(path.map((x) => x.name), ["b", "pair", "pair-inner", "after-pair"]);
        assert.equal(total, 5);
    });
});
