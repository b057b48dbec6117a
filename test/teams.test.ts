/**
 * Team rules and dashboards as code (teams/<team>/): the loader, the checks with the engines
 * (promtool, the PromQL and LogQL grammars), what the program ships for a team (PrometheusRule
 * labelled with the team, dashboards in the team's folder, Loki rules in the team's tenant), and
 * render refusing a broken team file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { ConfigError, type Settings, parseSettings } from "../config";
import { TEAMS_DIRECTORY, kps, teamLokiDatasourceUid } from "../components/endpoints";
import { GRAFANA_DASHBOARD_SIDECAR } from "../components/k8s/metrics/values";
import { lokiRulesConfigMapName } from "../components/k8s/logs/values";
import { LOKI_RULE_FILE_NAME } from "../components/k8s/logs/rules";
import { deployedTeams, teamLokiRules, teamPrometheusRuleName } from "../components/k8s/teams";
import { type TeamTree, loadTeams, readTeamTree } from "../components/k8s/teams/files";
import { logqlErrors } from "../components/k8s/teams/grammar";
import { checkTeams } from "../tools/team-checks";
import { readStackConfig } from "../tools/stack-config";
import { requireBinary, run } from "./support/binaries";
import { PROJECT, ROOT, runStack } from "./support/graph";
import { renderQuietly, tmp } from "./support/render";

const PAYMENTS = { name: "payments", namespaces: ["payments"] };

/** A valid Prometheus alert rule file for `team`, with `patch` merged into its one rule. */
function promFile(patch: Record<string, unknown> = {}, alert = "CheckoutSlow"): string {
    const rule = {
        alert,
        expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_latency_seconds_bucket{namespace="payments"}[5m]))) > 1',
        for: "5m",
        labels: { severity: "warning" },
        annotations: { summary: "slow", description: "p95 above 1s", runbook_url: "https://runbooks.example.com/payments/checkoutslow" },
        ...patch,
    };
    return YAML.stringify({ groups: [{ name: "checkout", rules: [rule] }] });
}

function lokiFile(expr: string, alert = "PaymentsPanics"): string {
    const rule = {
        alert,
        expr,
        labels: { severity: "critical" },
        annotations: { summary: "panics", description: "panic lines", runbook_url: "https://runbooks.example.com/payments/panics" },
    };
    return YAML.stringify({ groups: [{ name: "panics", rules: [rule] }] });
}

function dashboard(panels: unknown[], extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ uid: "payments-extra", title: "Extra", panels, ...extra });
}

function panel(uid: string, type: string, expr: string, title = "P"): Record<string, unknown> {
    return { id: 1, type: "timeseries", title, datasource: { type, uid }, targets: [{ refId: "A", datasource: { type, uid }, expr }] };
}

/** The repository's teams/ files, plus or minus some. */
function repoTree(add: Record<string, string> = {}): Map<string, string> {
    const tree = new Map(readTeamTree(ROOT));
    for (const [k, v] of Object.entries(add)) tree.set(k, v);
    return tree;
}

/** A project directory holding exactly `tree` under teams/ (and Pulumi.yaml, for render). */
function projectWith(tree: TeamTree): string {
    const dir = tmp("plg-teams-");
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [rel, text] of tree) {
        const file = path.join(dir, TEAMS_DIRECTORY, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
    }
    return dir;
}

/** The dev stack's settings with these teams declared (whatever the stack file declares itself). */
function devSettings(teams: { name: string; namespaces: string[] }[]): Settings {
    const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.dev.yaml"));
    const key = `${PROJECT}:alerting`;
    const alerting = JSON.parse(cfg.config[key] ?? "{}") as Record<string, unknown>;
    const parsed = parseSettings({ ...cfg.config, [key]: JSON.stringify({ ...alerting, teams }) });
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    return parsed.settings;
}

/** The dev stack's alerting setting with `payments` declared (as the stack file will, once the team's receivers land). */
function devAlertingWithPayments(): Record<string, unknown> {
    const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.dev.yaml"));
    const alerting = JSON.parse(cfg.config[`${PROJECT}:alerting`] ?? "{}") as { teams?: { name: string }[] };
    if (alerting.teams?.some((t) => t.name === PAYMENTS.name)) return alerting;
    return { ...alerting, teams: [...(alerting.teams ?? []), PAYMENTS] };
}

describe("team files: the loader", () => {
    it("loads the shipped payments example: a Prometheus rule file, a Loki rule file and a dashboard, every rule labelled team=payments", () => {
        const loaded = loadTeams(readTeamTree(ROOT), ["payments"]);
        assert.deepEqual(loaded.problems, []);
        const t = loaded.teams.find((x) => x.team === "payments");
        assert.ok(t, "payments loaded");
        assert.deepEqual(
            [t.prometheus.map((f) => f.file), t.loki.map((f) => f.file), t.dashboards.map((d) => d.file)],
            [["teams/payments/prometheus/http.yaml"], ["teams/payments/loki/logs.yaml"], ["teams/payments/dashboards/payments-overview.json"]],
        );
        const rules = [...t.prometheus, ...t.loki].flatMap((f) => f.groups.flatMap((g) => g.rules));
        assert.ok(rules.length >= 2);
        for (const r of rules) assert.equal(r.labels?.team, "payments", `${r.alert}`);
    });

    it("a file cannot take another team's label: the platform sets it", () => {
        const tree = repoTree({ "payments/prometheus/x.yaml": promFile({ labels: { severity: "warning", team: "search" } }) });
        const { problems } = loadTeams(tree, ["payments"]);
        assert.deepEqual(problems, ['teams/payments/prometheus/x.yaml: group "checkout", rule "CheckoutSlow": label team is set by the platform to the directory\'s team ("payments"), given "search"']);
    });

    for (const missing of ["summary", "description", "runbook_url"]) {
        it(`an alert without the ${missing} annotation is refused, naming file, group and rule`, () => {
            const annotations: Record<string, string> = { summary: "s", description: "d", runbook_url: "https://r.example/x" };
            delete annotations[missing];
            const { problems } = loadTeams(repoTree({ "payments/loki/x.yaml": YAML.stringify({ groups: [{ name: "g", rules: [{ alert: "A", expr: "x", labels: { severity: "warning" }, annotations }] }] }) }), ["payments"]);
            assert.deepEqual(problems, [`teams/payments/loki/x.yaml: group "g", rule "A": missing annotation ${missing}`]);
        });
    }

    it("severity must be critical or warning, and present", () => {
        const info = loadTeams(repoTree({ "payments/prometheus/x.yaml": promFile({ labels: { severity: "info" } }) }), ["payments"]).problems;
        assert.deepEqual(info, ['teams/payments/prometheus/x.yaml: group "checkout", rule "CheckoutSlow": label severity: expected critical or warning, given "info"']);
        const none = loadTeams(repoTree({ "payments/prometheus/x.yaml": promFile({ labels: {} }) }), ["payments"]).problems;
        assert.deepEqual(none, ['teams/payments/prometheus/x.yaml: group "checkout", rule "CheckoutSlow": missing label severity (expected critical or warning)']);
    });

    it("a Loki recording rule is refused (the ruler has no remote write), and a rule file must be one", () => {
        const rec = YAML.stringify({ groups: [{ name: "g", rules: [{ record: "x:rate", expr: 'rate({namespace="payments"}[1m])' }] }] });
        const { problems } = loadTeams(repoTree({ "payments/loki/rec.yaml": rec, "payments/loki/empty.yaml": "groups: []\n", "payments/prometheus/bad.yaml": "groups: [\n" }), ["payments"]);
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.match(problems.find((p) => p.includes("rec.yaml")) ?? "", /rule "x:rate": a recording rule needs the Loki ruler's remote write/);
        assert.match(problems.find((p) => p.includes("empty.yaml")) ?? "", /^teams\/payments\/loki\/empty.yaml: expected a rule file/);
        assert.match(problems.find((p) => p.includes("bad.yaml")) ?? "", /^teams\/payments\/prometheus\/bad.yaml: not valid YAML/);
    });

    it("a dashboard may use prometheus, alertmanager and its team's own Loki datasource, nothing else", () => {
        const ok = dashboard([panel("prometheus", "prometheus", "up"), panel(teamLokiDatasourceUid("payments"), "loki", '{namespace="payments"}')]);
        assert.deepEqual(loadTeams(repoTree({ "payments/dashboards/extra.json": ok }), ["payments", "search"]).problems, []);

        const cases: [string, string, RegExp][] = [
            ["unknown", "prometheus", /datasource uid "unknown" is not one this team's dashboards may use; expected one of prometheus, alertmanager, loki-payments/],
            ["loki", "loki", /datasource uid "loki" is not one .* \(the platform tenant's logs; team payments reads its own through loki-payments\)/],
            [teamLokiDatasourceUid("search"), "loki", /datasource uid "loki-search" is not one .* \(team search's logs; team payments reads only its own/],
            [teamLokiDatasourceUid("payments"), "prometheus", /datasource "loki-payments" is of type loki, given type "prometheus"/],
        ];
        for (const [uid, type, expected] of cases) {
            const { problems } = loadTeams(repoTree({ "payments/dashboards/extra.json": dashboard([panel(uid, type, "up", "Mine")]) }), ["payments", "search"]);
            assert.ok(problems.length > 0, uid);
            for (const p of problems) {
                assert.match(p, /^teams\/payments\/dashboards\/extra.json: panel "Mine"/);
                assert.match(p, expected);
            }
        }
        const byName = loadTeams(repoTree({ "payments/dashboards/extra.json": dashboard([{ ...panel("prometheus", "prometheus", "up", "Named"), datasource: "Prometheus", targets: [{ refId: "A", expr: "up" }] }]) }), ["payments"]);
        assert.deepEqual(byName.problems, [
            'teams/payments/dashboards/extra.json: panel "Named": datasource must be a {type, uid} reference to a provisioned uid (one of prometheus, alertmanager, loki-payments), given "Prometheus"',
        ]);
    });

    it("a dashboard must parse and keep a uid nobody else uses (Grafana's uids are global)", () => {
        const { problems } = loadTeams(
            repoTree({
                "payments/dashboards/broken.json": "{ not json",
                "payments/dashboards/red.json": JSON.stringify({ uid: "plg-red", title: "Mine" }),
                "search/dashboards/copy.json": fs.readFileSync(path.join(ROOT, "teams/payments/dashboards/payments-overview.json"), "utf8"),
            }),
            ["payments", "search"],
            ["plg-red"],
        );
        assert.ok(problems.some((p) => /^teams\/payments\/dashboards\/broken.json: not valid JSON/.test(p)));
        assert.ok(problems.includes(`teams/payments/dashboards/red.json: uid "plg-red" is already used by the platform's dashboards; Grafana dashboard uids are global`));
        // search's copy still reads payments' Loki uid: refused for that too.
        assert.ok(problems.some((p) => p.startsWith("teams/search/dashboards/copy.json: panel ") && p.includes("team payments's logs")), problems.join("\n"));
        const clash = loadTeams(repoTree({ "search/dashboards/copy.json": JSON.stringify({ uid: "payments-overview", title: "Copy" }) }), ["payments", "search"]).problems;
        assert.deepEqual(clash, ['teams/search/dashboards/copy.json: uid "payments-overview" is already used by teams/payments/dashboards/payments-overview.json; Grafana dashboard uids are global']);
    });

    it("a directory for a team the stack does not declare is not deployed there (onboarded elsewhere first), named with the declared teams", () => {
        // Even a broken file there does not stop this stack: the stack declaring the team checks it.
        const tree = repoTree({ "search/prometheus/wip.yaml": "groups: [\n" });
        const { problems, teams, notDeployed, notDeployedWarning } = loadTeams(tree, ["checkout"]);
        assert.deepEqual([problems, teams, notDeployed], [[], [], ["teams/payments", "teams/search"]]);
        assert.equal(
            notDeployedWarning,
            "teams/payments, teams/search: team files not deployed in this stack: no such team in plg-observability:alerting.teams (declared: checkout); declare the team there to deploy them",
        );
        assert.equal(loadTeams(tree, ["payments", "search"]).notDeployedWarning, undefined);
    });

    it("a stack that declares no team (platform only) is the same case: nothing deployed, listed", () => {
        const { problems, teams, notDeployed, notDeployedWarning } = loadTeams(repoTree(), []);
        assert.deepEqual([problems, teams, notDeployed], [[], [], ["teams/payments"]]);
        assert.match(notDeployedWarning ?? "", /^teams\/payments: team files not deployed in this stack: .*\(declared: none\)/);
    });

    it("a directory whose name no stack could declare (not a team name) is refused in every stack", () => {
        for (const declared of [[], ["payments"]]) {
            const { problems, notDeployed } = loadTeams(repoTree({ "Payments_Team/prometheus/x.yaml": promFile(), "Payments_Team/loki/y.yaml": "groups: []" }), declared);
            assert.deepEqual(problems, [
                'teams/Payments_Team: expected a team name (a lowercase letter, then lowercase letters, digits and -, at most 32), given "Payments_Team"; no stack can declare it in plg-observability:alerting.teams',
            ]);
            assert.ok(!notDeployed.includes("teams/Payments_Team"));
        }
    });

    it("a team Loki file may not take the name of the platform's, which every team tenant runs", () => {
        const { problems } = loadTeams(repoTree({ [`payments/loki/${LOKI_RULE_FILE_NAME}`]: lokiFile('sum(rate({namespace="payments"}[5m])) > 1') }), ["payments"]);
        assert.deepEqual(problems, [`teams/payments/loki/${LOKI_RULE_FILE_NAME}: ${LOKI_RULE_FILE_NAME} is the platform's rule file, which every team tenant runs too; rename the team's file`]);
    });

    it("unknown sub-directories, extensions and stray files are refused by path", () => {
        const { problems } = loadTeams(repoTree({ "payments/alerts/x.yaml": "groups: []", "payments/prometheus/x.yml": promFile(), "payments/dashboards/x.yaml": "{}", "README.md": "hi" }), ["payments"]);
        assert.deepEqual([...problems].sort(), [
            "teams/README.md: unexpected file; teams/ holds one directory per team (<team>/{prometheus,loki,dashboards}/)",
            "teams/payments/alerts/x.yaml: unexpected path; expected teams/payments/<prometheus|loki|dashboards>/<file>",
            "teams/payments/dashboards/x.yaml: expected a .json file (letters, digits, ., _ and -) in teams/payments/dashboards/",
            "teams/payments/prometheus/x.yml: expected a .yaml file (letters, digits, ., _ and -) in teams/payments/prometheus/",
        ]);
    });
});

describe("team files: production code", () => {
    it("the program and the tools import no test code (the checks they run live in components/ and tools/)", () => {
        const offenders: string[] = [];
        for (const dir of ["components", "config", "tools"]) {
            for (const f of (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).filter((x) => x.endsWith(".ts"))) {
                const text = fs.readFileSync(path.join(ROOT, dir, f), "utf8");
                for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
                    const target = path.resolve(ROOT, dir, path.dirname(f), m[1] as string);
                    if ((m[1] as string).startsWith(".") && path.relative(ROOT, target).split(path.sep)[0] === "test") offenders.push(`${dir}/${f}: ${m[1]}`);
                }
            }
        }
        assert.deepEqual(offenders, []);
    });
});

describe("team files: checked with promtool and the query grammars", function () {
    const settings = devSettings([PAYMENTS]);

    it("the shipped payments files pass promtool check rules and both grammars", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const r = checkTeams(settings, ROOT, promtool);
        assert.deepEqual(r.problems, []);
        assert.equal(r.promtool, true);
    });

    it("the shipped Loki expressions are LogQL metric queries the grammar accepts", () => {
        const t = loadTeams(readTeamTree(ROOT), ["payments"]).teams[0];
        assert.ok(t);
        for (const r of t.loki.flatMap((f) => f.groups.flatMap((g) => g.rules))) assert.deepEqual(logqlErrors(r.expr), [], r.expr);
    });

    it("a broken PromQL expression is named with its file and rule, by the grammar and by promtool", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const dir = projectWith(repoTree({ "payments/prometheus/broken.yaml": promFile({ expr: "sum(rate(http_requests_total[5m])" }) }));
        const { problems } = checkTeams(settings, dir, promtool);
        assert.ok(problems.some((p) => /^teams\/payments\/prometheus\/broken.yaml: group "checkout", rule "CheckoutSlow": expr does not parse as PromQL/.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /^teams\/payments\/prometheus\/broken.yaml: promtool check rules: .*"CheckoutSlow".*parse/.test(p)), problems.join("\n"));
    });

    it("promtool 2.42 refusing what the Prometheus 3 grammar accepts (a quoted UTF-8 name) is a warning; holt_winters, removed in v3, is refused by name", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const utf8 = promFile({ expr: 'sum(rate({"http.server.requests", namespace="payments"}[5m])) > 1' }, "Utf8Name").replace("name: checkout", "name: utf8");
        const holt = promFile({ expr: "holt_winters(http_requests_total[1h], 0.5, 0.5) > 1" }, "Holt").replace("name: checkout", "name: holt");
        const r = checkTeams(settings, projectWith(repoTree({ "payments/prometheus/utf8.yaml": utf8, "payments/prometheus/holt.yaml": holt })), promtool);
        assert.deepEqual(r.problems.map((p) => p.replace(/ double_exponential_smoothing.*$/, "")), [
            'teams/payments/prometheus/holt.yaml: group "holt", rule "Holt": expr uses holt_winters(), removed in Prometheus 3; its successor',
        ]);
        assert.equal(r.warnings.length, 1, r.warnings.join("\n"));
        assert.match(r.warnings[0] as string, /^teams\/payments\/prometheus\/utf8.yaml: group "utf8", rule "Utf8Name": promtool 2\.42\S* refuses the expression \(.*\) but the Prometheus 3 grammar accepts it/);
    });

    it("promtool checks the file as shipped: what only Prometheus refuses (a bad duration, a bad template) is caught", function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const dir = projectWith(repoTree({ "payments/prometheus/d.yaml": promFile({ for: "5 minutes" }), "payments/prometheus/t.yaml": promFile({ annotations: { summary: "{{ $labels.job ", description: "d", runbook_url: "https://r.example/x" } }, "Templ").replace("name: checkout", "name: templ") }));
        const { problems } = checkTeams(settings, dir, promtool);
        assert.ok(problems.some((p) => p.startsWith("teams/payments/prometheus/d.yaml: promtool check rules: ")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("teams/payments/prometheus/t.yaml: promtool check rules: ") && p.includes("Templ")), problems.join("\n"));
        assert.deepEqual(problems.filter((p) => !p.includes("promtool check rules")), [], "the loader and grammars passed both: promtool alone found them");
    });

    it("a broken LogQL expression, or a log query where an alert needs a metric one, is named with its file and rule", () => {
        const dir = projectWith(
            repoTree({
                "payments/loki/broken.yaml": lokiFile('sum(count_over_time({namespace="payments"} |= "panic" [5m]) > 0'),
                "payments/loki/lines.yaml": lokiFile('{namespace="payments"} |= "panic"', "PanicLines"),
            }),
        );
        const { problems } = checkTeams(settings, dir, null);
        assert.deepEqual(problems.map((p) => p.replace(/ near .*$/, "")).sort(), [
            'teams/payments/loki/broken.yaml: group "panics", rule "PaymentsPanics": expr does not parse as LogQL',
            'teams/payments/loki/lines.yaml: group "panics", rule "PanicLines": expr must be a LogQL metric query (rate, count_over_time, ...), given a log query',
        ]);
    });

    it("every dashboard query parses with its datasource's grammar, variables substituted; an undefined variable is refused", () => {
        const dir = projectWith(
            repoTree({
                "payments/dashboards/extra.json": dashboard([
                    panel("prometheus", "prometheus", "sum(rate(http_requests_total[$__rate_interval])", "Broken PromQL"),
                    panel(teamLokiDatasourceUid("payments"), "loki", '{namespace="payments" |= "x"', "Broken LogQL"),
                    panel("prometheus", "prometheus", 'up{job="$nosuch"}', "Undefined variable"),
                ]),
            }),
        );
        const { problems } = checkTeams(settings, dir, null);
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.match(problems[0] as string, /^teams\/payments\/dashboards\/extra.json: panel "Broken PromQL" \/ A: query does not parse as PromQL/);
        assert.match(problems[1] as string, /^teams\/payments\/dashboards\/extra.json: panel "Broken LogQL" \/ A: query does not parse as LogQL/);
        assert.match(problems[2] as string, /^teams\/payments\/dashboards\/extra.json: panel "Undefined variable" \/ A: unknown Grafana variable \$nosuch/);
    });

    it("a team's group may not reuse a Prometheus group name (render writes them all to one promtool file)", () => {
        const text = promFile().replace("name: checkout", "name: payments-http");
        const { problems } = checkTeams(settings, projectWith(repoTree({ "payments/prometheus/again.yaml": text })), null);
        assert.deepEqual(problems, ['teams/payments/prometheus/http.yaml: group "payments-http" is also in teams/payments/prometheus/again.yaml; Prometheus group names must be unique']);
    });
});

describe("team files: what the program ships", function () {
    this.timeout(300_000);

    it("each team rule file is a PrometheusRule in the monitoring namespace, labelled team=<team> down to every rule", async () => {
        const graph = await runStack("dev", { settings: { alerting: devAlertingWithPayments() } });
        const teamRules = graph.byType("kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((r) => (r.inputs.metadata as { labels?: Record<string, string> }).labels?.team !== undefined);
        assert.equal(teamRules.length, 1);
        const r = teamRules[0] as (typeof teamRules)[number];
        const meta = r.inputs.metadata as { name: string; namespace: string; labels: Record<string, string> };
        assert.deepEqual([meta.name, meta.namespace, meta.labels.team], ["team-payments-http", kps.namespace, "payments"]);
        const groups = (r.inputs.spec as { groups: { name: string; rules: { alert?: string; labels: Record<string, string> }[] }[] }).groups;
        assert.deepEqual(groups.map((g) => g.name), ["payments-http"]);
        assert.deepEqual(groups.flatMap((g) => g.rules.map((x) => [x.alert, x.labels.team, x.labels.severity])), [["PaymentsHighErrorRate", "payments", "critical"]]);
        assert.ok((r.options.dependsOn ?? []).some((d) => d.endsWith("-crds")), "waits for the CRDs");
    });

    it("each team dashboard is a sidecar ConfigMap in the team's Grafana folder", async () => {
        const graph = await runStack("dev", { settings: { alerting: devAlertingWithPayments() } });
        const cms = graph.byType("kubernetes:core/v1:ConfigMap").filter((c) => {
            const m = c.inputs.metadata as { labels?: Record<string, string> };
            return m.labels?.[GRAFANA_DASHBOARD_SIDECAR.label] === GRAFANA_DASHBOARD_SIDECAR.labelValue;
        });
        const folderOf = new Map(cms.map((c) => {
            const m = c.inputs.metadata as { annotations: Record<string, string>; name: string };
            return [m.name, m.annotations[GRAFANA_DASHBOARD_SIDECAR.folderAnnotation]];
        }));
        assert.equal(folderOf.get("dashboard-payments-overview"), "payments");
        assert.equal(folderOf.get("dashboard-plg-red"), "Platform", "the platform's stay in theirs");
        const cm = cms.find((c) => (c.inputs.metadata as { name: string }).name === "dashboard-payments-overview");
        const data = (cm?.inputs.data ?? {}) as Record<string, string>;
        const model = JSON.parse(data["payments-overview.json"] ?? "{}") as { uid: string; panels: unknown[] };
        const shipped = JSON.parse(fs.readFileSync(path.join(ROOT, "teams/payments/dashboards/payments-overview.json"), "utf8")) as { panels: unknown[] };
        assert.equal(model.uid, "payments-overview");
        assert.deepEqual(model.panels, shipped.panels);
    });

    it("the team's Loki rules reach the Loki release as the payments tenant's rule ConfigMap, mounted beside the platform's", async () => {
        const graph = await runStack("dev", { settings: { alerting: devAlertingWithPayments() } });
        const values = graph.releaseValues("loki") as { extraObjects: { metadata: { name: string }; data: Record<string, string> }[]; singleBinary: { extraVolumeMounts: { name: string; mountPath: string }[] } };
        const cm = values.extraObjects.find((o) => o.metadata.name === lokiRulesConfigMapName("payments"));
        assert.ok(cm, "payments rules ConfigMap");
        // The team's file beside the platform's log rules, which every team tenant runs too (logs/values.ts tenantRuleFiles).
        assert.deepEqual(Object.keys(cm.data).sort(), [LOKI_RULE_FILE_NAME, "logs.yaml"].sort());
        assert.match(cm.data["logs.yaml"] ?? "", /PaymentsDeclinedSpike/);
        assert.ok(values.singleBinary.extraVolumeMounts.some((m) => m.mountPath === "/etc/loki/rules/payments"));
    });

    it("a stack that declares other teams deploys without a directory's team, warning with the directory and the declared teams", async () => {
        const alerting = { ...devAlertingWithPayments(), teams: [{ name: "search", namespaces: ["search"] }] };
        const warned: string[] = [];
        const warn = console.warn;
        console.warn = (...args: unknown[]) => void warned.push(args.map(String).join(" "));
        let graph;
        try {
            // teamSecrets, when the stack holds payments' receiver secrets, would name payments too.
            graph = await runStack("dev", { settings: { alerting }, secrets: { teamSecrets: null } });
        } finally {
            console.warn = warn;
        }
        assert.ok(
            warned.some((w) => w.includes("teams/payments: team files not deployed in this stack: no such team in plg-observability:alerting.teams (declared: search)")),
            warned.join("\n"),
        );
        const names = graph.resources.map((r) => r.name);
        assert.ok(!names.some((n) => n.includes("team-payments")), "no payments PrometheusRule");
        assert.ok(graph.byType("kubernetes:helm.sh/v3:Release").length > 0, "the rest of the stack deploys");
    });

    it("pulumi up runs the grammars itself, before any resource: a broken Loki or PromQL file stops the program naming file and rule", () => {
        const settings = devSettings([PAYMENTS]);
        const dir = projectWith(
            repoTree({
                "payments/loki/broken.yaml": lokiFile('sum(count_over_time({namespace="payments"} |= "panic" [5m]) > 0'),
                "payments/prometheus/holt.yaml": promFile({ expr: "holt_winters(http_requests_total[1h], 0.5, 0.5) > 1" }, "Holt"),
            }),
        );
        assert.throws(
            () => deployedTeams(settings, dir),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.match(e.message, /teams\/payments\/loki\/broken.yaml: group "panics", rule "PaymentsPanics": expr does not parse as LogQL/);
                assert.match(e.message, /teams\/payments\/prometheus\/holt.yaml: group "checkout", rule "Holt": expr uses holt_winters\(\), removed in Prometheus 3; its successor double_exponential_smoothing/);
                return true;
            },
        );
        assert.equal(deployedTeams(settings, ROOT).length, 1, "the shipped files pass");
    });

    it("teamLokiRules keys each team's files by its tenant and skips teams without Loki rules", () => {
        const t = loadTeams(readTeamTree(ROOT), ["payments"]).teams;
        assert.deepEqual(Object.keys(teamLokiRules(t)), ["payments"]);
        assert.deepEqual(teamLokiRules(t.map((x) => ({ ...x, loki: [] }))), {});
        const shipped = YAML.parse(teamLokiRules(t).payments?.["logs.yaml"] ?? "") as { groups: { rules: { labels: Record<string, string> }[] }[] };
        assert.equal(shipped.groups[0]?.rules[0]?.labels.team, "payments");
        assert.equal(teamPrometheusRuleName("payments", { file: "x", name: "My_Rules.yaml", groups: [] }), "team-payments-my-rules");
    });
});

/** A project whose stack file (dev, payments declared) sits beside teams/ holding `tree`: [project dir, stack file]. */
function renderableProject(tree: TeamTree): [string, string] {
    const dir = projectWith(tree);
    const stack = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    stack.config[`${PROJECT}:alerting`] = devAlertingWithPayments();
    const stackFile = path.join(dir, "Pulumi.dev.yaml");
    fs.writeFileSync(stackFile, YAML.stringify(stack));
    return [dir, stackFile];
}

describe("team files: render", function () {
    this.timeout(300_000);

    it("writes the team's rules into prometheus-rules.yaml, which promtool accepts; a stack without teams says what it left out", async function () {
        const promtool = requireBinary(this, "promtool", "prometheus");
        const [dir, stackFile] = renderableProject(readTeamTree(ROOT));
        const out = path.join(dir, "out");
        const r = await renderQuietly(["dev", "--stack-file", stackFile, "--out", out], ROOT);
        assert.equal(r.code, 0, r.stderr);
        const rules = YAML.parse(fs.readFileSync(path.join(out, "prometheus-rules.yaml"), "utf8")) as { groups: { name: string; rules: { labels?: Record<string, string> }[] }[] };
        const group = rules.groups.find((g) => g.name === "payments-http");
        assert.ok(group, "the team's group is rendered");
        assert.ok(group.rules.every((x) => x.labels?.team === "payments"));
        const check = run(promtool, ["check", "rules", "prometheus-rules.yaml"], out);
        assert.equal(check.code, 0, check.output);
        assert.doesNotMatch(fs.readFileSync(path.join(out, "summary.txt"), "utf8"), /team files not deployed/);
        const lokiRules = YAML.parse(fs.readFileSync(path.join(out, "loki-rules", "payments", "logs.yaml"), "utf8")) as { groups: { rules: { alert: string; labels: Record<string, string> }[] }[] };
        assert.deepEqual(lokiRules.groups.flatMap((g) => g.rules.map((x) => [x.alert, x.labels.team])), [["PaymentsDeclinedSpike", "payments"]]);
        assert.ok(fs.existsSync(path.join(out, "loki-rules", "payments", LOKI_RULE_FILE_NAME)), "the platform's log rules run in the team tenant too");

        // A platform-only stack: the brought-cluster fixture with no team declared.
        const platformOnly = YAML.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/stacks/Pulumi.dev-brought.yaml"), "utf8")) as { config: Record<string, unknown> };
        const alerting = (platformOnly.config[`${PROJECT}:alerting`] ?? {}) as Record<string, unknown>;
        platformOnly.config[`${PROJECT}:alerting`] = { ...alerting, teams: [] };
        const platformOnlyFile = path.join(dir, "Pulumi.platform-only.yaml");
        fs.writeFileSync(platformOnlyFile, YAML.stringify(platformOnly));
        const brought = path.join(dir, "out-brought");
        const b = await renderQuietly(["platform-only", "--stack-file", platformOnlyFile, "--out", brought], ROOT);
        assert.equal(b.code, 0, b.stderr);
        const summary = fs.readFileSync(path.join(brought, "summary.txt"), "utf8");
        assert.match(summary, /^teams\/payments: team files not deployed in this stack: no such team in plg-observability:alerting.teams \(declared: none\); declare the team there to deploy them$/m);
        assert.equal(summary.match(/team files not deployed/g)?.length, 1, "once: the program's own warning is this line, not repeated under warnings:");
        assert.doesNotMatch(b.stderr, /team files not deployed/);
    });

    it("prints the README's example for a missing runbook_url", async () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Team alerts and dashboards"));
        const block = /```text\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
        const lines = block.trimEnd().split("\n");
        assert.ok(lines.length >= 2, "the README shows the error");
        const http = YAML.parse(fs.readFileSync(path.join(ROOT, "teams/payments/prometheus/http.yaml"), "utf8")) as { groups: { rules: { annotations: Record<string, string> }[] }[] };
        delete http.groups[0]?.rules[0]?.annotations.runbook_url;
        const [dir, stackFile] = renderableProject(repoTree({ "payments/prometheus/http.yaml": YAML.stringify(http) }));
        const r = await renderQuietly(["dev", "--stack-file", stackFile, "--out", path.join(dir, "out")], dir);
        assert.equal(r.code, 1, r.stderr);
        const [first, ...rest] = lines;
        assert.ok(r.stderr.includes(`${stackFile}: ${(first ?? "").replace(/^Pulumi.dev.yaml: /, "")}`), r.stderr);
        for (const l of rest) assert.ok(r.stderr.includes(l), `${l}\n${r.stderr}`);
    });

    it("refuses a broken team file: exit 1, the file and rule named, nothing written", async () => {
        const [dir, stackFile] = renderableProject(repoTree({ "payments/prometheus/broken.yaml": promFile({ expr: "sum(rate(x[5m])" }) }));
        const out = path.join(dir, "out");
        const r = await renderQuietly(["dev", "--stack-file", stackFile, "--out", out], dir);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /teams\/payments\/prometheus\/broken.yaml: group "checkout", rule "CheckoutSlow": expr does not parse as PromQL/);
        assert.equal(fs.existsSync(out), false, "nothing written");
    });
});
