/**
 * The render contract's files, derived from the recorded resource graph: what is written is
 * what the program would deploy (helm values, rules, configs), never a second computation of it.
 */
import YAML from "yaml";
import { PROJECT, SECRET_KEYS, type Settings, keyPath } from "../config";
import { type RequiredSecret, secretName, secretSetCommand } from "../config/secrets";
import { TEAM_SECRET_FIELDS } from "../config/teams";
import { charts } from "../components/charts";
import { alloyConfigInput } from "../components/k8s/collector";
import { buildAlloyConfig } from "../components/k8s/collector/config";
import { buildOtlpGatewayConfig } from "../components/k8s/collector/otlp";
import { otlpGatewayConfigInput } from "../components/k8s/collector/otlp-gateway";
import { otlpGateway } from "../components/endpoints";
import { lokiRulesInput } from "../components/k8s/logs";
import { buildLokiRules } from "../components/k8s/logs/rules";
import { metricsRulesInput } from "../components/k8s/metrics";
import { GRAFANA_DASHBOARD_SIDECAR } from "../components/k8s/metrics/values";
import { buildPrometheusRuleTests } from "../components/k8s/metrics/rule-tests";
import { HELM_RELEASE_TYPE, type RenderedManifests, footprintLines, nodePlan } from "./manifests";
import { type RecordedResource, type RunResult, redactSecrets, revealSecrets } from "./mock-run";

export { HELM_RELEASE_TYPE };
export const PROMETHEUS_RULE_TYPE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

export interface ArtifactInput {
    stack: string;
    settings: Settings;
    run: RunResult;
    /** Secrets `pulumi up` requires that the stack file does not set (rendered from placeholders). */
    missingSecrets: readonly RequiredSecret[];
    /** ESC environments the stack file imports, which may set those secrets (render cannot read them). */
    environments: readonly string[];
    /** Secrets the stack file gives encrypted, which render cannot decrypt (rendered from placeholders). */
    encryptedSecrets: readonly string[];
    /** Warnings render printed (each starts with the full key path). */
    warnings: readonly string[];
    /** The real `helm template` output of every release, or why it could not be made. */
    manifests: RenderedManifests;
}

function yaml(v: unknown): string {
    return YAML.stringify(v, { lineWidth: 0 });
}

/** Every rule group of every PrometheusRule, in the promtool format. */
export function prometheusRuleGroups(resources: readonly RecordedResource[]): unknown[] {
    return resources
        .filter((r) => r.type === PROMETHEUS_RULE_TYPE)
        .flatMap((r) => ((revealSecrets(r.inputs.spec) as { groups?: unknown[] } | undefined)?.groups ?? []));
}

/** ", unless the ESC environment e1 or e2 sets it": the stack's imports may hold what its file lacks. */
function escUnless(environments: readonly string[]): string {
    if (!environments.length) return "";
    return `, unless the ESC environment ${environments.join(" or ")} sets it`;
}

/** File name (relative to the output folder) -> content. */
export function collectArtifacts(input: ArtifactInput): Map<string, string> {
    const { resources } = input.run;
    const files = new Map<string, string>();

    const graph = resources.map((r) => ({
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        inputs: redactSecrets(r.inputs),
        options: r.options,
    }));
    files.set("resources.json", `${JSON.stringify(graph, null, 2)}\n`);

    const releases = resources.filter((r) => r.type === HELM_RELEASE_TYPE);
    const valuesOf = new Map(releases.map((r) => [r, redactSecrets(r.inputs.values ?? {}) as Record<string, unknown>]));
    for (const [r, values] of valuesOf) files.set(`helm/${String(r.inputs.name)}.yaml`, yaml(values));

    const groups = prometheusRuleGroups(resources);
    if (groups.length) {
        files.set("prometheus-rules.yaml", yaml({ groups }));
        files.set("prometheus-rules.test.yaml", yaml(buildPrometheusRuleTests(metricsRulesInput(input.settings), "prometheus-rules.yaml")));
    }

    const amConfig = [...valuesOf.values()].map((v) => (v.alertmanager as { config?: unknown } | undefined)?.config).find((c) => c !== undefined);
    if (amConfig !== undefined) files.set("alertmanager.yaml", yaml(amConfig));

    // Dashboards: the JSON each sidecar-labelled ConfigMap carries.
    for (const r of resources.filter((x) => x.type === "kubernetes:core/v1:ConfigMap")) {
        const inputs = revealSecrets(r.inputs) as { metadata?: { labels?: Record<string, string> }; data?: Record<string, string> };
        if (inputs.metadata?.labels?.[GRAFANA_DASHBOARD_SIDECAR.label] !== GRAFANA_DASHBOARD_SIDECAR.labelValue) continue;
        for (const [file, json] of Object.entries(inputs.data ?? {})) files.set(`dashboards/${file}`, `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
    }

    // Loki rules and Alloy config travel inside Helm values escaped for `tpl`; write them from the
    // same settings mapping the components use, in their plain form.
    if (releases.some((r) => r.inputs.chart === charts.loki.chart)) files.set("loki-rules.yaml", yaml(buildLokiRules(lokiRulesInput(input.settings))));
    if (releases.some((r) => r.inputs.chart === charts.alloy.chart)) files.set("alloy/config.alloy", buildAlloyConfig(alloyConfigInput(input.settings)));
    if (releases.some((r) => r.inputs.name === otlpGateway.release)) files.set("alloy/otlp-gateway.alloy", buildOtlpGatewayConfig(otlpGatewayConfigInput(input.settings)));

    if (input.manifests.ok) {
        for (const r of input.manifests.releases) files.set(`manifests/${r.release}.yaml`, r.text);
    }

    const byType = new Map<string, number>();
    for (const r of resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    const chartLines = releases.map((r) => `  ${String(r.inputs.name)}: ${String(r.inputs.chart)} ${String(r.inputs.version)}`);
    const summary = [
        `stack: ${input.stack}`,
        `environment: ${input.settings.environment}`,
        `region: ${input.settings.aws?.region ?? "none (cluster.kubeconfig: nothing in AWS)"}`,
        `cluster: ${input.settings.cluster.existing ? `${input.settings.cluster.existing.name} (existing)` : input.settings.cluster.kubeconfig ? `${input.settings.cluster.name ?? ""} (kubeconfig context ${input.settings.cluster.kubeconfig.context})` : input.settings.cluster.name}`,
        `program evaluation: ${input.run.evaluationMs} ms`,
        `resources: ${resources.length}`,
        ...[...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `  ${t}: ${n}`),
        "charts:",
        ...chartLines,
        ...(input.manifests.ok
            ? footprintLines(input.manifests.releases, nodePlan(resources))
            : [`manifests: not rendered (${input.manifests.reason}); no footprint`]),
        ...input.missingSecrets.map(
            (m) =>
                `pulumi up would stop: ${m.field ? `${PROJECT}:${secretName(m)}` : keyPath([m.key])} not set, needed by ${keyPath(m.path)}${escUnless(input.environments)} (${secretSetCommand(m, `<${m.field ? TEAM_SECRET_FIELDS[m.field[1]].expected : SECRET_KEYS[m.key].expected}>`)}); rendered with a placeholder, shown as [secret]`,
        ),
        ...(input.encryptedSecrets.length
            ? [`secrets encrypted in the stack file, not decryptable offline, rendered with placeholders: ${input.encryptedSecrets.join(", ")} (shown as [secret])`]
            : []),
        ...(input.warnings.length ? ["warnings:", ...input.warnings.map((w) => `  ${w}`)] : []),
        "",
    ];
    files.set("summary.txt", summary.join("\n"));
    return files;
}
