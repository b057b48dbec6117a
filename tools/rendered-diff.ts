/**
 * What a change does to the platform, from two offline renders (`npm run render -- <stack> --out`):
 * resource counts and resources added or removed, Helm values, alert and recording rules,
 * Alertmanager configuration, dashboards and the Alloy configuration — as Markdown for a pull
 * request's job summary, so a reviewer sees the effect without cloud credentials.
 *
 *   ts-node tools/rendered-diff.ts <base-dir> <head-dir> [stack...]
 *
 * Each dir holds `<stack>/` as render writes it. Secrets are already `[secret]` in both.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";

/** Changes listed per section before the rest is counted only. */
const MAX_LINES = 25;

type Flat = Map<string, string>;

/** Every leaf of a YAML/JSON value by its path (`a.b[0].c`), as compact JSON. */
export function flatten(v: unknown, at = "", out: Flat = new Map()): Flat {
    if (Array.isArray(v)) {
        if (v.length === 0) out.set(at, "[]");
        v.forEach((x, i) => flatten(x, `${at}[${i}]`, out));
    } else if (typeof v === "object" && v !== null) {
        const entries = Object.entries(v);
        if (entries.length === 0) out.set(at, "{}");
        for (const [k, x] of entries) flatten(x, at ? `${at}.${k}` : k, out);
    } else out.set(at, JSON.stringify(v) ?? "null");
    return out;
}

function clip(s: string, n = 80): string {
    return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** `+ path: value`, `- path: value`, `~ path: old → new`, at most MAX_LINES, then a count. */
export function diffValues(base: unknown, head: unknown): string[] {
    const a = flatten(base);
    const b = flatten(head);
    const lines: string[] = [];
    for (const [k, v] of b) {
        const old = a.get(k);
        if (old === undefined) lines.push(`+ ${k}: ${clip(v)}`);
        else if (old !== v) lines.push(`~ ${k}: ${clip(old, 40)} → ${clip(v, 40)}`);
    }
    for (const [k, v] of a) if (!b.has(k)) lines.push(`- ${k}: ${clip(v)}`);
    return lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`] : lines;
}

function read(dir: string, file: string): string | undefined {
    const p = path.join(dir, file);
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
}

function readYaml(dir: string, file: string): unknown {
    const text = read(dir, file);
    return text === undefined ? undefined : (YAML.parse(text) as unknown);
}

function filesIn(dir: string, sub: string, ext: string): string[] {
    const p = path.join(dir, sub);
    return fs.existsSync(p) ? fs.readdirSync(p).filter((f) => f.endsWith(ext)).sort() : [];
}

interface RecordedLike {
    type: string;
    name: string;
}

function resourcesSection(base: string, head: string): string[] {
    const load = (dir: string) => (JSON.parse(read(dir, "resources.json") ?? "[]") as RecordedLike[]).map((r) => `${r.type} ${r.name}`);
    const a = load(base);
    const b = load(head);
    const count = (list: string[]) => list.reduce((m, r) => m.set(r.split(" ")[0] as string, (m.get(r.split(" ")[0] as string) ?? 0) + 1), new Map<string, number>());
    const ca = count(a);
    const cb = count(b);
    const rows = [...new Set([...ca.keys(), ...cb.keys()])]
        .sort()
        .filter((t) => ca.get(t) !== cb.get(t))
        .map((t) => `| \`${t}\` | ${ca.get(t) ?? 0} | ${cb.get(t) ?? 0} |`);
    const added = b.filter((r) => !a.includes(r)).map((r) => `+ ${r}`);
    const removed = a.filter((r) => !b.includes(r)).map((r) => `- ${r}`);
    const out = [`Resources: ${a.length} → ${b.length}`];
    if (rows.length) out.push("", "| type | base | head |", "|---|---|---|", ...rows);
    if (added.length || removed.length) out.push("", "```diff", ...[...added, ...removed].slice(0, MAX_LINES), "```");
    return out;
}

/** Rules by group and name (`alert` or `record`), each compared whole. */
function rulesByName(doc: unknown): Map<string, unknown> {
    const out = new Map<string, unknown>();
    const groups = (doc as { groups?: { name: string; rules?: Record<string, unknown>[] }[] } | undefined)?.groups ?? [];
    for (const g of groups) for (const r of g.rules ?? []) out.set(`${g.name}/${String(r.alert ?? r.record)}`, r);
    return out;
}

function rulesSection(base: string, head: string, file: string): string[] {
    const a = rulesByName(readYaml(base, file));
    const b = rulesByName(readYaml(head, file));
    const lines: string[] = [];
    for (const [k, r] of b) {
        if (!a.has(k)) lines.push(`+ ${k}`);
        else if (JSON.stringify(a.get(k)) !== JSON.stringify(r)) lines.push(`~ ${k}`, ...diffValues(a.get(k), r).map((l) => `    ${l}`));
    }
    for (const k of a.keys()) if (!b.has(k)) lines.push(`- ${k}`);
    return lines;
}

function dashboardsSection(base: string, head: string): string[] {
    const lines: string[] = [];
    const names = [...new Set([...filesIn(base, "dashboards", ".json"), ...filesIn(head, "dashboards", ".json")])];
    for (const f of names) {
        const a = read(base, `dashboards/${f}`);
        const b = read(head, `dashboards/${f}`);
        const uid = f.replace(/\.json$/, "");
        if (a === undefined) lines.push(`+ ${uid}`);
        else if (b === undefined) lines.push(`- ${uid}`);
        else if (a !== b) {
            const titles = (t: string) => new Set([...flatten(JSON.parse(t) as unknown).entries()].filter(([k]) => /panels\[\d+\]\.title$/.test(k)).map(([, v]) => v));
            const [ta, tb] = [titles(a), titles(b)];
            const added = [...tb].filter((t) => !ta.has(t));
            const removed = [...ta].filter((t) => !tb.has(t));
            lines.push(`~ ${uid}${added.length ? `; panels added ${added.join(", ")}` : ""}${removed.length ? `; panels removed ${removed.join(", ")}` : ""}`);
        }
    }
    return lines;
}

/** One stack's changes, or that it did not change. */
export function diffStack(stack: string, base: string, head: string): string {
    if (!fs.existsSync(path.join(head, "resources.json"))) return `### ${stack}\n\nNot rendered on this branch (see the job log).\n`;
    if (!fs.existsSync(path.join(base, "resources.json"))) return `### ${stack}\n\nThe base branch could not be rendered; nothing to compare.\n\n${resourcesSection(head, head)[0]?.replace(/ → \d+$/, "") ?? ""}\n`;
    const parts: string[] = [`### ${stack}`, "", ...resourcesSection(base, head)];
    const section = (title: string, lines: string[]) => {
        if (lines.length) parts.push("", `**${title}**`, "", "```diff", ...lines, "```");
    };
    const releases = [...new Set([...filesIn(base, "helm", ".yaml"), ...filesIn(head, "helm", ".yaml")])];
    for (const f of releases) section(`Helm values: ${f.replace(/\.yaml$/, "")}`, diffValues(readYaml(base, `helm/${f}`), readYaml(head, `helm/${f}`)));
    section("Prometheus rules", rulesSection(base, head, "prometheus-rules.yaml"));
    section("Loki rules", rulesSection(base, head, "loki-rules.yaml"));
    section("Alertmanager configuration", diffValues(readYaml(base, "alertmanager.yaml"), readYaml(head, "alertmanager.yaml")));
    section("Dashboards", dashboardsSection(base, head));
    const alloyA = read(base, "alloy/config.alloy");
    const alloyB = read(head, "alloy/config.alloy");
    if (alloyA !== alloyB) parts.push("", `**Alloy configuration** changed (${alloyA?.split("\n").length ?? 0} → ${alloyB?.split("\n").length ?? 0} lines).`);
    if (parts.length === 3 && parts[2]?.match(/^Resources: (\d+) → \1$/)) return `### ${stack}\n\nNo change to the rendered platform.\n`;
    return `${parts.join("\n")}\n`;
}

export function diffRenders(baseDir: string, headDir: string, stacks: readonly string[]): string {
    return [`## What this change does to the platform`, "", ...stacks.map((s) => diffStack(s, path.join(baseDir, s), path.join(headDir, s)))].join("\n");
}

if (require.main === module) {
    const [base, head, ...stacks] = process.argv.slice(2);
    if (!base || !head) {
        process.stderr.write("usage: ts-node tools/rendered-diff.ts <base-dir> <head-dir> [stack...]\n");
        process.exit(2);
    }
    const list = stacks.length ? stacks : fs.readdirSync(head).filter((d) => fs.statSync(path.join(head, d)).isDirectory());
    process.stdout.write(diffRenders(base, head, list));
}
