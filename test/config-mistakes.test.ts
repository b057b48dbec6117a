/**
 * First contact: single-key mistakes a new user makes, each applied to the committed dev and prod
 * stack files and run through `render` as a user would. Each must stop render before anything is
 * written (exit 1, no output folder), name the full key, say what is expected, and never show a
 * value that may be a credential. Then: several problems in one run, the problem count read as
 * English, and edge values the config accepts rendering files amtool and promtool accept.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import YAML from "yaml";
import { parseSettings } from "../config";
import { TEMPLATE_DIR } from "../components/k8s/metrics/alertmanager";
import { kpsValuesInput, metricsRulesInput } from "../components/k8s/metrics";
import { buildPrometheusRules } from "../components/k8s/metrics/rules";
import { requireBinary, run } from "./support/binaries";
import { ROOT } from "./support/graph";
import { renderQuietly, tmp } from "./support/render";
import { readStackConfig } from "../tools/stack-config";

const P = "plg-observability";

interface Mistake {
    /** Where, below `plg-observability:` (dots and [i]); with `raw`, the stack file's key exactly as written. */
    readonly key: string;
    /** The value set there; undefined removes the key. */
    readonly value: unknown;
    /** A fragment of the problem's text (after the key). */
    readonly expect: string;
    /** The key path the problem must start with, when it is not `key`. */
    readonly names?: string;
    /** Text that must appear nowhere in render's output (a value that may be a credential). */
    readonly secret?: string;
    /** `key` is a top-level stack-file key written as is (flat dotted keys, misspelt secrets). */
    readonly raw?: boolean;
    /** Keys removed with this one: the same mistake (nobody can reach the cluster) spans them. */
    readonly alsoUnset?: readonly string[];
}

/** A valid node group to break one field of. */
const group = (over: Record<string, unknown> = {}) => ({
    name: "system",
    instanceTypes: ["m6i.large", "m6a.large"],
    capacityType: "ON_DEMAND",
    minSize: 1,
    desiredSize: 2,
    maxSize: 3,
    diskSizeGiB: 50,
    labels: { "plg.io/pool": "system" },
    ...over,
});
const existingVpc = (over: Record<string, unknown>) => ({
    mode: "existing",
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    ...over,
});
const WEBHOOK = "https://hooks.slack.com/services/T0LEAK/B0LEAK/LeakedWebhookToken";

// One row per mistake: where, what, and what the message must say.
const MISTAKES: readonly Mistake[] = [
    // The stack file's keys themselves.
    { key: "environment", value: "staging", expect: "expected dev or prod" },
    { key: `${P}:cluster.name`, raw: true, value: "plg-flat", names: "cluster.name", expect: "pulumi config set --path 'cluster.name' <value>" },
    { key: `${P}:alerting.slack.webhookUrl`, raw: true, value: WEBHOOK, names: "alerting.slack.webhookUrl", expect: "one flat key", secret: "LeakedWebhookToken" },
    { key: `${P}:alerts`, raw: true, value: { groupBy: ["alertname"] }, names: "alerts", expect: "unknown key" },
    { key: `${P}:slackWebhook`, raw: true, value: WEBHOOK, names: "slackWebhook", expect: "did you mean slackWebhookUrl?", secret: "LeakedWebhookToken" },
    { key: `${P}:slackWebhookUrl`, raw: true, value: "http://example.com/hooks/LeakedToken123", names: "slackWebhookUrl", expect: "expected an https://hooks.slack.com", secret: "LeakedToken123" },
    { key: `${P}:pagerdutyRoutingKey`, raw: true, value: "LeakedRoutingKey", names: "pagerdutyRoutingKey", expect: "32-character", secret: "LeakedRoutingKey" },
    { key: "aws", value: "eu-west-1", expect: "expected a mapping" },
    // aws
    { key: "aws.region", value: "eu-west-9", expect: "expected an AWS region code" },
    { key: "aws.region", value: "eu-west1", expect: "did you mean eu-west-1?" },
    { key: "aws.region", value: undefined, expect: "given nothing" },
    { key: "aws.tags", value: { "aws:owner": "me" }, names: 'aws.tags["aws:owner"]', expect: "without the aws: prefix" },
    { key: "aws.tags", value: { "AWS:CostCenter": "1" }, names: 'aws.tags["AWS:CostCenter"]', expect: "without the aws: prefix" },
    { key: "aws.tags.team", value: "x".repeat(257), expect: "at most 256" },
    { key: "aws.tags.team", value: "a;b", expect: "letters, digits, spaces" },
    { key: "aws.tags.team", value: { name: "platform" }, expect: "expected a tag value" },
    // network
    { key: "network.mode", value: "shared", names: "network.mode", expect: "expected mode create or existing" },
    { key: "network.cidr", value: "10.0.0.1/16", expect: "no host bits set" },
    { key: "network.cidr", value: "10.0.0.0/8", expect: "AWS VPCs are /16 to /28" },
    { key: "network.cidr", value: "10.0.0.0/26", expect: "computed subnets need a VPC of" },
    { key: "network.azCount", value: 1, expect: "from 2 to 6" },
    { key: "network.natGateways", value: "none", expect: "expected perAz or single" },
    { key: "network.privateSubnetCidrs", value: ["10.0.0.0/19", "10.0.32.0/19", "10.0.224.0/19"], expect: "clear of the computed publicSubnetCidrs" },
    { key: "network.publicSubnetCidrs", value: ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"], expect: "clear of the computed privateSubnetCidrs" },
    { key: "network.privateSubnetCidrs", value: ["10.0.0.0/19", "10.0.32.0/19"], expect: "one CIDR per AZ" },
    { key: "network.privateSubnetCidrs", value: ["10.0.0.0/19", "10.0.32.0/19", "192.168.0.0/19"], names: "network.privateSubnetCidrs[2]", expect: "inside network.cidr" },
    { key: "network", value: existingVpc({ privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"] }), names: "network.privateSubnetIds[1]", expect: "each subnet once" },
    { key: "network", value: existingVpc({ publicSubnetIds: ["subnet-0123456789abcdef1"] }), names: "network.publicSubnetIds[0]", expect: "not also in network.privateSubnetIds" },
    { key: "network", value: existingVpc({ vpcId: "vpc-123" }), names: "network.vpcId", expect: "expected a VPC id" },
    { key: "network", value: existingVpc({ privateSubnetIds: ["subnet-0123456789abcdef0"] }), names: "network.privateSubnetIds", expect: "at least 2 AZs" },
    // cluster
    { key: "cluster.name", value: "plg dev!", expect: "expected an EKS cluster name" },
    { key: "cluster.name", value: undefined, expect: "given nothing" },
    { key: "cluster.existing", value: { name: "shared/eks" }, names: "cluster.existing.name", expect: "expected an EKS cluster name" },
    { key: "cluster.existing", value: { name: "shared-eks", roleArn: "arn:aws:iam::123:role/x" }, names: "cluster.existing.roleArn", expect: "expected an IAM role ARN" },
    { key: "cluster.kubernetesVersion", value: "1.29", expect: "expected one of 1.31" },
    { key: "cluster.kubernetesVersion", value: 1.3, expect: "put the value in quotes" },
    { key: "cluster.endpoint.publicAccess", value: false, expect: "no path to the cluster" },
    { key: "cluster.endpoint", value: { privateAccess: false, publicAccess: false, publicAccessCidrs: [], deployerInVpc: true }, expect: "given both false" },
    { key: "cluster.endpoint.publicAccessCidrs", value: ["office"], names: "cluster.endpoint.publicAccessCidrs[0]", expect: "expected an IPv4 CIDR" },
    { key: "cluster.logRetentionDays", value: 10, expect: "CloudWatch Logs can keep" },
    { key: "cluster.supportType", value: "LTS", expect: "expected STANDARD or EXTENDED" },
    { key: "cluster.deletionProtection", value: "yes", expect: "expected true or false" },
    { key: "cluster.adminPrincipalArns", value: ["arn:aws:iam::123:role/Admin"], names: "cluster.adminPrincipalArns[0]", expect: "expected an IAM role or user ARN" },
    { key: "cluster.adminPrincipalArns", value: [], alsoUnset: ["cluster.deployerRoleArn"], expect: "nobody could use the cluster" },
    { key: "cluster.deployerRoleArn", value: "arn:aws:iam::123456789012:user/bob", expect: "expected an IAM role ARN" },
    { key: "cluster.previewPrincipalArns", value: ["preview-role"], names: "cluster.previewPrincipalArns[0]", expect: "expected an IAM role or user ARN" },
    { key: "cluster.workloadIdentity", value: "kiam", expect: "expected podIdentity or irsa" },
    { key: "cluster.addonVersions.coredns", value: "latest", expect: "expected an EKS add-on version" },
    { key: "cluster.addonVersions.kube-proxy", value: "v1.30.1-eksbuild.1", expect: "follows the control plane's minor version" },
    { key: "cluster.addonVersions.aws-load-balancer-controller", value: "v2.8.0-eksbuild.1", expect: "unknown key" },
    { key: "cluster.nodeGroups", value: [], expect: "expected at least one node group" },
    { key: "cluster.nodeGroups", value: [group({ minSize: 0, desiredSize: 0 })], expect: "desiredSize of at least 1" },
    { key: "cluster.nodeGroups", value: [group({ maxSize: 0, minSize: 0, desiredSize: 0 })], names: "cluster.nodeGroups[0].maxSize", expect: "from 1 to 100" },
    { key: "cluster.nodeGroups", value: [group({ minSize: 3 })], names: "cluster.nodeGroups[0]", expect: "minSize <= desiredSize <= maxSize" },
    { key: "cluster.nodeGroups", value: [group({ instanceTypes: ["m6i"] })], names: "cluster.nodeGroups[0].instanceTypes[0]", expect: "expected an EC2 instance type" },
    { key: "cluster.nodeGroups", value: [group({ instanceTypes: ["m7g.large", "m6i.large"] })], names: "cluster.nodeGroups[0].instanceTypes", expect: "one CPU architecture" },
    { key: "cluster.nodeGroups", value: [group(), group()], names: "cluster.nodeGroups[1].name", expect: "unique node group names" },
    { key: "cluster.nodeGroups", value: [group({ capacityType: "spot" })], names: "cluster.nodeGroups[0].capacityType", expect: "expected ON_DEMAND or SPOT" },
    { key: "cluster.nodeGroups", value: [group({ capacityType: "SPOT" })], names: "cluster.nodeGroups[0].placement", expect: "expected placement perZone" },
    { key: "cluster.nodeGroups", value: [group({ diskSizeGiB: 5 })], names: "cluster.nodeGroups[0].diskSizeGiB", expect: "from 20 to 2000" },
    { key: "cluster.nodeGroups", value: [group({ labels: { "bad key!": "x" } })], names: 'cluster.nodeGroups[0].labels["bad key!"]', expect: "expected a Kubernetes label key" },
    // metrics
    { key: "metrics.retention", value: "1d1w", expect: "write 1w1d" },
    { key: "metrics.retention", value: "15 days", expect: "expected a duration" },
    { key: "metrics.retention", value: "0s", expect: "above zero" },
    { key: "metrics.retentionSize", value: "100GB", expect: "at most 90% of metrics.volumeSizeGiB" },
    { key: "metrics.retentionSize", value: "40 GB", expect: "expected a size such as 512MB" },
    { key: "metrics.prometheusReplicas", value: "two", expect: "expected a whole number from 1 to 5" },
    { key: "metrics.alertmanagerReplicas", value: 6, expect: "from 1 to 5" },
    { key: "metrics.resources.cpu", value: "lots", expect: "expected a CPU quantity" },
    { key: "metrics.resources.memory", value: "8GB", expect: "expected a memory quantity" },
    { key: "metrics.scrapeInterval", value: "2m", expect: "shortest rate window" },
    { key: "metrics.volumeSizeGiB", value: "20", expect: "write the number without quotes" },
    // logs
    { key: "logs.mode", value: "microservices", expect: "expected monolithic, distributed or simpleScalable" },
    { key: "logs.retentionDays", value: 0, expect: "from 1 to 3650" },
    { key: "logs.tenantId", value: "team/a", expect: "expected a Loki tenant id" },
    { key: "logs.limits.maxQueryLength", value: "1h30d", expect: "write 30d1h" },
    { key: "logs.limits.ingestionBurstMb", value: 1, expect: "at least logs.limits.ingestionRateMb" },
    { key: "logs.distributed.compactor", value: 2, expect: "from 1 to 1" },
    { key: "logs.caches.chunksCacheMemoryMb", value: -1, expect: "from 0 to 65536" },
    // alerting
    { key: "alerting.groupBy", value: ["alertname", "namespace", "alertname"], names: "alerting.groupBy[2]", expect: "each label once" },
    { key: "alerting.groupBy", value: [], expect: "at least one label" },
    { key: "alerting.groupBy", value: ["alert-name"], names: "alerting.groupBy[0]", expect: "expected a Prometheus label name" },
    { key: "alerting.groupInterval", value: "0s", expect: "above zero" },
    { key: "alerting.groupWait", value: "30", expect: "add a unit" },
    { key: "alerting.repeatInterval", value: "1m", expect: "at least alerting.groupInterval" },
    { key: "alerting.runbookBaseUrl", value: "https://runbooks.example.com/{{ $labels.team }}", expect: "without {{ or }}" },
    { key: "alerting.runbookBaseUrl", value: "http://runbooks.example.com", expect: "expected an https:// URL" },
    { key: "alerting.slack.channel", value: "alerts", expect: "expected a Slack channel" },
    { key: "alerting.slack.webhookUrl", value: WEBHOOK, expect: "unknown key", secret: "LeakedWebhookToken" },
    { key: "alerting.slack", value: WEBHOOK, expect: "expected a mapping", secret: "LeakedWebhookToken" },
    { key: "alerting.pagerduty.enabled", value: "true", expect: "expected true or false" },
    { key: "alerting.errorRateThreshold", value: 5, expect: "expected a ratio between 0 and 1" },
    { key: "alerting.availabilityObjective", value: 1, expect: "from 0.95 to 0.99999" },
    { key: "alerting.latencyP95ThresholdSeconds", value: 0, expect: "above 0 and at most 600" },
    { key: "alerting.httpStatusLabel", value: "http-status", expect: "expected a Prometheus label name" },
    // alerting.teams (config/teams.ts; more in test/teams-routing.test.ts)
    { key: "alerting.teams", value: [{ name: "orders", namespaces: ["orders"], paging: "pagerdutty" }], names: "alerting.teams[0].paging", expect: "expected one of slack, pagerduty, msteams, opsgenie, email, webhook, given" },
    { key: "alerting.teams", value: [{ name: "orders", namespaces: ["orders"], paging: "pagerduty" }], names: "alerting.teams[0].paging", expect: "expected a receiver this team configures (its pagerduty key is absent), given" },
    {
        key: "alerting.teams",
        value: [{ name: "orders", namespaces: ["orders", "shop"] }, { name: "shop", namespaces: ["shop"] }],
        names: "alerting.teams[1].namespaces[0]",
        expect: 'expected a namespace no other team owns, given "shop", already owned by alerting.teams[0] (orders)',
    },
    { key: "alerting.teams", value: [{ name: "orders", namespaces: ["orders", "kube-system"] }], names: "alerting.teams[0].namespaces[1]", expect: 'expected an application namespace, given "kube-system"' },
    { key: "alerting.teams", value: [{ name: "orders", namespaces: ["orders"] }, { name: "orders", namespaces: ["shop"] }], names: "alerting.teams[1].name", expect: 'expected each team name once, given "orders" again' },
    // A receiver whose only setting is its secret: the URL given in the stack file is refused, pointing at teamSecrets (and never shown).
    {
        key: "alerting.teams",
        value: [{ name: "orders", namespaces: ["orders"], paging: "webhook", webhook: { url: "https://hooks.example.com/LeakedTeamHookToken" } }],
        names: "alerting.teams[0].webhook.url",
        expect: "unknown key; expected an empty mapping {}: the URL is the secret teamSecrets.orders.webhookUrl (pulumi config set --secret --path 'teamSecrets.orders.webhookUrl' <value>)",
        secret: "LeakedTeamHookToken",
    },
    // grafana
    { key: "grafana.hostname", value: "Grafana Host", expect: "expected a DNS hostname" },
    { key: "grafana.hostname", value: "grafana.example.com", expect: "expected grafana.tlsCertificateArn with it" },
    { key: "grafana.tlsCertificateArn", value: "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e", expect: "needs a hostname" },
    { key: "grafana.persistenceSizeGiB", value: 0, expect: "from 1 to 100" },
    { key: "grafana.hostedZoneId", value: "example.com", expect: "expected a Route 53 hosted zone id" },
    { key: "grafana.hostedZoneId", value: "Z0123456789ABCDEFGHIJ", expect: "expected grafana.hostname and grafana.tlsCertificateArn with it" },
    { key: "grafana.adminPassword", value: "Hunter2HiddenPassword", expect: "unknown key", secret: "Hunter2HiddenPassword" },
];

/** Path segments of `cluster.nodeGroups[0].maxSize`. */
function segments(key: string): (string | number)[] {
    return [...key.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[0]));
}

function setPath(config: Record<string, unknown>, key: string, value: unknown): void {
    const [top, ...rest] = segments(key);
    const full = `${P}:${String(top)}`;
    if (rest.length === 0) {
        if (value === undefined) delete config[full];
        else config[full] = value;
        return;
    }
    let node = (config[full] ??= {}) as Record<string | number, unknown>;
    rest.slice(0, -1).forEach((seg) => {
        node = (node[seg] ??= {}) as Record<string | number, unknown>;
    });
    const last = rest[rest.length - 1] as string | number;
    if (value === undefined) delete node[last];
    else node[last] = value;
}

/** The committed stack file of `env` with `edit` applied, written to a fresh folder. */
function stackFileWith(env: "dev" | "prod", edit: (config: Record<string, unknown>) => void): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, unknown> };
    edit(doc.config);
    const file = path.join(tmp("plg-mistake-"), `Pulumi.${env}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

function applyMistake(m: Mistake) {
    return (config: Record<string, unknown>) => {
        if (m.raw) config[m.key] = m.value;
        else setPath(config, m.key, m.value);
        for (const k of m.alsoUnset ?? []) setPath(config, k, undefined);
    };
}

/** Render the stack file; it must be refused with nothing written. Returns what it printed. */
async function refused(env: string, file: string): Promise<string> {
    const out = path.join(tmp("plg-mistake-out-"), "out");
    const r = await renderQuietly([env, "--stack-file", file, "--out", out]);
    const printed = `${r.stdout}${r.stderr}`;
    assert.equal(r.code, 1, `expected render to refuse the stack; it printed:\n${printed}`);
    assert.ok(!fs.existsSync(out), "render wrote output for a refused stack");
    return printed;
}

const label = (m: Mistake) => {
    const value = m.value === undefined ? "(removed)" : JSON.stringify(m.value);
    return `${m.raw ? m.key : `${P}:${m.key}`} = ${value.length > 50 ? `${value.slice(0, 47)}...` : value} -> "${m.expect}"`;
};

describe("config mistakes: each refused by render before anything is written, naming the key (dev and prod)", function () {
    this.timeout(120_000);

    it("the table holds at least 60 distinct mistakes", () => {
        assert.equal(new Set(MISTAKES.map((m) => JSON.stringify([m.key, m.value]))).size, MISTAKES.length, "a row is repeated");
        assert.ok(MISTAKES.length >= 60, `${MISTAKES.length} rows`);
    });

    for (const env of ["dev", "prod"] as const) {
        describe(env, () => {
            for (const m of MISTAKES) {
                it(label(m), async () => {
                    const printed = await refused(env, stackFileWith(env, applyMistake(m)));
                    const names = `${P}:${m.names ?? m.key}: `;
                    const line = printed.split("\n").find((l) => l.startsWith(`  - ${names}`) && l.includes(m.expect));
                    assert.ok(line, `no problem line starting with "${names}" and saying "${m.expect}"; render printed:\n${printed}`);
                    if (m.secret) assert.ok(!printed.includes(m.secret), `render showed a value that may be a secret:\n${printed}`);
                });
            }
        });
    }
});

describe("config mistakes: several at once", function () {
    this.timeout(60_000);

    for (const env of ["dev", "prod"] as const) {
        it(`${env}: a type error in one key and a cross-key rule broken elsewhere are both reported, counted in English`, async () => {
            const printed = await refused(
                env,
                stackFileWith(env, (c) => {
                    setPath(c, "metrics.prometheusReplicas", "two");
                    setPath(c, "alerting.repeatInterval", "1m");
                    setPath(c, "cluster.endpoint.publicAccess", false);
                }),
            );
            assert.match(printed, /invalid configuration \(3 problems\):/);
            assert.match(printed, /^ {2}- plg-observability:metrics\.prometheusReplicas: expected a whole number from 1 to 5, given "two"$/m);
            assert.match(printed, /^ {2}- plg-observability:alerting\.repeatInterval: expected at least alerting\.groupInterval \(5m\), given "1m"$/m);
            assert.match(printed, /^ {2}- plg-observability:cluster\.endpoint\.publicAccess: a private-only endpoint/m);
        });

        it(`${env}: one problem reads "1 problem"`, async () => {
            const printed = await refused(env, stackFileWith(env, (c) => setPath(c, "logs.mode", "microservices")));
            assert.match(printed, /invalid configuration \(1 problem\):/);
            assert.doesNotMatch(printed, /\(1 problems\)/);
        });
    }
});

describe("config: accepted edge values render files Alertmanager and Prometheus accept", function () {
    this.timeout(60_000);

    /** Settings from the dev stack file with `edit`, which the config must accept. */
    function acceptedSettings(env: "dev" | "prod", edit: (c: Record<string, unknown>) => void) {
        const file = stackFileWith(env, edit);
        const r = parseSettings(readStackConfig(ROOT, file).config);
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        return r.settings;
    }

    const EDGES: readonly { what: string; edit: (c: Record<string, unknown>) => void }[] = [
        {
            what: "many groupBy labels, groupWait 0s, a compound groupInterval, a one-year repeat",
            edit: (c) => setPath(c, "alerting", { groupBy: ["alertname", "namespace", "cluster", "severity", "job"], groupWait: "0s", groupInterval: "1h30m", repeatInterval: "1y" }),
        },
        { what: "the smallest intervals", edit: (c) => setPath(c, "alerting", { groupBy: ["alertname"], groupWait: "0", groupInterval: "1ms", repeatInterval: "1ms" }) },
        { what: "a runbook URL with a path, query and fragment", edit: (c) => setPath(c, "alerting.runbookBaseUrl", "https://wiki.example.com/runbooks/plg-%7Bx%7D?team=a&x=$1#top") },
        { what: "the shortest scrape interval (1s)", edit: (c) => setPath(c, "metrics.scrapeInterval", "1s") },
        { what: "the longest scrape interval (1m15s)", edit: (c) => setPath(c, "metrics.scrapeInterval", "1m15s") },
    ];

    for (const env of ["dev", "prod"] as const) {
        for (const edge of EDGES) {
            it(`${env}, ${edge.what}: amtool check-config and promtool check rules pass`, function () {
                const amtool = requireBinary(this, "amtool", "prometheus-alertmanager");
                const promtool = requireBinary(this, "promtool", "prometheus");
                const settings = acceptedSettings(env, edge.edit);
                const dir = tmp("plg-edge-");
                const am = kpsValuesInput(settings, "plg-edge", "gp3").alertmanager;
                for (const [name, text] of Object.entries(am.templateFiles)) fs.writeFileSync(path.join(dir, name), text);
                const templates = am.config.templates.map((t) => t.replace(TEMPLATE_DIR, dir));
                fs.writeFileSync(path.join(dir, "alertmanager.yaml"), stringify({ ...am.config, templates }));
                const amCheck = run(amtool, ["check-config", path.join(dir, "alertmanager.yaml")]);
                assert.equal(amCheck.code, 0, amCheck.output);
                fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(buildPrometheusRules(metricsRulesInput(settings))));
                const rulesCheck = run(promtool, ["check", "rules", "rules.yaml"], dir);
                assert.equal(rulesCheck.code, 0, rulesCheck.output);
            });
        }
    }
});
