/**
 * Kubernetes label selectors evaluated as the API server does, and the labels a rendered
 * workload's pods get (the operator's own for Prometheus and Alertmanager), for tests on manifests.
 */
import type { Workload } from "../../tools/footprint";
import type { RenderedStack } from "./manifests";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** Labels the operator puts on the pods it creates (prometheus-operator's StatefulSet builders). */
export function podLabels(w: Workload): Record<string, string> {
    const own = rec(rec(w.podSpec.podMetadata).labels) as Record<string, string>;
    if (w.kind === "Prometheus") {
        return { ...own, "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": w.name, "operator.prometheus.io/name": w.name, prometheus: w.name };
    }
    if (w.kind === "Alertmanager") {
        return { ...own, "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": w.name, alertmanager: w.name };
    }
    return {};
}

export function templateLabels(stack: RenderedStack, w: Workload): Record<string, string> {
    if (w.kind === "Prometheus" || w.kind === "Alertmanager") return podLabels(w);
    const o = stack.find(w.release, w.kind, w.name);
    return rec(rec(rec(rec(o.spec).template).metadata).labels) as Record<string, string>;
}

/** One matchExpressions requirement, as Kubernetes evaluates it (NotIn and DoesNotExist match pods without the label). */
function meets(e: Rec, labels: Record<string, string>): boolean {
    const value = labels[String(e.key)];
    const values = (e.values as string[] | undefined) ?? [];
    switch (e.operator) {
        case "In":
            return value !== undefined && values.includes(value);
        case "NotIn":
            return value === undefined || !values.includes(value);
        case "Exists":
            return value !== undefined;
        case "DoesNotExist":
            return value === undefined;
        default:
            return false;
    }
}

export function selects(selector: Rec, labels: Record<string, string>): boolean {
    const match = rec(selector.matchLabels) as Record<string, string>;
    if (Object.keys(match).length === 0 && list(selector.matchExpressions).length === 0) return false;
    return Object.entries(match).every(([k, v]) => labels[k] === v) && list(selector.matchExpressions).every((e) => meets(e, labels));
}
