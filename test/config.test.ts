import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ParseOptions, type Settings, clusterNameOf, loadConfig, parseSettings } from "../config";
import { type Check, guardedView, runChecks } from "../config/checks";
import { readStackConfig } from "../tools/stack-config";

const ROOT = path.resolve(__dirname, "..");
const P = "plg-observability";
const SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";
const PD = "abcdefabcdefabcdefabcdefabcdef12";
const ADMIN = "arn:aws:iam::123456789012:role/PlatformAdmin";

/** A valid stack config map for `env`, with overrides replacing whole top-level keys. */
function stackConfig(env: "dev" | "prod", over: Record<string, unknown> = {}): Record<string, string> {
    const base: Record<string, unknown> = {
        environment: env,
        aws: { region: "eu-west-1", tags: { team: "platform" } },
        cluster: { name: `plg-${env}`, adminPrincipalArns: [ADMIN], endpoint: { publicAccessCidrs: ["198.51.100.0/24"] } },
        slackWebhookUrl: SLACK,
        // prod with its dead man's switch configured (off, prod warns: test/heartbeat.test.ts).
        ...(env === "prod" ? { pagerdutyRoutingKey: PD, alerting: { heartbeat: { enabled: true } }, heartbeatUrl: "https://hc-ping.com/config-test" } : {}),
    };
    const merged = { ...base, ...over };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) {
        if (v === undefined) continue;
        out[k.includes(":") ? k : `${P}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** The dev or prod cluster block with `extra` keys. */
const cluster = (env: "dev" | "prod", extra: Record<string, unknown>): Record<string, unknown> => ({
    name: `plg-${env}`,
    adminPrincipalArns: [ADMIN],
    endpoint: { publicAccessCidrs: ["198.51.100.0/24"] },
    ...extra,
});

function problems(cfg: Record<string, string>, opts?: ParseOptions): string[] {
    const r = parseSettings(cfg, opts);
    assert.equal(r.ok, false, "expected the config to be rejected");
    return r.ok ? [] : r.problems;
}

function accepted(cfg: Record<string, string>): { settings: Settings; warnings: string[] } {
    const r = parseSettings(cfg);
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    return r;
}

function expectProblem(list: string[], key: string, ...fragments: string[]): string {
    const hit = list.find((p) => p.startsWith(`${P}:${key}:`) && fragments.every((f) => p.includes(f)));
    assert.ok(hit, `no problem for ${key} containing ${JSON.stringify(fragments)}; got:\n${list.join("\n")}`);
    return hit;
}

describe("config: profiles and stack files", () => {
    it("the committed dev and prod stack files validate, pick their profile and warn about nothing but prod's missing heartbeat", () => {
        for (const env of ["dev", "prod"] as const) {
            const cfg = readStackConfig(ROOT, path.join(ROOT, `Pulumi.${env}.yaml`));
            const r = parseSettings(cfg.config);
            assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
            assert.equal(r.settings.environment, env);
            // The heartbeat needs a URL of the user's own service: off until they set one, and prod says so.
            assert.deepEqual(r.warnings.map((w) => w.slice(0, w.indexOf(": "))), env === "prod" ? ["plg-observability:alerting.heartbeat.enabled"] : []);
        }
    });

    it("prod gets HA defaults, dev gets small ones", () => {
        const dev = accepted(stackConfig("dev")).settings;
        const prod = accepted(stackConfig("prod")).settings;
        assert.equal(dev.metrics.prometheusReplicas, 1);
        assert.equal(prod.metrics.prometheusReplicas, 2);
        assert.equal(prod.metrics.alertmanagerReplicas, 3);
        assert.equal(prod.logs.replicas, 3);
        assert.ok(prod.network.mode === "create" && prod.network.natGateways === "perAz");
        assert.ok(dev.network.mode === "create" && dev.network.natGateways === "single");
        assert.ok(prod.logs.retentionDays > dev.logs.retentionDays);
    });

    it("a stack-file key overrides the profile without losing its siblings", () => {
        const s = accepted(stackConfig("prod", { metrics: { retention: "30d" } })).settings;
        assert.equal(s.metrics.retention, "30d");
        assert.equal(s.metrics.prometheusReplicas, 2);
    });

    it("an existing VPC takes none of the profile's create-mode network keys, and publicSubnetIds is optional", () => {
        const s = accepted(
            stackConfig("dev", { network: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] } }),
        ).settings;
        assert.ok(s.network.mode === "existing");
        assert.deepEqual(s.network.publicSubnetIds, []);
    });

    it("reads an unquoted number where text is expected when it is unambiguous (kubernetesVersion: 1.35, cpu: 2)", () => {
        const s = accepted(stackConfig("dev", { cluster: cluster("dev", { kubernetesVersion: 1.35 }), metrics: { resources: { cpu: 2, memory: "2Gi" } } })).settings;
        assert.equal(s.cluster.kubernetesVersion, "1.35");
        assert.equal(s.metrics.resources.cpu, "2");
    });
});

describe("config: mistakes are reported all at once, by key path, before any resource", () => {
    it("lists every problem of a config with many mistakes", () => {
        const list = problems(
            stackConfig("prod", {
                metrics: { prometheusReplicas: "two", retention: "15 days", alertmanagerReplicas: 1 },
                network: { mode: "create", cidr: "10.0.0.1/16" },
                cluster: cluster("prod", { kubernetesVersion: "1.20", adminPrincipalArns: ["not-an-arn"] }),
                alerting: { slack: { channel: "alerts" }, runbookBaseUrl: "ftp://runbooks" },
                logs: { tenantId: "has space" },
                grafana: { hostname: "Not A Host" },
                aws: { region: "mars-1", tags: {} },
                typoKey: { a: 1 },
            }),
        );
        expectProblem(list, "metrics.prometheusReplicas", "expected a whole number", '"two"');
        expectProblem(list, "metrics.retention", "expected a duration", '"15 days"');
        expectProblem(list, "network.cidr", "expected an IPv4 CIDR", '"10.0.0.1/16"');
        expectProblem(list, "cluster.kubernetesVersion", "expected one of 1.31", '"1.20"');
        expectProblem(list, "cluster.adminPrincipalArns[0]", "expected an IAM role or user ARN", '"not-an-arn"');
        expectProblem(list, "alerting.slack.channel", "expected a Slack channel", '"alerts"');
        expectProblem(list, "alerting.runbookBaseUrl", "expected an https:// URL");
        expectProblem(list, "logs.tenantId", "expected a Loki tenant id");
        expectProblem(list, "grafana.hostname", "expected a DNS hostname");
        expectProblem(list, "aws.region", "expected an AWS region", '"mars-1"');
        expectProblem(list, "typoKey", "unknown key");
        // A cross-key rule on valid keys, reported in the same run as the type errors.
        expectProblem(list, "metrics.alertmanagerReplicas", "clustered Alertmanager", "given 1");
        assert.ok(list.length >= 12, list.join("\n"));
    });

    it("type errors and cross-key rules in one run: a check reading an invalid value is skipped, the others run", () => {
        const list = problems(
            stackConfig("dev", {
                metrics: { volumeSizeGiB: "big", retentionSize: "100GB" },
                logs: { limits: { ingestionRateMb: 10, ingestionBurstMb: 5 } },
                alerting: { groupInterval: "soon", repeatInterval: "1m" },
            }),
        );
        expectProblem(list, "metrics.volumeSizeGiB", "expected a whole number", '"big"');
        expectProblem(list, "alerting.groupInterval", "expected a duration", '"soon"');
        expectProblem(list, "logs.limits.ingestionBurstMb", "at least logs.limits.ingestionRateMb (10)", "given 5");
        // The retention size and repeat rules read an invalid key: nothing about them, and no crash.
        assert.ok(!list.some((p) => p.includes("metrics.retentionSize") || p.includes("alerting.repeatInterval")), list.join("\n"));
        assert.equal(list.length, 3, list.join("\n"));
    });

    it("guardedView skips exactly the reads of invalid paths", () => {
        const data = { a: { b: 1, c: [1, "x"] }, d: 2 };
        const view = guardedView(data, new Set([JSON.stringify(["a", "c", 1])]));
        const seen: string[] = [];
        const checks: Check[] = [
            { name: "reads a valid leaf", run: (s, ctx) => ctx.problem(["d"], String((s as unknown as typeof data).d)) },
            { name: "reads the invalid entry", run: (s, ctx) => ctx.problem(["a", "c"], (s as unknown as typeof data).a.c.join(",")) },
            {
                name: "a part reads it, the rest runs",
                run: (s, ctx) => {
                    const v = s as unknown as typeof data;
                    ctx.part(() => seen.push(String(v.a.c[1])));
                    seen.push(String(v.a.c[0]), String(v.a.b));
                },
            },
        ];
        const r = runChecks(view as unknown as Settings, { secrets: {}, given: {} }, checks);
        assert.deepEqual(r.problems, [{ path: ["d"], message: "2" }]);
        assert.deepEqual(seen, ["1", "1"]);
    });

    it("names an unknown nested key and what is allowed there, never its value", () => {
        const p = expectProblem(problems(stackConfig("dev", { metrics: { retentionTime: "7d" } })), "metrics.retentionTime", "unknown key", "did you mean retention?", "expected one of");
        assert.ok(!p.includes("7d"), p);
    });

    it("never echoes a value given under a wrong or unknown key", () => {
        const webhook = "https://hooks.slack.com/services/T0/B0/WrongPlaceToken";
        const list = problems(
            stackConfig("dev", {
                alerting: { slack: { enabled: true, channel: "#a", webhookUrl: webhook } },
                grafana: webhook,
                [`${P}:alerting.slack.webhookUrl`]: webhook,
                [`${P}:slackWebhook`]: webhook,
            }),
        );
        expectProblem(list, "alerting.slack.webhookUrl", "unknown key");
        expectProblem(list, "grafana", "expected a mapping");
        expectProblem(list, "alerting.slack.webhookUrl", "pulumi config set --path 'alerting.slack.webhookUrl' <value>");
        expectProblem(list, "slackWebhook", "unknown key", "did you mean slackWebhookUrl?");
        assert.ok(list.every((p) => !p.includes("WrongPlaceToken")), list.join("\n"));
    });

    it("a missing environment and a missing required key say nothing was given", () => {
        const noEnv = stackConfig("dev");
        delete noEnv[`${P}:environment`];
        expectProblem(problems(noEnv), "environment", "expected dev or prod", "given nothing");
        expectProblem(problems(stackConfig("dev", { aws: { tags: {} } })), "aws.region", "expected an AWS region", "given nothing (set it in the stack file)");
    });

    it("speaks the user's words, not zod's", () => {
        const list = problems(
            stackConfig("dev", {
                alerting: { slack: { enabled: "yes" }, errorRateThreshold: 1, groupBy: [] },
                cluster: cluster("dev", { nodeGroups: [] }),
                metrics: { volumeSizeGiB: "20" },
            }),
        );
        expectProblem(list, "alerting.slack.enabled", "expected true or false", 'given "yes"');
        expectProblem(list, "alerting.errorRateThreshold", "expected a ratio between 0 and 1", "given 1");
        expectProblem(list, "alerting.groupBy", "expected at least one label", "given 0 entries");
        expectProblem(list, "cluster.nodeGroups", "expected at least one node group");
        expectProblem(list, "metrics.volumeSizeGiB", 'given the text "20" (write the number without quotes)');
        for (const zodism of ["received", "Too big", "Too small", "Invalid", "problems)"]) {
            assert.ok(list.every((p) => !p.includes(zodism)), `${zodism} in:\n${list.join("\n")}`);
        }
    });

    it("a number YAML read from a version with a trailing zero is refused with the advice to quote it", () => {
        expectProblem(problems(stackConfig("dev", { cluster: cluster("dev", { kubernetesVersion: 1.3 }) })), "cluster.kubernetesVersion", "given the number 1.3", "in quotes");
    });

    it("a key written flat with a dot hints at pulumi config set --path", () => {
        expectProblem(problems({ ...stackConfig("dev"), [`${P}:cluster.name`]: "other" }), "cluster.name", "one flat key", "pulumi config set --path 'cluster.name' <value>");
    });

    it("keys of other namespaces are ignored with a warning naming the key to use", () => {
        const r = accepted({ ...stackConfig("dev"), "aws:region": "us-east-1", "kubernetes:context": "x", "pulumi:template": "t" });
        assert.deepEqual(r.warnings, [
            `aws:region: ignored: the program configures its own AWS provider; set ${P}:aws.region instead`,
            "kubernetes:context: ignored: the program's Kubernetes provider is built from the cluster's own kubeconfig",
        ]);
    });

    it("a receiver enabled without its secret names the secret and how to set it", () => {
        const list = problems(stackConfig("prod", { slackWebhookUrl: undefined, pagerdutyRoutingKey: undefined }));
        expectProblem(list, "alerting.slack.enabled", "slackWebhookUrl", "pulumi config set --secret slackWebhookUrl");
        expectProblem(list, "alerting.pagerduty.enabled", "pagerdutyRoutingKey");
    });

    it("a malformed secret is reported without echoing its value", () => {
        const leaked = "http://example.com/very-secret-token-123";
        const list = problems(stackConfig("dev", { slackWebhookUrl: leaked }));
        expectProblem(list, "slackWebhookUrl", "expected an https://hooks.slack.com");
        assert.ok(list.every((p) => !p.includes("very-secret-token")), list.join("\n"));
    });

    it("a secret given in plain text: refused for pulumi up, a warning for render, both with the command and never the value", () => {
        const cfg = stackConfig("prod");
        const key = `${P}:pagerdutyRoutingKey`;
        const refused = expectProblem(problems(cfg, { plainSecretKeys: [key] }), "pagerdutyRoutingKey", "plain text", "`pulumi config set --secret pagerdutyRoutingKey <value>`");
        assert.ok(!refused.includes(PD));
        const r = parseSettings(cfg, { plainSecretKeys: [key], plainSecretsAreWarnings: true });
        assert.ok(r.ok);
        assert.equal(r.warnings.length, 1);
        assert.match(r.warnings[0] as string, /^plg-observability:pagerdutyRoutingKey: .*pulumi config set --secret pagerdutyRoutingKey <value>/);
        assert.ok(!(r.warnings[0] as string).includes(PD));
    });

    it("prod refuses a single Alertmanager, a single Prometheus and a thin Loki", () => {
        const list = problems(stackConfig("prod", { metrics: { alertmanagerReplicas: 1, prometheusReplicas: 1 }, logs: { replicas: 2 } }));
        expectProblem(list, "metrics.alertmanagerReplicas", "at least 2", "given 1");
        expectProblem(list, "metrics.prometheusReplicas", "at least 2", "given 1");
        expectProblem(list, "logs.replicas", "at least 3", "given 2");
    });

    it("prod keeps Loki's 3-way replication in every mode", () => {
        expectProblem(problems(stackConfig("prod", { logs: { mode: "distributed", distributed: { ingester: 1 } } })), "logs.distributed.ingester", "at least 3", "given 1");
        expectProblem(problems(stackConfig("prod", { logs: { mode: "simpleScalable", replicas: 2 } })), "logs.replicas", "at least 3", "given 2");
    });

    it("prod refuses to drop warnings: Slack is their only receiver", () => {
        expectProblem(problems(stackConfig("prod", { alerting: { slack: { enabled: false } } })), "alerting.slack.enabled", "warnings", "given false");
        accepted(stackConfig("dev", { alerting: { slack: { enabled: false } }, slackWebhookUrl: undefined }));
    });

    it("refuses tenant ids Loki or the ruler's file layout cannot carry", () => {
        for (const bad of [".", "..", "team(a)", "a/b", "x".repeat(151)]) {
            expectProblem(problems(stackConfig("dev", { logs: { tenantId: bad } })), "logs.tenantId", "expected a Loki tenant id");
        }
        accepted(stackConfig("dev", { logs: { tenantId: "team-a.prod_1" } }));
    });

    it("prod refuses a public endpoint open to the world", () => {
        expectProblem(problems(stackConfig("prod", { cluster: cluster("prod", { endpoint: { publicAccessCidrs: ["0.0.0.0/0"] } }) })), "cluster.endpoint.publicAccessCidrs", "0.0.0.0/0");
    });

    it("refuses a cluster nobody can reach: no admin principal and no deployer role", () => {
        const p = expectProblem(problems(stackConfig("dev", { cluster: { name: "d" } })), "cluster.adminPrincipalArns", "nobody", "cluster.deployerRoleArn", "given neither");
        assert.ok(p);
        accepted(stackConfig("dev", { cluster: { name: "d", endpoint: { publicAccessCidrs: ["198.51.100.0/24"] }, deployerRoleArn: "arn:aws:iam::123456789012:role/Deployer" } }));
    });

    it("dev refuses a public endpoint open to the world unless the stack opts in; prod refuses it even then", () => {
        for (const open of [[], ["0.0.0.0/0"]]) {
            expectProblem(problems(stackConfig("dev", { cluster: cluster("dev", { endpoint: { publicAccessCidrs: open } }) })), "cluster.endpoint.publicAccessCidrs", "0.0.0.0/0", "publicAccessFromAnywhere");
            accepted(stackConfig("dev", { cluster: cluster("dev", { endpoint: { publicAccessCidrs: open, publicAccessFromAnywhere: true } }) }));
            expectProblem(
                problems(stackConfig("prod", { cluster: cluster("prod", { endpoint: { publicAccessCidrs: open, publicAccessFromAnywhere: true } }) })),
                "cluster.endpoint.publicAccessCidrs",
                "prod restricts",
            );
        }
        // Private only (with a path for the deployer) needs no CIDRs.
        accepted(stackConfig("dev", { cluster: cluster("dev", { endpoint: { publicAccess: false, publicAccessCidrs: [], deployerInVpc: true } }) }));
    });

    it("refuses node group sizes out of bounds and out of order, and a cluster without a node", () => {
        const group = { name: "a", instanceTypes: ["m6i.large"], capacityType: "ON_DEMAND", minSize: 3, desiredSize: 2, maxSize: 4, diskSizeGiB: 50, labels: {} };
        const list = problems(stackConfig("dev", { cluster: cluster("dev", { nodeGroups: [{ ...group, diskSizeGiB: 5 }, { ...group, name: "b", maxSize: 0 }] }) }));
        expectProblem(list, "cluster.nodeGroups[0].diskSizeGiB", "from 20 to 2000", "given 5");
        expectProblem(list, "cluster.nodeGroups[1].maxSize", "from 1 to 100", "given 0");
        // Group 0's sizes are valid: their order is still checked although group 1 is invalid.
        expectProblem(list, "cluster.nodeGroups[0]", "minSize <= desiredSize <= maxSize", "3 <= 2 <= 4");
        const none = problems(stackConfig("dev", { cluster: cluster("dev", { nodeGroups: [{ ...group, minSize: 0, desiredSize: 0 }] }) }));
        expectProblem(none, "cluster.nodeGroups", "expected a group with desiredSize of at least 1", "given desiredSize 0");
    });

    it("refuses a Prometheus retention size that does not fit its volume", () => {
        expectProblem(problems(stackConfig("dev", { metrics: { retentionSize: "100GB", volumeSizeGiB: 20 } })), "metrics.retentionSize", "at most 90%", '"100GB"');
    });

    it("refuses an ingestion burst below the rate and a repeat interval below the group interval", () => {
        const list = problems(stackConfig("dev", { logs: { limits: { ingestionRateMb: 10, ingestionBurstMb: 5 } }, alerting: { groupInterval: "10m", repeatInterval: "5m" } }));
        expectProblem(list, "logs.limits.ingestionBurstMb", "at least", "given 5");
        expectProblem(list, "alerting.repeatInterval", "at least alerting.groupInterval", '"5m"');
    });

    it("refuses a Grafana hostname without a certificate, a certificate without a hostname and in another region", () => {
        expectProblem(problems(stackConfig("prod", { grafana: { hostname: "grafana.example.com" } })), "grafana.hostname", "tlsCertificateArn", '"grafana.example.com"');
        const list = problems(stackConfig("dev", { grafana: { tlsCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666" } }));
        expectProblem(list, "grafana.tlsCertificateArn", "needs a hostname");
        expectProblem(list, "grafana.tlsCertificateArn", "eu-west-1", "us-east-1");
    });

    it("grafana.hostedZoneId: a Route 53 zone id, only with the hostname and certificate its record points through", () => {
        const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666";
        const ok = accepted(stackConfig("prod", { grafana: { hostname: "grafana.example.com", tlsCertificateArn: cert, hostedZoneId: "Z0123456789ABCDEFGHIJ" } }));
        assert.equal(ok.settings.grafana.hostedZoneId, "Z0123456789ABCDEFGHIJ");
        // A hosted zone's ARN or a lowercase id is not the id Route 53 takes.
        for (const bad of ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ", "z0123456789abcdefghij", "/hostedzone/Z0123456789ABCDEFGHIJ"]) {
            expectProblem(
                problems(stackConfig("prod", { grafana: { hostname: "grafana.example.com", tlsCertificateArn: cert, hostedZoneId: bad } })),
                "grafana.hostedZoneId",
                "expected a Route 53 hosted zone id",
            );
        }
        expectProblem(problems(stackConfig("dev", { grafana: { hostedZoneId: "Z0123456789ABCDEFGHIJ" } })), "grafana.hostedZoneId", "grafana.hostname and grafana.tlsCertificateArn", "Z0123456789ABCDEFGHIJ");
        // Only the certificate missing: the hostname's own check speaks too, and the record's names what it lacks.
        const noCert = problems(stackConfig("dev", { grafana: { hostname: "grafana.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }));
        const line = expectProblem(noCert, "grafana.hostedZoneId", "expected grafana.tlsCertificateArn with it");
        assert.ok(!line.includes("grafana.hostname and"), line);
    });

    it("refuses a stack-file object that does not parse", () => {
        const cfg = stackConfig("dev");
        cfg[`${P}:metrics`] = "{not json";
        expectProblem(problems(cfg), "metrics", "expected a YAML mapping");
    });
});

describe("config: values AWS, Prometheus, Alertmanager and Loki would refuse", () => {
    it("durations: Prometheus's grammar for every duration setting, zero only where it means off", () => {
        accepted(stackConfig("dev", { metrics: { retention: "1w1d", scrapeInterval: "1m15s" }, alerting: { groupWait: "0s", groupInterval: "1h30m", repeatInterval: "1y" }, logs: { limits: { maxQueryLength: "0" } } }));
        for (const [key, value, hint] of [
            ["metrics.retention", "1d1w", "write 1w1d"],
            ["logs.limits.maxQueryLength", "1h30d", "write 30d1h"],
            ["alerting.groupWait", "30", "add a unit"],
            ["alerting.repeatInterval", "4 h", ""],
        ] as const) {
            const [top, ...rest] = key.split(".") as [string, ...string[]];
            const nested = rest.reduceRight<unknown>((v, k) => ({ [k]: v }), value);
            expectProblem(problems(stackConfig("dev", { [top]: nested })), key, "expected a duration", JSON.stringify(value), hint);
        }
        expectProblem(problems(stackConfig("dev", { alerting: { groupInterval: "0s" } })), "alerting.groupInterval", "above zero");
        expectProblem(problems(stackConfig("dev", { metrics: { retention: "0s" } })), "metrics.retention", "above zero");
    });

    it("regions: real codes of every partition accepted, others refused with a guess", () => {
        for (const region of ["eu-west-1", "us-east-1", "ap-southeast-7", "mx-central-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1"]) {
            accepted(stackConfig("dev", { aws: { region, tags: {} } }));
        }
        expectProblem(problems(stackConfig("dev", { aws: { region: "eu-west-9", tags: {} } })), "aws.region", "expected an AWS region code", '"eu-west-9"');
        expectProblem(problems(stackConfig("dev", { aws: { region: "eu-west1", tags: {} } })), "aws.region", "did you mean eu-west-1?");
        expectProblem(problems(stackConfig("dev", { aws: { region: "us-gov-north-1", tags: {} } })), "aws.region", "expected an AWS region code");
    });

    it("tags: the aws: prefix in any case, lengths, characters and count", () => {
        const tags = (t: Record<string, string>) => problems(stackConfig("dev", { aws: { region: "eu-west-1", tags: t } }));
        expectProblem(tags({ "aws:owner": "x" }), 'aws.tags["aws:owner"]', "without the aws: prefix", 'given the key "aws:owner"');
        expectProblem(tags({ "AWS:Team": "x" }), 'aws.tags["AWS:Team"]', "without the aws: prefix");
        expectProblem(tags({ ["k".repeat(129)]: "x" }), `aws.tags.${"k".repeat(129)}`, "1 to 128", "(129 characters)");
        expectProblem(tags({ team: "v".repeat(257) }), "aws.tags.team", "at most 256");
        expectProblem(tags({ team: "a;b" }), "aws.tags.team", "letters, digits, spaces");
        expectProblem(tags(Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, "x"]))), "aws.tags", "at most 45 tags");
        accepted(stackConfig("dev", { aws: { region: "eu-west-1", tags: { "cost-center": "4711", "team:name": "Platform Ops @ HQ" } } }));
    });

    it("subnets: each once, none both private and public", () => {
        const ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
        const existing = (extra: Record<string, unknown>) => ({ network: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ids, ...extra } });
        expectProblem(problems(stackConfig("dev", existing({ privateSubnetIds: [ids[0], ids[0]] }))), "network.privateSubnetIds[1]", "each subnet once", "also at [0]");
        expectProblem(problems(stackConfig("dev", existing({ publicSubnetIds: [ids[1]] }))), "network.publicSubnetIds[0]", "not also in network.privateSubnetIds");
        expectProblem(problems(stackConfig("dev", { network: { privateSubnetCidrs: ["10.0.0.0/19", "10.0.0.0/19", "10.0.64.0/19"] } })), "network.privateSubnetCidrs[1]", "each CIDR once");
    });

    it("explicit subnet CIDRs that overlap the computed ones are a config error naming the list, not a stack trace", () => {
        const priv = problems(stackConfig("dev", { network: { privateSubnetCidrs: ["10.0.0.0/19", "10.0.32.0/19", "10.0.224.0/19"] } }));
        expectProblem(priv, "network.privateSubnetCidrs", "computed publicSubnetCidrs (10.0.224.0/22", "given 10.0.224.0/19", "list both");
        const pub = problems(stackConfig("dev", { network: { publicSubnetCidrs: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"] } }));
        expectProblem(pub, "network.publicSubnetCidrs", "computed privateSubnetCidrs (10.0.0.0/19", "given 10.0.0.0/24");
        const both = problems(stackConfig("dev", { network: { privateSubnetCidrs: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"], publicSubnetCidrs: ["10.0.0.0/24", "10.0.225.0/24", "10.0.226.0/24"] } }));
        expectProblem(both, "network.privateSubnetCidrs", "do not overlap", "10.0.0.0/19 and 10.0.0.0/24");
    });

    it("EKS cluster names, created or brought", () => {
        expectProblem(problems(stackConfig("dev", { cluster: cluster("dev", { name: "plg dev" }) })), "cluster.name", "expected an EKS cluster name");
        expectProblem(problems(stackConfig("dev", { cluster: { existing: { name: "shared/eks" } } })), "cluster.existing.name", "expected an EKS cluster name", '"shared/eks"');
        expectProblem(problems(stackConfig("dev", { cluster: { existing: { name: "x".repeat(101) } } })), "cluster.existing.name", "at most 100");
    });

    it("alerting: duplicate groupBy labels and Go template characters in the runbook URL", () => {
        expectProblem(problems(stackConfig("dev", { alerting: { groupBy: ["alertname", "namespace", "alertname"] } })), "alerting.groupBy[2]", "each label once", "also at [0]");
        expectProblem(problems(stackConfig("dev", { alerting: { runbookBaseUrl: "https://wiki.example.com/{{ $labels.team }}" } })), "alerting.runbookBaseUrl", "without {{ or }}");
    });
});

describe("config: a brought cluster", () => {
    it("needs no cluster.name: the brought cluster's name is the name and the `cluster` label", () => {
        // Where Grafana's database goes is not known on a brought cluster: prod (RDS) says it (test/grafana-ha.test.ts).
        const r = accepted(stackConfig("prod", { cluster: { existing: { name: "shared-eks" }, workloadIdentity: "irsa" }, grafana: { database: { subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clientSecurityGroupIds: ["sg-0123456789abcdef0"] } } }));
        assert.equal(r.settings.cluster.name, undefined);
        assert.equal(clusterNameOf(r.settings), "shared-eks");
        assert.deepEqual(r.warnings, [], "the profile's node groups, endpoint and versions are no mistake of the stack file");
    });

    it("warns about each setting the stack file gives that a brought cluster does not use", () => {
        const r = accepted(
            stackConfig("prod", {
                cluster: { name: "unused", existing: { name: "shared-eks" }, adminPrincipalArns: [ADMIN], endpoint: { publicAccessCidrs: ["198.51.100.0/24"] }, kubernetesVersion: "1.33" },
                network: { mode: "create", cidr: "10.1.0.0/16" },
                grafana: { database: { subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clientSecurityGroupIds: ["sg-0123456789abcdef0"] } },
            }),
        );
        const keys = r.warnings.map((w) => w.slice(0, w.indexOf(": ")));
        assert.deepEqual(keys.sort(), [`${P}:cluster.adminPrincipalArns`, `${P}:cluster.endpoint`, `${P}:cluster.kubernetesVersion`, `${P}:cluster.name`, `${P}:network`].sort());
        assert.ok(r.warnings.every((w) => w.includes("brought cluster")), r.warnings.join("\n"));
    });

    it("a created cluster still needs its name", () => {
        expectProblem(problems(stackConfig("dev", { cluster: { adminPrincipalArns: [ADMIN] } })), "cluster.name", "given nothing", "cluster.existing.name");
    });
});

describe("config: loadConfig under the Pulumi runtime", () => {
    /** loadConfig as `pulumi up` runs it: the runtime's config, with the keys Pulumi holds as secrets. */
    function load(config: Record<string, string>, secretKeys: string[]): ReturnType<typeof loadConfig> {
        pulumi.runtime.setAllConfig(config, secretKeys);
        return loadConfig();
    }

    it("logs each warning before creating anything", () => {
        const warned: string[] = [];
        const original = console.warn;
        console.warn = (msg: unknown) => void warned.push(String(msg));
        try {
            load({ ...stackConfig("dev"), "aws:region": "eu-west-1" }, [`${P}:slackWebhookUrl`]);
        } finally {
            console.warn = original;
        }
        assert.ok(warned.some((w) => w.includes(`aws:region: ignored`) && w.includes(`${P}:aws.region`)), warned.join("\n"));
    });

    it("refuses a secret the stack holds in plain text, naming the command, never the value", () => {
        const config = stackConfig("prod");
        const loaded = load(config, [`${P}:slackWebhookUrl`, `${P}:pagerdutyRoutingKey`, `${P}:heartbeatUrl`]);
        assert.ok(pulumi.Output.isInstance(loaded.secrets.pagerdutyRoutingKey));
        assert.throws(
            () => load(config, [`${P}:slackWebhookUrl`, `${P}:heartbeatUrl`]),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError, String(e));
                assert.equal(e.problems.length, 1, e.problems.join("\n"));
                assert.match(e.problems[0] as string, /^plg-observability:pagerdutyRoutingKey: .*plain text.*`pulumi config set --secret pagerdutyRoutingKey <value>`/);
                assert.match(e.message, /^invalid configuration \(1 problem\):/);
                assert.ok(!e.message.includes(PD));
                return true;
            },
        );
    });
});

describe("config: EKS version support windows (the EKS release calendar)", () => {
    const at = (version: string, today: string, supportType?: "STANDARD" | "EXTENDED") =>
        parseSettings(stackConfig("prod", { cluster: cluster("prod", { kubernetesVersion: version, ...(supportType ? { supportType } : {}) }) }), { today: new Date(`${today}T12:00:00Z`) });

    it("refuses STANDARD support on a version already in extended support, naming the newer versions and the price", () => {
        const r = at("1.33", "2026-11-25");
        assert.ok(!r.ok);
        expectProblem(r.problems, "cluster.kubernetesVersion", "1.33 left EKS standard support on 2026-07-29", "expected one of 1.34, 1.35", "supportType EXTENDED", 'given "1.33"');
    });

    it("accepts that version under EXTENDED support until extended support ends too", () => {
        assert.ok(at("1.33", "2026-11-25", "EXTENDED").ok);
        const r = at("1.31", "2026-11-27", "EXTENDED");
        assert.ok(!r.ok);
        expectProblem(r.problems, "cluster.kubernetesVersion", "EKS ended all support for 1.31 on 2026-11-26");
    });

    it("warns within 30 days of the end of standard support, when EKS would upgrade the control plane itself", () => {
        const soon = at("1.34", "2026-11-25");
        assert.ok(soon.ok);
        assert.ok(soon.warnings.some((w) => w.startsWith("plg-observability:cluster.kubernetesVersion: 1.34 leaves EKS standard support on 2026-12-02") && w.includes("upgrade to 1.35")), soon.warnings.join("\n"));
        const later = at("1.34", "2026-10-01");
        assert.ok(later.ok && !later.warnings.some((w) => w.includes("kubernetesVersion")));
    });

    it("the profiles' default version is in standard support today, with no warning", () => {
        const r = parseSettings(stackConfig("prod"));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.ok(!r.warnings.some((w) => w.includes("kubernetesVersion")), r.warnings.join("\n"));
    });
});
