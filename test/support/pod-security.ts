/**
 * The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards/), as
 * Pod Security Admission evaluates a pod spec: every baseline and restricted control, each
 * violation named. Written from the standard, not from the program, so a test can hold the
 * rendered pods to the level their namespace enforces.
 */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {});
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

/** Capabilities baseline allows adding. */
const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);
/** Volume types restricted allows. */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
/** Sysctls baseline allows. */
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);

function containersOf(spec: Rec): { name: string; c: Rec }[] {
    return [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)].map((c) => ({ name: String(c.name), c }));
}

/** Baseline violations of a pod spec. */
export function baselineViolations(spec: Rec): string[] {
    const out: string[] = [];
    for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[k] === true) out.push(`${k}: true`);
    for (const v of list(spec.volumes)) if (v.hostPath !== undefined) out.push(`hostPath volume ${String(v.name)}`);
    const podSc = rec(spec.securityContext);
    const seccomp = (sc: Rec) => rec(sc.seccompProfile).type;
    if (seccomp(podSc) === "Unconfined") out.push("pod seccompProfile Unconfined");
    for (const s of list(podSc.sysctls)) if (!SAFE_SYSCTLS.has(String(s.name))) out.push(`sysctl ${String(s.name)}`);
    const seLinux = (sc: Rec, at: string) => {
        const o = rec(sc.seLinuxOptions);
        if (o.type !== undefined && !["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"].includes(String(o.type))) out.push(`${at} seLinuxOptions.type ${String(o.type)}`);
        if (o.user !== undefined && o.user !== "") out.push(`${at} seLinuxOptions.user`);
        if (o.role !== undefined && o.role !== "") out.push(`${at} seLinuxOptions.role`);
    };
    seLinux(podSc, "pod");
    if (rec(podSc.appArmorProfile).type === "Unconfined") out.push("pod appArmorProfile Unconfined");
    for (const { name, c } of containersOf(spec)) {
        const sc = rec(c.securityContext);
        if (sc.privileged === true) out.push(`${name}: privileged`);
        for (const cap of (rec(sc.capabilities).add as string[] | undefined) ?? []) if (!BASELINE_CAPABILITIES.has(cap)) out.push(`${name}: adds capability ${cap}`);
        for (const p of list(c.ports)) if (p.hostPort !== undefined && p.hostPort !== 0) out.push(`${name}: hostPort ${String(p.hostPort)}`);
        if (seccomp(sc) === "Unconfined") out.push(`${name}: seccompProfile Unconfined`);
        if (sc.procMount !== undefined && sc.procMount !== "Default") out.push(`${name}: procMount ${String(sc.procMount)}`);
        if (rec(sc.appArmorProfile).type === "Unconfined") out.push(`${name}: appArmorProfile Unconfined`);
        seLinux(sc, name);
    }
    return out;
}

/** Restricted violations of a pod spec (baseline's included). */
export function restrictedViolations(spec: Rec): string[] {
    const out = baselineViolations(spec);
    for (const v of list(spec.volumes)) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (type === undefined || !RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${String(v.name)} of type ${String(type)}`);
    }
    const podSc = rec(spec.securityContext);
    const podSeccomp = rec(podSc.seccompProfile).type;
    if (podSc.runAsUser === 0) out.push("pod runAsUser 0");
    for (const { name, c } of containersOf(spec)) {
        const sc = rec(c.securityContext);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation not false`);
        const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
        if (nonRoot !== true) out.push(`${name}: runAsNonRoot not true`);
        if (sc.runAsUser === 0) out.push(`${name}: runAsUser 0`);
        const seccomp = rec(sc.seccompProfile).type ?? podSeccomp;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`${name}: seccompProfile not RuntimeDefault/Localhost`);
        const caps = rec(sc.capabilities);
        if (!((caps.drop as string[] | undefined) ?? []).includes("ALL")) out.push(`${name}: capabilities do not drop ALL`);
        for (const cap of (caps.add as string[] | undefined) ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${name}: adds capability ${cap}`);
    }
    return out;
}

/** Violations of `spec` at `level` (none at privileged). */
export function podSecurityViolations(spec: Rec, level: PodSecurityLevel): string[] {
    if (level === "privileged") return [];
    return level === "baseline" ? baselineViolations(spec) : restrictedViolations(spec);
}
