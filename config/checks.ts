import { EKS_SUPPORT_ENDS, SECRET_KEYS, SUPPORTED_KUBERNETES_VERSIONS, type SecretKey, type Settings } from "./schema";
import { requiredSecrets, secretName, secretPresent, secretSetCommand } from "./secrets";
import { TEAM_CHECKS } from "./teams";
import { cidrContains, durationSeconds, parseCidr } from "./validators";
import { MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS, isGraviton, planSubnets } from "../components/aws/cluster-builders";
import { scrapeIntervalProblem } from "../components/k8s/metrics/rules";
import { grafanaDatabaseChecks } from "./grafana-database-checks";
import { localClusterChecks } from "./local-checks";

/**
 * Rules that span keys (or secrets). They run after zod even when zod found problems: each check
 * reads the settings through a view that stops it (see `guardedView`) the moment it reads a value
 * zod refused, so a check runs exactly when everything it reads is valid, and the others still run.
 */

/** A path into the settings, such as ["cluster", "nodeGroups", 0, "maxSize"]. */
export type SettingPath = readonly (string | number)[];

/** A problem (or warning) found across several keys: the path it belongs to and what is wrong. */
export interface Problem {
    readonly path: SettingPath;
    readonly message: string;
}

/** What a check may read besides the settings, and where it reports. */
export interface CheckContext {
    /** Raw secret values, only to check presence and shape; a value never enters a message. */
    readonly secrets: Partial<Record<SecretKey, string>>;
    /** What the stack file itself sets (before the profile fills the rest), for rules about what the user wrote. */
    readonly given: Readonly<Record<string, unknown>>;
    /** Today, for rules that depend on dates (EKS version support windows). */
    readonly today: Date;
    problem(path: SettingPath, message: string): void;
    warning(path: SettingPath, message: string): void;
    /** Runs `part` on its own: when it reads an invalid value only that part is skipped. */
    part(part: () => void): void;
}

export interface Check {
    /** What the rule protects, for reading the list. */
    readonly name: string;
    run(s: Settings, ctx: CheckContext): void;
}

// ------------------------------------------------------------------ a view that skips on invalid values

/** Thrown (and caught by the runner) when a check reads a value zod refused. */
class Skip {}

/** A path as a set member. */
export const pathId = (path: SettingPath): string => JSON.stringify(path);

/**
 * A read-only view of `value` that throws Skip when a property at one of `invalid` is read. Reading
 * anything valid (objects, lists, their valid members) works as on the plain data.
 */
export function guardedView<T>(value: T, invalid: ReadonlySet<string>, path: SettingPath = []): T {
    if (value === null || typeof value !== "object") return value;
    const children = new Map<PropertyKey, unknown>();
    return new Proxy(value as object, {
        get(target, key, receiver) {
            if (typeof key === "symbol") return Reflect.get(target, key, receiver);
            const segment = Array.isArray(target) && /^\d+$/.test(key) ? Number(key) : key;
            const childPath = [...path, segment];
            if (invalid.has(pathId(childPath))) throw new Skip();
            const child: unknown = Reflect.get(target, key, receiver);
            if (child === null || typeof child !== "object" || !Object.hasOwn(target, key)) return child;
            if (!children.has(key)) children.set(key, guardedView(child, invalid, childPath));
            return children.get(key);
        },
        set: () => false,
        deleteProperty: () => false,
        defineProperty: () => false,
    }) as T;
}

/** Run every check on the view; a check (or part) that reads an invalid value is skipped, the others run. */
export function runChecks(
    view: Settings,
    env: Pick<CheckContext, "secrets" | "given"> & { readonly today?: Date },
    checks: readonly Check[] = CHECKS,
): { problems: Problem[]; warnings: Problem[] } {
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const guarded = (fn: () => void): void => {
        try {
            fn();
        } catch (e) {
            if (!(e instanceof Skip)) throw e;
        }
    };
    const ctx: CheckContext = {
        ...env,
        today: env.today ?? new Date(),
        problem: (path, message) => problems.push({ path, message }),
        warning: (path, message) => warnings.push({ path, message }),
        part: guarded,
    };
    for (const check of checks) guarded(() => check.run(view, ctx));
    return { problems, warnings };
}

// ------------------------------------------------------------------ helpers

/** Whole days from one YYYY-MM-DD date to another. */
function daysBetween(from: string, to: string): number {
    return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
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

/** An EKS cluster the program creates: neither brought (cluster.existing) nor any cluster by kubeconfig. */
const created = (s: Settings): boolean => s.cluster.existing === undefined && s.cluster.kubeconfig === undefined;
const prod = (s: Settings): boolean => s.environment === "prod";
/** Team receivers that post to a channel or inbox and wake nobody (webhook may be a pager: not listed). */
const CHAT_ONLY_RECEIVERS: readonly string[] = ["slack", "msteams", "email"];

// ------------------------------------------------------------------ the checks

const secretChecks: Check[] = [
    {
        name: "a receiver that is on has its secret",
        run(s, ctx) {
            for (const r of requiredSecrets(s)) {
                if (!secretPresent(r, ctx.secrets)) {
                    ctx.problem(r.path, `${r.feature} is enabled but the secret ${secretName(r)} is not set; expected \`${secretSetCommand(r)}\`, given nothing`);
                }
            }
        },
    },
    {
        name: "secrets have their service's shape (never echoed)",
        run(_s, ctx) {
            for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
                const value = ctx.secrets[key];
                const spec = SECRET_KEYS[key];
                if (value !== undefined && !spec.looksValid(value)) {
                    ctx.problem([key], `expected ${spec.expected}, given a value that is not (hidden: it is a secret)`);
                }
            }
        },
    },
];

const productionChecks: Check[] = [
    {
        name: "prod: clustered Alertmanager",
        run(s, ctx) {
            if (prod(s) && s.metrics.alertmanagerReplicas < 2) {
                ctx.problem(["metrics", "alertmanagerReplicas"], `prod needs a clustered Alertmanager; expected at least 2, given ${s.metrics.alertmanagerReplicas}`);
            }
        },
    },
    {
        name: "prod: HA Prometheus",
        run(s, ctx) {
            if (prod(s) && s.metrics.prometheusReplicas < 2) {
                ctx.problem(["metrics", "prometheusReplicas"], `prod needs an HA Prometheus pair; expected at least 2, given ${s.metrics.prometheusReplicas}`);
            }
        },
    },
    {
        name: "prod: Loki replicates each stream 3 times",
        run(s, ctx) {
            if (!prod(s)) return;
            if (s.logs.mode !== "distributed" && s.logs.replicas < 3) {
                ctx.problem(["logs", "replicas"], `prod Loki replicates each stream 3 times; expected at least 3 replicas, given ${s.logs.replicas}`);
            }
            if (s.logs.mode === "distributed" && s.logs.distributed.ingester < 3) {
                ctx.problem(["logs", "distributed", "ingester"], `prod Loki replicates each stream 3 times; expected at least 3 ingesters, given ${s.logs.distributed.ingester}`);
            }
        },
    },
    {
        // Warnings reach people only through Slack; prod must not drop them silently.
        name: "prod: warnings have a receiver",
        run(s, ctx) {
            if (prod(s) && !s.alerting.slack.enabled) {
                ctx.problem(["alerting", "slack", "enabled"], "prod sends warnings (latency, slow burn, targets down, log alerts) only to Slack; expected true, given false");
            }
        },
    },
    {
        // A team's critical alerts go only to its paging receiver; a chat channel wakes nobody at night.
        name: "prod: a team's critical alerts page someone",
        run(s, ctx) {
            if (!prod(s)) return;
            s.alerting.teams.forEach((t, i) => {
                if (t.paging !== undefined && CHAT_ONLY_RECEIVERS.includes(t.paging)) {
                    ctx.warning(
                        ["alerting", "teams", i, "paging"],
                        `prod: team ${t.name}'s critical alerts page nobody (they go only to ${t.paging}, not to the platform's PagerDuty); expected pagerduty or opsgenie, or no paging (the platform's routes), given ${JSON.stringify(t.paging)}`,
                    );
                }
            });
        },
    },
    {
        // A dead Prometheus, Alertmanager or receiver Secret sends nothing: only an outside heartbeat notices the silence.
        name: "prod: the alert path has a dead man's switch",
        run(s, ctx) {
            if (prod(s) && !s.alerting.heartbeat.enabled) {
                ctx.warning(
                    ["alerting", "heartbeat", "enabled"],
                    "prod's alert path can die silently; expected true (with `pulumi config set --secret heartbeatUrl <https URL>` of a healthchecks.io, Opsgenie or PagerDuty heartbeat), given false",
                );
            }
        },
    },
];

const ssoChecks: Check[] = [
    {
        name: "single sign-on has its client and endpoints",
        run(s, ctx) {
            const sso = s.grafana.sso;
            if (sso.provider === "none") return;
            if (sso.clientId === undefined) ctx.problem(["grafana", "sso", "clientId"], `expected the OAuth client id of the ${sso.provider} application, given nothing`);
            if (sso.provider === "genericOidc") {
                for (const key of ["authUrl", "tokenUrl", "apiUrl"] as const) {
                    if (sso[key] === undefined) ctx.problem(["grafana", "sso", key], "expected the provider's https:// endpoint (generic OIDC), given nothing");
                }
            }
        },
    },
];

const telemetryChecks: Check[] = [
    {
        name: "Prometheus stops by size before its volume fills",
        run(s, ctx) {
            const volumeBytes = s.metrics.volumeSizeGiB * 2 ** 30;
            if (byteSizeBytes(s.metrics.retentionSize) > 0.9 * volumeBytes) {
                ctx.problem(
                    ["metrics", "retentionSize"],
                    `expected at most 90% of metrics.volumeSizeGiB (${Math.floor((0.9 * volumeBytes) / 1e9)}GB), given ${JSON.stringify(s.metrics.retentionSize)}`,
                );
            }
        },
    },
    {
        // Prometheus scrapes and evaluates rules every metrics.scrapeInterval: the alert rules' rate windows need enough scrapes.
        name: "the scrape interval suits the alert rules",
        run(s, ctx) {
            const problem = scrapeIntervalProblem(s.metrics.scrapeInterval);
            if (problem !== undefined) ctx.problem(["metrics", "scrapeInterval"], problem);
        },
    },
    {
        // The sample service pushes to the gateway's Service; without the gateway nothing listens there.
        name: "a sample service that pushes OTLP has the gateway to push to",
        run(s, ctx) {
            if (s.sampleApp.enabled && s.sampleApp.metricsExporter === "otlp" && !s.otlp.enabled) {
                ctx.problem(["sampleApp", "metricsExporter"], "otlp needs the OTLP gateway: set otlp.enabled to true, or use prometheus (scraped on /metrics); otlp.enabled is false");
            }
        },
    },
    {
        // Thanos downsamples raw into 5m and 5m into 1h: a coarser resolution kept shorter than a finer
        // one is never read (Thanos docs, "Compactor: Downsampling"), and a raw retention below
        // Prometheus's own would drop from S3 what the local disk still holds.
        name: "long-term retention goes from fine to coarse and outlives Prometheus's own",
        run(s, ctx) {
            const r = s.metrics.longTerm.retentionDays;
            ctx.part(() => {
                const localDays = Math.ceil(durationSeconds(s.metrics.retention) / 86400);
                if (s.metrics.longTerm.enabled && r.raw < localDays) {
                    ctx.problem(["metrics", "longTerm", "retentionDays", "raw"], `expected at least metrics.retention (${s.metrics.retention}, ${localDays} days), given ${r.raw}`);
                }
            });
            ctx.part(() => {
                if (r.fiveMinutes < r.raw) ctx.problem(["metrics", "longTerm", "retentionDays", "fiveMinutes"], `expected at least metrics.longTerm.retentionDays.raw (${r.raw}), given ${r.fiveMinutes}`);
            });
            ctx.part(() => {
                if (r.oneHour < r.fiveMinutes) {
                    ctx.problem(["metrics", "longTerm", "retentionDays", "oneHour"], `expected at least metrics.longTerm.retentionDays.fiveMinutes (${r.fiveMinutes}), given ${r.oneHour}`);
                }
            });
        },
    },
    {
        name: "Loki's ingestion burst holds its rate",
        run(s, ctx) {
            const { ingestionBurstMb, ingestionRateMb } = s.logs.limits;
            if (ingestionBurstMb < ingestionRateMb) {
                ctx.problem(["logs", "limits", "ingestionBurstMb"], `expected at least logs.limits.ingestionRateMb (${ingestionRateMb}), given ${ingestionBurstMb}`);
            }
        },
    },
    {
        name: "per-team log limits name declared teams and keep their burst above their rate",
        run(s, ctx) {
            const teams = s.alerting.teams.map((t) => t.name);
            for (const [team, limits] of Object.entries(s.logs.teamLimits)) {
                ctx.part(() => {
                    if (!teams.includes(team)) {
                        ctx.problem(
                            ["logs", "teamLimits", team],
                            `expected the name of a team in alerting.teams (${teams.join(", ") || "none declared"}), given ${JSON.stringify(team)}`,
                        );
                        return;
                    }
                    const rate = limits.ingestionRateMb ?? s.logs.limits.ingestionRateMb;
                    const burst = limits.ingestionBurstMb ?? s.logs.limits.ingestionBurstMb;
                    if (burst < rate) {
                        ctx.problem(["logs", "teamLimits", team, "ingestionBurstMb"], `expected at least the team's ingestionRateMb (${rate}), given ${burst}`);
                    }
                });
            }
        },
    },
    {
        // A team's logs go to the Loki tenant named after it (the platform's namespaces are no team's: config/teams.ts).
        name: "a team's Loki tenant is not the platform's",
        run(s, ctx) {
            s.alerting.teams.forEach((t, i) =>
                ctx.part(() => {
                    if (t.name === s.logs.tenantId) {
                        ctx.problem(
                            ["alerting", "teams", i, "name"],
                            `a team's logs go to a Loki tenant named after it; expected a name other than logs.tenantId (${s.logs.tenantId}), given ${JSON.stringify(t.name)}`,
                        );
                    }
                }),
            );
        },
    },
    {
        name: "Alertmanager repeats no faster than it groups",
        run(s, ctx) {
            const { groupInterval, repeatInterval } = s.alerting;
            if (durationSeconds(groupInterval) > durationSeconds(repeatInterval)) {
                ctx.problem(["alerting", "repeatInterval"], `expected at least alerting.groupInterval (${groupInterval}), given ${JSON.stringify(repeatInterval)}`);
            }
        },
    },
];

const networkChecks: Check[] = [
    {
        name: "a created VPC has a size AWS allows and room for computed subnets",
        run(s, ctx) {
            const net = s.network;
            if (!created(s) || net.mode !== "create") return;
            const vpcPrefix = parseCidr(net.cidr)?.prefix;
            if (vpcPrefix === undefined) return;
            if (vpcPrefix < 16 || vpcPrefix > 28) {
                ctx.problem(["network", "cidr"], `AWS VPCs are /16 to /28; expected such a CIDR, given ${JSON.stringify(net.cidr)}`);
            } else if (vpcPrefix > MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS && (!net.privateSubnetCidrs || !net.publicSubnetCidrs)) {
                ctx.problem(
                    ["network", "cidr"],
                    `computed subnets need a VPC of /${MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS} or larger; expected a larger network.cidr or both privateSubnetCidrs and publicSubnetCidrs, given ${JSON.stringify(net.cidr)}`,
                );
            }
        },
    },
    {
        name: "explicit subnet CIDRs: one per AZ, inside the VPC",
        run(s, ctx) {
            const net = s.network;
            if (!created(s) || net.mode !== "create") return;
            for (const kind of ["privateSubnetCidrs", "publicSubnetCidrs"] as const) {
                ctx.part(() => {
                    const list = net[kind];
                    if (!list) return;
                    if (list.length !== net.azCount) {
                        ctx.problem(["network", kind], `expected one CIDR per AZ (network.azCount = ${net.azCount}), given ${list.length}`);
                    }
                    list.forEach((c, i) => {
                        if (!cidrContains(net.cidr, c)) ctx.problem(["network", kind, i], `expected a CIDR inside network.cidr ${net.cidr}, given ${JSON.stringify(c)}`);
                    });
                });
            }
        },
    },
    {
        // The subnet planner (components/aws/cluster-builders.ts) is the one place of the layout rule:
        // run it here so what it would refuse in `pulumi up` is a configuration error now.
        name: "subnets do not overlap, computed ones included",
        run(s, ctx) {
            const net = s.network;
            if (!created(s) || net.mode !== "create") return;
            const prefix = parseCidr(net.cidr)?.prefix;
            const explicit = { privateSubnetCidrs: net.privateSubnetCidrs, publicSubnetCidrs: net.publicSubnetCidrs };
            const computedNeeded = !explicit.privateSubnetCidrs || !explicit.publicSubnetCidrs;
            // The size check above reports a VPC the planner cannot cut.
            if (prefix === undefined || prefix < 16 || prefix > 28 || (computedNeeded && prefix > MAX_VPC_PREFIX_FOR_COMPUTED_SUBNETS)) return;
            try {
                planSubnets({ vpcCidr: net.cidr, azCount: net.azCount, ...explicit });
            } catch (e) {
                if (!(e instanceof Error)) throw e; // a Skip: an explicit list holds an invalid CIDR
                const [a = "", b = ""] = e.message.match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? [];
                const owner = (["privateSubnetCidrs", "publicSubnetCidrs"] as const).find((k) => explicit[k]?.includes(a) || explicit[k]?.includes(b));
                if (!computedNeeded) {
                    ctx.problem(["network", ...(owner ? [owner] : [])], `expected subnet CIDRs that do not overlap, given ${a} and ${b}`);
                    return;
                }
                const computedKind = explicit.privateSubnetCidrs ? "publicSubnetCidrs" : "privateSubnetCidrs";
                const computed = planSubnets({ vpcCidr: net.cidr, azCount: net.azCount })[computedKind === "publicSubnetCidrs" ? "public" : "private"];
                const [mine, theirs] = owner && explicit[owner]?.includes(a) ? [a, b] : [b, a];
                ctx.problem(
                    ["network", ...(owner ? [owner] : [])],
                    `expected CIDRs clear of the computed ${computedKind} (${computed.join(", ")}), given ${mine}, which overlaps ${theirs}; list both privateSubnetCidrs and publicSubnetCidrs, or neither`,
                );
            }
        },
    },
    {
        name: "an existing VPC: private subnets in two AZs, none also public",
        run(s, ctx) {
            const net = s.network;
            if (!created(s) || net.mode !== "existing") return;
            if (net.privateSubnetIds.length < 2) {
                ctx.problem(
                    ["network", "privateSubnetIds"],
                    `an existing VPC needs private subnets in at least 2 AZs for EKS; expected at least 2 subnet ids, given ${net.privateSubnetIds.length}`,
                );
            }
            net.publicSubnetIds.forEach((id, i) => {
                if (net.privateSubnetIds.includes(id)) {
                    ctx.problem(["network", "publicSubnetIds", i], `expected a subnet that is not also in network.privateSubnetIds, given ${id}, listed in both`);
                }
            });
        },
    },
];

const clusterChecks: Check[] = [
    {
        name: "a created cluster has a name",
        run(s, ctx) {
            if (created(s) && s.cluster.name === undefined) {
                ctx.problem(
                    ["cluster", "name"],
                    "expected an EKS cluster name such as plg-dev, given nothing (set it in the stack file, or set cluster.existing.name to install into a cluster you already have)",
                );
            }
        },
    },
    {
        name: "someone can reach the API server",
        run(s, ctx) {
            const ep = s.cluster.endpoint;
            if (!created(s)) return;
            if (!ep.privateAccess && !ep.publicAccess) {
                ctx.problem(["cluster", "endpoint"], "expected privateAccess or publicAccess to be true, given both false (the API server would be unreachable)");
            }
            if (!ep.publicAccess && !ep.deployerInVpc) {
                ctx.problem(
                    ["cluster", "endpoint", "publicAccess"],
                    "a private-only endpoint leaves `pulumi up` no path to the cluster; expected publicAccess true (with publicAccessCidrs) or endpoint.deployerInVpc true (VPN, peering or an in-VPC runner), given publicAccess false",
                );
            }
        },
    },
    {
        // The API server is the cluster's front door: open to the internet only when a dev stack says so.
        name: "the public endpoint is restricted (dev may opt in to 0.0.0.0/0)",
        run(s, ctx) {
            const ep = s.cluster.endpoint;
            if (!created(s) || !ep.publicAccess || (ep.publicAccessCidrs.length > 0 && !ep.publicAccessCidrs.includes("0.0.0.0/0"))) return;
            if (prod(s)) {
                ctx.problem(
                    ["cluster", "endpoint", "publicAccessCidrs"],
                    `prod restricts the public endpoint; expected CIDRs other than 0.0.0.0/0 (or publicAccess false), given ${JSON.stringify(ep.publicAccessCidrs)}`,
                );
            } else if (!ep.publicAccessFromAnywhere) {
                ctx.problem(
                    ["cluster", "endpoint", "publicAccessCidrs"],
                    `the public endpoint would answer 0.0.0.0/0; expected the CIDRs allowed to reach it (or publicAccess false with privateAccess and deployerInVpc, or cluster.endpoint.publicAccessFromAnywhere true to accept it), given ${JSON.stringify(ep.publicAccessCidrs)}`,
                );
            }
        },
    },
    {
        // Authentication mode API with no creator admin: only access entries let anyone in.
        name: "someone is granted access to a created cluster",
        run(s, ctx) {
            if (created(s) && s.cluster.adminPrincipalArns.length === 0 && s.cluster.deployerRoleArn === undefined) {
                ctx.problem(
                    ["cluster", "adminPrincipalArns"],
                    "nobody could use the cluster: it grants access only through access entries (no implicit creator admin), so `pulumi up` itself would be refused; expected at least one IAM role or user ARN here or cluster.deployerRoleArn, given neither",
                );
            }
        },
    },
    {
        name: "the Kubernetes version is supported under the chosen support type",
        run(s, ctx) {
            if (!created(s)) return;
            const version = s.cluster.kubernetesVersion;
            const ends = EKS_SUPPORT_ENDS[version];
            const today = ctx.today.toISOString().slice(0, 10);
            const newer = SUPPORTED_KUBERNETES_VERSIONS.filter((v) => EKS_SUPPORT_ENDS[v].standard > today);
            const path = ["cluster", "kubernetesVersion"];
            if (ends.extended <= today) {
                ctx.problem(path, `EKS ended all support for ${version} on ${ends.extended} (it upgrades such clusters itself); expected one of ${newer.join(", ")}, given "${version}"`);
            } else if (ends.standard <= today && s.cluster.supportType === "STANDARD") {
                // EKS refuses the STANDARD upgrade policy on a version already in extended support.
                ctx.problem(
                    path,
                    `${version} left EKS standard support on ${ends.standard}, so EKS will not run it under cluster.supportType STANDARD; expected one of ${newer.join(", ")} (or supportType EXTENDED, at six times the control-plane price until ${ends.extended}), given "${version}"`,
                );
            } else if (s.cluster.supportType === "STANDARD" && daysBetween(today, ends.standard) <= 30) {
                const next = SUPPORTED_KUBERNETES_VERSIONS[SUPPORTED_KUBERNETES_VERSIONS.indexOf(version) + 1];
                ctx.warning(
                    path,
                    `${version} leaves EKS standard support on ${ends.standard}; with supportType STANDARD EKS then upgrades the control plane itself, and this stack would try to set it back: expected an upgrade to ${next ?? "the next version"} before then, given "${version}"`,
                );
            }
        },
    },
    {
        name: "kube-proxy follows the control plane's minor version",
        run(s, ctx) {
            const kubeProxy = s.cluster.addonVersions["kube-proxy"];
            if (created(s) && kubeProxy !== undefined && !kubeProxy.startsWith(`v${s.cluster.kubernetesVersion}.`)) {
                ctx.problem(
                    ["cluster", "addonVersions", "kube-proxy"],
                    `kube-proxy follows the control plane's minor version; expected v${s.cluster.kubernetesVersion}.<patch>-eksbuild.<n> (cluster.kubernetesVersion ${s.cluster.kubernetesVersion}), given ${kubeProxy}`,
                );
            }
        },
    },
];

/** Node groups are created only with the cluster; a brought cluster's are its own. */
const nodeGroupChecks: Check[] = [
    {
        name: "node group sizes in order",
        run(s, ctx) {
            if (!created(s)) return;
            s.cluster.nodeGroups.forEach((g, i) =>
                ctx.part(() => {
                    if (!(g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize)) {
                        ctx.problem(["cluster", "nodeGroups", i], `expected minSize <= desiredSize <= maxSize, given ${g.minSize} <= ${g.desiredSize} <= ${g.maxSize}`);
                    }
                }),
            );
        },
    },
    {
        // No autoscaler is installed: desiredSize is the node count, applied on every `pulumi up`.
        name: "the cluster starts with a node",
        run(s, ctx) {
            if (!created(s)) return;
            const groups = s.cluster.nodeGroups;
            if (groups.every((g) => g.desiredSize === 0)) {
                ctx.problem(
                    ["cluster", "nodeGroups"],
                    `the platform needs nodes and no autoscaler adds them (desiredSize is the node count); expected a group with desiredSize of at least 1, given desiredSize 0 in ${groups.length === 1 ? "the only group" : `all ${groups.length} groups`}`,
                );
            }
        },
    },
    {
        name: "unique node group names",
        run(s, ctx) {
            if (!created(s)) return;
            const seen = new Set<string>();
            s.cluster.nodeGroups.forEach((g, i) =>
                ctx.part(() => {
                    if (seen.has(g.name)) ctx.problem(["cluster", "nodeGroups", i, "name"], `expected unique node group names, given ${JSON.stringify(g.name)} twice`);
                    seen.add(g.name);
                }),
            );
        },
    },
    {
        name: "a node group's instance types are interchangeable",
        run(s, ctx) {
            if (!created(s)) return;
            s.cluster.nodeGroups.forEach((g, i) =>
                ctx.part(() => {
                    const arm = g.instanceTypes.filter(isGraviton).length;
                    if (arm > 0 && arm < g.instanceTypes.length) {
                        ctx.problem(
                            ["cluster", "nodeGroups", i, "instanceTypes"],
                            `a node group runs one CPU architecture; expected all arm64 (Graviton) or all x86_64 types, given ${g.instanceTypes.join(", ")}`,
                        );
                    } else if (new Set(g.instanceTypes.map(instanceShape)).size > 1) {
                        ctx.problem(
                            ["cluster", "nodeGroups", i, "instanceTypes"],
                            `a node group's types must be interchangeable, so its capacity does not depend on which one is handed out; expected one class and size (such as m6i.large, m6a.large, m5.large), given ${g.instanceTypes.join(", ")}`,
                        );
                    }
                }),
            );
        },
    },
    {
        name: "spot groups keep a node in every zone",
        run(s, ctx) {
            if (!created(s)) return;
            s.cluster.nodeGroups.forEach((g, i) =>
                ctx.part(() => {
                    if (g.capacityType !== "SPOT") return;
                    if (g.instanceTypes.length < 2) {
                        ctx.problem(
                            ["cluster", "nodeGroups", i, "instanceTypes"],
                            `a SPOT group needs several interchangeable types, so one reclaimed capacity pool does not leave it without nodes; expected at least 2, given ${g.instanceTypes.join(", ")}`,
                        );
                    }
                    if (g.placement !== "perZone" || g.minSize < 1) {
                        ctx.problem(
                            ["cluster", "nodeGroups", i, "placement"],
                            `spot nodes are reclaimed and replaced in any zone with capacity, which strands single-replica pods whose EBS volume is in another zone (${singleReplicaVolumePods(s).join(", ")}); expected placement perZone with minSize >= 1, given placement ${g.placement} with minSize ${g.minSize}`,
                        );
                    }
                }),
            );
        },
    },
];

/** What a brought cluster does not use, by the key a stack file may still set. */
const IGNORED_FOR_BROUGHT_CLUSTER: Readonly<Record<string, string>> = {
    nodeGroups: "its nodes are its own (no node group is created)",
    endpoint: "its API endpoint is its own",
    adminPrincipalArns: "no access entry is created: grant access on that cluster itself",
    deployerRoleArn: "no access entry is created: grant access on that cluster itself",
    previewPrincipalArns: "no access entry is created: grant access on that cluster itself",
    logRetentionDays: "its control-plane logs are its own",
    kubernetesVersion: "its version is its own",
    addonVersions: "its add-ons are its own",
    supportType: "its upgrade policy is its own",
    deletionProtection: "its deletion protection is its own",
};

const broughtClusterChecks: Check[] = [
    {
        // Only what the stack file sets: the profile's defaults for these keys are no mistake.
        name: "settings a brought cluster does not use are named",
        run(s, ctx) {
            const existing = s.cluster.existing;
            if (existing === undefined) return;
            const givenCluster = ctx.given.cluster;
            const cluster = typeof givenCluster === "object" && givenCluster !== null ? (givenCluster as Record<string, unknown>) : {};
            if (cluster.name !== undefined && cluster.name !== existing.name) {
                ctx.warning(
                    ["cluster", "name"],
                    `ignored for a brought cluster: the cluster, and the \`cluster\` label on every metric and log line, is cluster.existing.name (${existing.name}); remove cluster.name`,
                );
            }
            for (const [key, why] of Object.entries(IGNORED_FOR_BROUGHT_CLUSTER)) {
                if (cluster[key] !== undefined) ctx.warning(["cluster", key], `ignored for a brought cluster (cluster.existing): ${why}`);
            }
            if (ctx.given.network !== undefined) ctx.warning(["network"], "ignored for a brought cluster (cluster.existing): no VPC or subnet is created or used");
        },
    },
];

const grafanaChecks: Check[] = [
    {
        // A hostname is only served through the HTTPS ingress, so it needs a certificate.
        name: "Grafana's hostname and certificate come together, in the stack's region",
        run(s, ctx) {
            const { hostname, tlsCertificateArn } = s.grafana;
            if (hostname !== undefined && tlsCertificateArn === undefined) {
                ctx.problem(
                    ["grafana", "hostname"],
                    `Grafana is served on a hostname only over HTTPS; expected grafana.tlsCertificateArn with it, given hostname ${JSON.stringify(hostname)} and no certificate`,
                );
            }
            if (tlsCertificateArn === undefined) return;
            if (hostname === undefined) ctx.problem(["grafana", "tlsCertificateArn"], "a certificate needs a hostname; expected grafana.hostname to be set, given none");
            ctx.part(() => {
                const certRegion = tlsCertificateArn.split(":")[3];
                // No aws: cluster.kubeconfig, which refuses the certificate itself (config/local-checks.ts).
                if (s.aws !== undefined && certRegion !== s.aws.region) {
                    ctx.problem(["grafana", "tlsCertificateArn"], `expected a certificate in aws.region ${s.aws.region}, given one in ${certRegion}`);
                }
            });
        },
    },
    {
        // The record's target is Grafana's load balancer, which exists only with the HTTPS ingress.
        name: "Grafana's DNS record has a load balancer to point at",
        run(s, ctx) {
            const { hostedZoneId, hostname, tlsCertificateArn } = s.grafana;
            if (hostedZoneId === undefined || (hostname !== undefined && tlsCertificateArn !== undefined)) return;
            const missing = [hostname === undefined ? "grafana.hostname" : undefined, tlsCertificateArn === undefined ? "grafana.tlsCertificateArn" : undefined].filter((k) => k !== undefined);
            ctx.problem(
                ["grafana", "hostedZoneId"],
                `a Route 53 record points grafana.hostname at Grafana's load balancer, which exists only with a hostname and a certificate; expected ${missing.join(" and ")} with it, given hostedZoneId ${hostedZoneId} without`,
            );
        },
    },
];

/** Every cross-key rule, in the order their problems are listed. */
export const CHECKS: readonly Check[] = [
    ...secretChecks,
    ...productionChecks,
    ...telemetryChecks,
    ...networkChecks,
    ...clusterChecks,
    ...nodeGroupChecks,
    ...broughtClusterChecks,
    ...localClusterChecks,
    ...grafanaChecks,
    ...grafanaDatabaseChecks,
    ...ssoChecks,
    ...TEAM_CHECKS,
];
