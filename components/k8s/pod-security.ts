/**
 * Pod Security Admission for the platform's namespaces (Kubernetes "Pod Security Admission" and
 * "Pod Security Standards"): each namespace enforces the strictest level its pods pass, and warns
 * and audits at restricted, so anything that slips below restricted shows up in `kubectl` output
 * and the audit log.
 */
import { namespaces } from "../endpoints";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * What each platform namespace enforces. Everything runs restricted except the node agents, which
 * need the host: node-exporter reads the node's /proc, /sys and root filesystem with the host's
 * network and PID namespaces (its metrics are the node's, not the pod's), and Alloy keeps its read
 * positions on a node hostPath so a restarted pod resumes instead of re-sending or skipping logs.
 * Both live alone in `node-agents`, the one namespace that enforces privileged; nothing else is
 * deployed there, and it still warns and audits at restricted.
 */
export const NAMESPACE_POD_SECURITY: Readonly<Record<(typeof namespaces)[keyof typeof namespaces], PodSecurityLevel>> = {
    [namespaces.monitoring]: "restricted",
    [namespaces.logging]: "restricted",
    [namespaces.nodeAgents]: "privileged",
    [namespaces.loadBalancerController]: "restricted",
};

/** The namespace labels Pod Security Admission reads. */
export function podSecurityLabels(enforce: PodSecurityLevel): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    };
}

/** Labels of one of the platform's namespaces. */
export function namespaceLabels(namespace: keyof typeof NAMESPACE_POD_SECURITY): Record<string, string> {
    return podSecurityLabels(NAMESPACE_POD_SECURITY[namespace]);
}
