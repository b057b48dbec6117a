/**
 * Kubernetes resource quantities as numbers, for budgets: what the platform requests against
 * what its nodes can hold. Pure functions, shared by builders, render and tests.
 */

const MEMORY_UNIT_MIB: Readonly<Record<string, number>> = {
    "": 1 / (1024 * 1024),
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 1024 * 1024,
    k: 1000 / (1024 * 1024),
    M: 1e6 / (1024 * 1024),
    G: 1e9 / (1024 * 1024),
    T: 1e12 / (1024 * 1024),
};

/** Parse a Kubernetes memory quantity ("512Mi", "1Gi", "1G", "1048576") into MiB. */
export function memoryQuantityMiB(q: string | number): number {
    if (typeof q === "number") return q / (1024 * 1024);
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q.trim());
    const unit = MEMORY_UNIT_MIB[m?.[2] ?? ""];
    if (!m || unit === undefined) throw new Error(`unsupported memory quantity ${JSON.stringify(q)}`);
    return Number(m[1]) * unit;
}

/** Parse a Kubernetes CPU quantity ("250m", "1", "0.5", 2) into millicores. */
export function cpuQuantityMillis(q: string | number): number {
    if (typeof q === "number") return q * 1000;
    const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q.trim());
    if (!m) throw new Error(`unsupported CPU quantity ${JSON.stringify(q)}`);
    return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}
