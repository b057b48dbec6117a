/**
 * Pure builder for the Grafana Alloy chart (1.11.1) values: a DaemonSet that runs the
 * configuration from config.ts. Keys checked against the chart's values.yaml and templates.
 */
import { alloy as alloyEndpoints } from "../../endpoints";
import { escapeHelmTpl, type ResourceSpec } from "../logs/values";

export interface AlloyValuesInput {
    /** Alloy configuration text (from buildAlloyConfig). */
    readonly configText: string;
    /** Resources of the Alloy container in each pod (one pod per node). */
    readonly resources: ResourceSpec;
    /** Resources of the config-reloader sidecar beside it (the chart sets requests only). */
    readonly configReloaderResources: ResourceSpec;
    /** Create a ServiceMonitor (needs the Prometheus operator CRDs installed first). */
    readonly serviceMonitor?: boolean;
    /** Extra environment variables for the Alloy container (HOSTNAME is already the node name). */
    readonly extraEnv?: readonly { readonly name: string; readonly value: string }[];
    /** Tolerations so logs are collected on tainted nodes too; default tolerate everything. */
    readonly tolerations?: readonly Record<string, unknown>[];
}

/** Where Alloy keeps its data (read positions) inside the pod: a node-local hostPath, so a restarted pod resumes. */
export const ALLOY_STORAGE_PATH = "/var/lib/alloy/data";
const STORAGE_VOLUME = "alloy-data";

/** Build the chart values for the Alloy release. */
export function buildAlloyValues(input: AlloyValuesInput): Record<string, unknown> {
    return {
        fullnameOverride: alloyEndpoints.fullname,
        controller: {
            type: "daemonset",
            // A log collector that skips tainted nodes silently loses their logs.
            tolerations: input.tolerations ?? [{ operator: "Exists" }],
            volumes: {
                extra: [{ name: STORAGE_VOLUME, hostPath: { path: `/var/lib/${alloyEndpoints.fullname}`, type: "DirectoryOrCreate" } }],
            },
        },
        alloy: {
            configMap: {
                create: true,
                // The chart renders content with `tpl`: literal `{{` (stage.template) must be escaped.
                content: escapeHelmTpl(input.configText),
            },
            // Logs are tailed through the Kubernetes API (loki.source.kubernetes): no log mounts. Read
            // positions go to the node (the chart default /tmp/alloy dies with the pod).
            storagePath: ALLOY_STORAGE_PATH,
            mounts: { varlog: false, dockercontainers: false, extra: [{ name: STORAGE_VOLUME, mountPath: ALLOY_STORAGE_PATH }] },
            enableReporting: false,
            resources: input.resources,
            extraEnv: input.extraEnv ?? [],
        },
        configReloader: { resources: input.configReloaderResources },
        serviceAccount: { create: true, name: alloyEndpoints.serviceAccount },
        rbac: { create: true },
        serviceMonitor: { enabled: input.serviceMonitor ?? true },
    };
}
