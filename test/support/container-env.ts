/**
 * A container's environment as the kubelet gives it to the process, for running a Deployment's
 * program locally: `value`s with `$(NAME)` references to variables defined earlier in the list
 * expanded (`$$` is a literal `$`; a reference to an undefined name stays as written: Kubernetes
 * API reference, EnvVar.value), and `valueFrom.fieldRef` taken from `fields` (a field the test does
 * not supply is an error, not an empty string).
 */
import type * as k8s from "@pulumi/kubernetes";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export function containerEnv(env: readonly EnvVar[], fields: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of env) {
        const name = e.name as string;
        if (e.value !== undefined) {
            out[name] = String(e.value).replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, ref: string | undefined) =>
                ref === undefined ? "$" : (out[ref] ?? whole),
            );
            continue;
        }
        const path = (e.valueFrom as { fieldRef?: { fieldPath: string } } | undefined)?.fieldRef?.fieldPath;
        if (path === undefined) throw new Error(`${name}: only value and valueFrom.fieldRef are supported here`);
        const v = fields[path];
        if (v === undefined) throw new Error(`${name}: no value given for field ${path}`);
        out[name] = v;
    }
    return out;
}
