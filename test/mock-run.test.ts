import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isSecretMarker, redactSecrets, runUnderMocks } from "../tools/mock-run";

describe("mock runner", () => {
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
});
