import assert from "node:assert/strict";
import * as path from "node:path";
import { parseSettings } from "../config";
import { readStackConfig } from "../tools/stack-config";

const ROOT = path.resolve(__dirname, "..");
const P = "plg-observability";
const SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX";
const PD = "abcdefabcdefabcdefabcdefabcdef12";

/** A valid stack config map for `env`, with overrides merged per top-level key. */
function stackConfig(env: "dev" | "prod", over: Record<string, unknown> = {}): Record<string, string> {
    const base: Record<string, unknown> = {
        environment: env,
        aws: { region: "eu-west-1", tags: { team: "platform" } },
        cluster: { name: `plg-${env}`, ...(env === "prod" ? { endpoint: { publicAccessCidrs: ["203.0.113.0/24"] } } : {}) },
        slackWebhookUrl: SLACK,
        ...(env === "prod" ? { pagerdutyRoutingKey: PD } : {}),
    };
    const merged = { ...base, ...over };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) {
        if (v === undefined) continue;
        out[`${P}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

function problems(cfg: Record<string, string>): string[] {
    const r = parseSettings(cfg);
    assert.equal(r.ok, false, "expected the config to be rejected");
    return r.ok ? [] : r.problems;
}

function expectProblem(list: string[], key: string, ...fragments: string[]): void {
    const hit = list.find((p) => p.startsWith(`${P}:${key}:`) && fragments.every((f) => p.includes(f)));
    assert.ok(hit, `no problem for ${key} containing ${JSON.stringify(fragments)}; got:\n${list.join("\n")}`);
}

describe("config: profiles and stack files", () => {
    it("the committed dev and prod stack files validate and pick their profile", () => {
        for (const env of ["dev", "prod"] as const) {
            const cfg = readStackConfig(ROOT, path.join(ROOT, `Pulumi.${env}.yaml`));
            const r = parseSettings(cfg.config);
            assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
            assert.equal(r.settings.environment, env);
        }
    });

    it("prod gets HA defaults, dev gets small ones", () => {
        const dev = parseSettings(stackConfig("dev"));
        const prod = parseSettings(stackConfig("prod"));
        assert.ok(dev.ok && prod.ok);
        assert.equal(dev.settings.metrics.prometheusReplicas, 1);
        assert.equal(prod.settings.metrics.prometheusReplicas, 2);
        assert.equal(prod.settings.metrics.alertmanagerReplicas, 3);
        assert.equal(prod.settings.logs.replicas, 3);
        assert.ok(prod.settings.network.mode === "create" && prod.settings.network.natGateways === "perAz");
        assert.ok(dev.settings.network.mode === "create" && dev.settings.network.natGateways === "single");
        assert.ok(prod.settings.logs.retentionDays > dev.settings.logs.retentionDays);
    });

    it("a stack-file key overrides the profile without losing its siblings", () => {
        const r = parseSettings(stackConfig("prod", { metrics: { retention: "30d" } }));
        assert.ok(r.ok);
        assert.equal(r.settings.metrics.retention, "30d");
        assert.equal(r.settings.metrics.prometheusReplicas, 2);
    });

    it("an existing VPC takes none of the profile's create-mode network keys", () => {
        const r = parseSettings(
            stackConfig("dev", {
                network: { mode: "existing", vpcId: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], publicSubnetIds: [] },
            }),
        );
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.equal(r.settings.network.mode, "existing");
    });
});

describe("config: mistakes are reported all at once, by key path, before any resource", () => {
    it("lists every problem of a config with many mistakes", () => {
        const list = problems(
            stackConfig("prod", {
                metrics: { prometheusReplicas: "two", retention: "15 days", alertmanagerReplicas: 1 },
                network: { mode: "create", cidr: "10.0.0.1/16" },
                cluster: { name: "plg-prod", kubernetesVersion: "1.20", adminPrincipalArns: ["not-an-arn"], endpoint: { publicAccessCidrs: ["203.0.113.0/24"] } },
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
        assert.ok(list.length >= 11, list.join("\n"));
    });

    it("rejects an unknown nested key, naming its full path", () => {
        expectProblem(problems(stackConfig("dev", { metrics: { retentionTime: "7d" } })), "metrics.retentionTime", "unknown key", '"7d"');
    });

    it("rejects a missing environment and a missing required key", () => {
        const noEnv = stackConfig("dev");
        delete noEnv[`${P}:environment`];
        expectProblem(problems(noEnv), "environment", "expected dev or prod", "nothing");
        expectProblem(problems(stackConfig("dev", { aws: { tags: {} } })), "aws.region", "nothing");
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
        assert.ok(parseSettings(stackConfig("dev", { alerting: { slack: { enabled: false } }, slackWebhookUrl: undefined })).ok, "dev may run without receivers");
    });

    it("refuses tenant ids Loki or the ruler's file layout cannot carry", () => {
        for (const bad of [".", "..", "team(a)", "a/b", "x".repeat(151)]) {
            expectProblem(problems(stackConfig("dev", { logs: { tenantId: bad } })), "logs.tenantId", "expected a Loki tenant id");
        }
        assert.ok(parseSettings(stackConfig("dev", { logs: { tenantId: "team-a.prod_1" } })).ok);
    });

    it("a brought cluster in prod is not held to endpoint rules of a cluster it does not create", () => {
        const r = parseSettings(stackConfig("prod", { cluster: { name: "unused", workloadIdentity: "irsa", existing: { name: "shared-eks" } } }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    });

    it("prod refuses a public endpoint open to the world", () => {
        expectProblem(
            problems(stackConfig("prod", { cluster: { name: "p", endpoint: { publicAccessCidrs: ["0.0.0.0/0"] } } })),
            "cluster.endpoint.publicAccessCidrs",
            "0.0.0.0/0",
        );
    });

    it("refuses node group sizes out of order and ranges out of bounds", () => {
        const list = problems(
            stackConfig("dev", {
                cluster: {
                    name: "d",
                    nodeGroups: [{ name: "a", instanceTypes: ["m6i.large"], capacityType: "SPOT", minSize: 3, desiredSize: 2, maxSize: 4, diskSizeGiB: 5, labels: {} }],
                },
            }),
        );
        expectProblem(list, "cluster.nodeGroups[0].diskSizeGiB", "from 20 to 2000", "given 5");
    });

    it("refuses desiredSize outside min..max", () => {
        const list = problems(
            stackConfig("dev", {
                cluster: {
                    name: "d",
                    nodeGroups: [{ name: "a", instanceTypes: ["m6i.large"], capacityType: "SPOT", minSize: 3, desiredSize: 2, maxSize: 4, diskSizeGiB: 50, labels: {} }],
                },
            }),
        );
        expectProblem(list, "cluster.nodeGroups[0]", "minSize <= desiredSize <= maxSize", "3 <= 2 <= 4");
    });

    it("refuses a Prometheus retention size that does not fit its volume", () => {
        expectProblem(problems(stackConfig("dev", { metrics: { retentionSize: "100GB", volumeSizeGiB: 20 } })), "metrics.retentionSize", "at most 90%", '"100GB"');
    });

    it("refuses an ingestion burst below the rate and a repeat interval below the group interval", () => {
        const list = problems(stackConfig("dev", { logs: { limits: { ingestionRateMb: 10, ingestionBurstMb: 5 } }, alerting: { groupInterval: "10m", repeatInterval: "5m" } }));
        expectProblem(list, "logs.limits.ingestionBurstMb", "at least", "given 5");
        expectProblem(list, "alerting.repeatInterval", "at least alerting.groupInterval", '"5m"');
    });

    it("refuses a Grafana hostname without a certificate (it would be served nowhere)", () => {
        expectProblem(problems(stackConfig("prod", { grafana: { hostname: "grafana.example.com" } })), "grafana.hostname", "tlsCertificateArn", '"grafana.example.com"');
    });

    it("refuses a certificate without a hostname and in another region", () => {
        const list = problems(stackConfig("dev", { grafana: { tlsCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666" } }));
        expectProblem(list, "grafana.tlsCertificateArn", "needs a hostname");
        expectProblem(list, "grafana.tlsCertificateArn", "eu-west-1", "us-east-1");
    });

    it("refuses a stack-file object that is not JSON-parsable and a wrong type of object", () => {
        const cfg = stackConfig("dev");
        cfg[`${P}:metrics`] = "{not json";
        expectProblem(problems(cfg), "metrics", "expected a YAML object");
        expectProblem(problems(stackConfig("dev", { alerting: { slack: { enabled: "yes" } } })), "alerting.slack.enabled", "expected boolean", '"yes"');
    });
});
