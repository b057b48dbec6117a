import { SECRET_KEYS, type SecretKey, type Settings } from "./schema";
import { cidrContains, durationSeconds, parseCidr } from "./validators";
import { MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS, isGraviton } from "../components/aws/cluster-builders";
import { scrapeIntervalProblem } from "../components/k8s/metrics/rules";

/** A problem found across several keys: the path it belongs to and what is wrong. */
export interface Problem {
    readonly path: readonly (string | number)[];
    readonly message: string;
}

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15, EB: 1e18 };

/** Bytes in a Prometheus size such as 40GB (decimal units, as Prometheus reads them). */
export function byteSizeBytes(size: string): number {
    const m = /^(\d+)([A-Z]+)$/.exec(size);
    return m ? Number(m[1]) * (BYTE_UNITS[m[2] as string] ?? NaN) : NaN;
}

/** Class and size of an instance type (m6i.large -> m.large): types that share it are interchangeable. */
function instanceShape(instanceType: string): string {
    const [family = "", size = ""] = instanceType.split(".");
    return `${/^[a-z]+/.exec(family)?.[0] ?? family}.${size}`;
}

/** The platform's pods that run one replica on an EBS volume: stranded when their zone has no node. */
function singleReplicaVolumePods(s: Settings): string[] {
    return [
        ...(s.metrics.prometheusReplicas === 1 ? ["Prometheus"] : []),
        ...(s.metrics.alertmanagerReplicas === 1 ? ["Alertmanager"] : []),
        ...(s.logs.mode === "monolithic" && s.logs.replicas === 1 ? ["Loki"] : []),
        "Grafana",
    ];
}

function overlaps(a: string, b: string): boolean {
    return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * Rules that span keys (or secrets), run after every key has its own type and range.
 * `secrets` holds raw secret values only to check presence and shape; a value never enters a message.
 */
export function checkSettings(s: Settings, secrets: Partial<Record<SecretKey, string>>): Problem[] {
    const problems: Problem[] = [];
    const add = (path: (string | number)[], message: string) => problems.push({ path, message });
    const prod = s.environment === "prod";

    // Secrets: required by the features that use them, and well-formed (value never echoed).
    const needSecret = (enabled: boolean, key: SecretKey, path: (string | number)[], feature: string) => {
        if (enabled && !secrets[key]) {
            add(path, `${feature} is enabled but the secret ${key} is not set; expected \`pulumi config set --secret ${key} <value>\`, given nothing`);
        }
    };
    needSecret(s.alerting.slack.enabled, "slackWebhookUrl", ["alerting", "slack", "enabled"], "Slack");
    needSecret(s.alerting.pagerduty.enabled, "pagerdutyRoutingKey", ["alerting", "pagerduty", "enabled"], "PagerDuty");
    for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
        const value = secrets[key];
        const spec = SECRET_KEYS[key];
        if (value !== undefined && !spec.looksValid(value)) {
            add([key], `expected ${spec.expected}, given a value that is not (hidden: it is a secret)`);
        }
    }

    // High availability in production.
    if (prod && s.metrics.alertmanagerReplicas < 2) {
        add(["metrics", "alertmanagerReplicas"], `prod needs a clustered Alertmanager; expected at least 2, given ${s.metrics.alertmanagerReplicas}`);
    }
    if (prod && s.metrics.prometheusReplicas < 2) {
        add(["metrics", "prometheusReplicas"], `prod needs an HA Prometheus pair; expected at least 2, given ${s.metrics.prometheusReplicas}`);
    }
    if (prod && s.logs.mode !== "distributed" && s.logs.replicas < 3) {
        add(["logs", "replicas"], `prod Loki replicates each stream 3 times; expected at least 3 replicas, given ${s.logs.replicas}`);
    }
    if (prod && s.logs.mode === "distributed" && s.logs.distributed.ingester < 3) {
        add(["logs", "distributed", "ingester"], `prod Loki replicates each stream 3 times; expected at least 3 ingesters, given ${s.logs.distributed.ingester}`);
    }
    // Warnings reach people only through Slack; prod must not drop them silently.
    if (prod && !s.alerting.slack.enabled) {
        add(["alerting", "slack", "enabled"], "prod sends warnings (latency, slow burn, targets down, log alerts) only to Slack; expected true, given false");
    }

    // Prometheus must stop by size before the volume fills.
    const volumeBytes = s.metrics.volumeSizeGiB * 2 ** 30;
    if (byteSizeBytes(s.metrics.retentionSize) > 0.9 * volumeBytes) {
        add(
            ["metrics", "retentionSize"],
            `expected at most 90% of metrics.volumeSizeGiB (${Math.floor((0.9 * volumeBytes) / 1e9)}GB), given ${JSON.stringify(s.metrics.retentionSize)}`,
        );
    }

    // Prometheus scrapes and evaluates rules every metrics.scrapeInterval: the alert rules' rate windows need enough scrapes.
    const scrapeProblem = scrapeIntervalProblem(s.metrics.scrapeInterval);
    if (scrapeProblem !== undefined) add(["metrics", "scrapeInterval"], scrapeProblem);

    // Loki limits.
    if (s.logs.limits.ingestionBurstMb < s.logs.limits.ingestionRateMb) {
        add(["logs", "limits", "ingestionBurstMb"], `expected at least logs.limits.ingestionRateMb (${s.logs.limits.ingestionRateMb}), given ${s.logs.limits.ingestionBurstMb}`);
    }

    // Alertmanager timers.
    if (durationSeconds(s.alerting.groupInterval) > durationSeconds(s.alerting.repeatInterval)) {
        add(["alerting", "repeatInterval"], `expected at least alerting.groupInterval (${s.alerting.groupInterval}), given ${JSON.stringify(s.alerting.repeatInterval)}`);
    }

    // Network.
    const net = s.network;
    if (net.mode === "create") {
        const vpcPrefix = parseCidr(net.cidr)?.prefix;
        if (vpcPrefix !== undefined && (vpcPrefix < 16 || vpcPrefix > 28)) {
            add(["network", "cidr"], `AWS VPCs are /16 to /28; expected such a CIDR, given ${JSON.stringify(net.cidr)}`);
        } else if (vpcPrefix !== undefined && vpcPrefix > MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS && (!net.privateSubnetCidrs || !net.publicSubnetCidrs)) {
            add(
                ["network", "cidr"],
                `computed subnets need a VPC of /${MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS} or larger; expected a larger network.cidr or both privateSubnetCidrs and publicSubnetCidrs, given ${JSON.stringify(net.cidr)}`,
            );
        }
        for (const kind of ["privateSubnetCidrs", "publicSubnetCidrs"] as const) {
            const list = net[kind];
            if (!list) continue;
            if (list.length !== net.azCount) {
                add(["network", kind], `expected one CIDR per AZ (network.azCount = ${net.azCount}), given ${list.length}`);
            }
            list.forEach((c, i) => {
                if (!cidrContains(net.cidr, c)) add(["network", kind, i], `expected a CIDR inside network.cidr ${net.cidr}, given ${JSON.stringify(c)}`);
            });
        }
        const all = [...(net.privateSubnetCidrs ?? []), ...(net.publicSubnetCidrs ?? [])];
        for (let i = 0; i < all.length; i++) {
            for (let j = i + 1; j < all.length; j++) {
                if (parseCidr(all[i] as string) && overlaps(all[i] as string, all[j] as string)) {
                    add(["network"], `expected subnet CIDRs that do not overlap, given ${all[i]} and ${all[j]}`);
                }
            }
        }
    } else if (s.cluster.existing === undefined) {
        if (net.privateSubnetIds.length < 2) {
            add(["network", "privateSubnetIds"], `an existing VPC needs private subnets in at least 2 AZs for EKS; expected at least 2 subnet ids, given ${net.privateSubnetIds.length}`);
        }
    }

    // Cluster endpoint: someone must be able to reach it (a brought cluster's endpoint is not ours).
    const ep = s.cluster.endpoint;
    const created = s.cluster.existing === undefined;
    if (created && !ep.privateAccess && !ep.publicAccess) {
        add(["cluster", "endpoint"], "expected privateAccess or publicAccess to be true, given both false (the API server would be unreachable)");
    }
    if (created && !ep.publicAccess && !ep.deployerInVpc) {
        add(
            ["cluster", "endpoint", "publicAccess"],
            "a private-only endpoint leaves `pulumi up` no path to the cluster; expected publicAccess true (with publicAccessCidrs) or endpoint.deployerInVpc true (VPN, peering or an in-VPC runner), given publicAccess false",
        );
    }
    if (created && prod && ep.publicAccess && (ep.publicAccessCidrs.length === 0 || ep.publicAccessCidrs.includes("0.0.0.0/0"))) {
        add(
            ["cluster", "endpoint", "publicAccessCidrs"],
            `prod restricts the public endpoint; expected CIDRs other than 0.0.0.0/0 (or publicAccess false), given ${JSON.stringify(ep.publicAccessCidrs)}`,
        );
    }

    // Node groups.
    const seen = new Set<string>();
    s.cluster.nodeGroups.forEach((g, i) => {
        if (!(g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize)) {
            add(["cluster", "nodeGroups", i], `expected minSize <= desiredSize <= maxSize, given ${g.minSize} <= ${g.desiredSize} <= ${g.maxSize}`);
        }
        const arm = g.instanceTypes.filter(isGraviton).length;
        if (arm > 0 && arm < g.instanceTypes.length) {
            add(["cluster", "nodeGroups", i, "instanceTypes"], `a node group runs one CPU architecture; expected all arm64 (Graviton) or all x86_64 types, given ${g.instanceTypes.join(", ")}`);
        }
        if (seen.has(g.name)) add(["cluster", "nodeGroups", i, "name"], `expected unique node group names, given ${JSON.stringify(g.name)} twice`);
        seen.add(g.name);
        if (!created) return;
        const shapes = new Set(g.instanceTypes.map(instanceShape));
        if (shapes.size > 1) {
            add(
                ["cluster", "nodeGroups", i, "instanceTypes"],
                `a node group's types must be interchangeable, so its capacity does not depend on which one is handed out; expected one class and size (such as m6i.large, m6a.large, m5.large), given ${g.instanceTypes.join(", ")}`,
            );
        }
        if (g.capacityType !== "SPOT") return;
        if (g.instanceTypes.length < 2) {
            add(
                ["cluster", "nodeGroups", i, "instanceTypes"],
                `a SPOT group needs several interchangeable types, so one reclaimed capacity pool does not leave it without nodes; expected at least 2, given ${g.instanceTypes.join(", ")}`,
            );
        }
        if (g.placement !== "perZone" || g.minSize < 1) {
            add(
                ["cluster", "nodeGroups", i, "placement"],
                `spot nodes are reclaimed and replaced in any zone with capacity, which strands single-replica pods whose EBS volume is in another zone (${singleReplicaVolumePods(s).join(", ")}); expected placement perZone with minSize >= 1, given placement ${g.placement} with minSize ${g.minSize}`,
            );
        }
    });

    // Add-ons: kube-proxy must run the control plane's minor version.
    const kubeProxy = s.cluster.addonVersions["kube-proxy"];
    if (created && kubeProxy !== undefined && !kubeProxy.startsWith(`v${s.cluster.kubernetesVersion}.`)) {
        add(
            ["cluster", "addonVersions", "kube-proxy"],
            `kube-proxy follows the control plane's minor version; expected v${s.cluster.kubernetesVersion}.<patch>-eksbuild.<n> (cluster.kubernetesVersion ${s.cluster.kubernetesVersion}), given ${kubeProxy}`,
        );
    }

    // Grafana: a hostname is only served through the HTTPS ingress, so it needs a certificate.
    if (s.grafana.hostname !== undefined && s.grafana.tlsCertificateArn === undefined) {
        add(["grafana", "hostname"], `Grafana is served on a hostname only over HTTPS; expected grafana.tlsCertificateArn with it, given hostname ${JSON.stringify(s.grafana.hostname)} and no certificate`);
    }
    if (s.grafana.tlsCertificateArn !== undefined) {
        if (s.grafana.hostname === undefined) {
            add(["grafana", "tlsCertificateArn"], "a certificate needs a hostname; expected grafana.hostname to be set, given none");
        }
        const certRegion = s.grafana.tlsCertificateArn.split(":")[3];
        if (certRegion !== s.aws.region) {
            add(["grafana", "tlsCertificateArn"], `expected a certificate in aws.region ${s.aws.region}, given one in ${certRegion}`);
        }
    }
    return problems;
}
