/**
 * Grafana dashboards as ConfigMaps picked up by the Grafana dashboard sidecar of
 * kube-prometheus-stack (label from GRAFANA_DASHBOARD_SIDECAR, any namespace, folder from an
 * annotation). The models come from the pure builders in builders.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../../../config";
import { metricsRulesInput } from "../metrics";
import { GRAFANA_DASHBOARD_SIDECAR } from "../metrics/values";
import type { DashboardModel, DashboardsInput } from "./builders";

/** Grafana folder the dashboards land in unless told otherwise. */
export const DEFAULT_DASHBOARD_FOLDER = "Platform";

/** Name of the ConfigMap holding the dashboard with this uid. */
export function dashboardConfigMapName(uid: string): string {
    return `dashboard-${uid}`;
}

/** Data key of the dashboard JSON in its ConfigMap (the sidecar writes one file per key). */
export function dashboardFileName(uid: string): string {
    return `${uid}.json`;
}

/**
 * Dashboard settings from the stack's settings: the alert thresholds, and the alerts' own
 * groupBy, so every `var-<label>` an alert link sets is a variable of the RED dashboard.
 */
export function dashboardsInput(settings: Settings): DashboardsInput {
    const a = settings.alerting;
    return {
        httpStatusLabel: a.httpStatusLabel,
        errorRateThreshold: a.errorRateThreshold,
        availabilityObjective: a.availabilityObjective,
        latencyP95ThresholdSeconds: a.latencyP95ThresholdSeconds,
        groupBy: metricsRulesInput(settings).groupBy,
    };
}

/** Inputs of the Dashboards component. */
export interface DashboardsArgs {
    /** Kubernetes provider of the target cluster. */
    readonly provider: k8s.Provider;
    /** Namespace of the ConfigMaps (the sidecar searches every namespace; Grafana's is the natural one). */
    readonly namespace: pulumi.Input<string>;
    /** Dashboard models, e.g. from buildDashboards() or a team's JSON files; uids must be unique. */
    readonly dashboards: readonly (DashboardModel | { readonly uid: string })[];
    /** Grafana folder (sidecar folder annotation); default "Platform". */
    readonly folder?: string;
    /** Resources the ConfigMaps wait for (e.g. the namespace or the kube-prometheus-stack release). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One ConfigMap per dashboard, labelled for the Grafana sidecar. */
export class Dashboards extends pulumi.ComponentResource {
    /** Names of the ConfigMaps, by dashboard uid. */
    public readonly configMapNames: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("plg:k8s:Dashboards", name, {}, opts);
        const uids = args.dashboards.map((d) => d.uid);
        const dup = uids.find((u, i) => uids.indexOf(u) !== i);
        if (dup !== undefined) throw new Error(`dashboard uid "${dup}" is used twice`);
        const folder = args.folder ?? DEFAULT_DASHBOARD_FOLDER;

        const names: Record<string, pulumi.Output<string>> = {};
        for (const d of args.dashboards) {
            const cm = new k8s.core.v1.ConfigMap(
                `${name}-${d.uid}`,
                {
                    metadata: {
                        name: dashboardConfigMapName(d.uid),
                        namespace: args.namespace,
                        labels: {
                            [GRAFANA_DASHBOARD_SIDECAR.label]: GRAFANA_DASHBOARD_SIDECAR.labelValue,
                            "app.kubernetes.io/part-of": "plg-observability",
                        },
                        annotations: { [GRAFANA_DASHBOARD_SIDECAR.folderAnnotation]: folder },
                    },
                    data: { [dashboardFileName(d.uid)]: JSON.stringify(d, null, 2) },
                },
                { parent: this, provider: args.provider, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) },
            );
            names[d.uid] = cm.metadata.name;
        }
        this.configMapNames = names;
        this.registerOutputs({ configMapNames: this.configMapNames });
    }
}
