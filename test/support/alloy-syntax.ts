/**
 * Alloy configuration text as data, for tests: a parser for the Alloy syntax subset the builder
 * (components/k8s/collector/config.ts) emits, and the tenant a stream is pushed under.
 * No `alloy` binary is available on this machine (no Debian package, and no Alloy syntax parser on
 * npm), so the configuration is checked by parsing it here.
 */
import assert from "node:assert/strict";
import { parser as logqlParser } from "@grafana/lezer-logql";
import { logqlErrors } from "../../components/k8s/teams/grammar";

// ---- a parser for the Alloy syntax subset the builder emits --------------------------------------
export type Value = string | number | boolean | Value[] | { [k: string]: Value } | { ref: string } | { call: string; args: Value[] } | { concat: Value[] };
export interface Block {
    name: string;
    label?: string;
    attrs: Record<string, Value>;
    blocks: Block[];
}
type Tok = { t: "str"; v: string } | { t: "num"; v: number } | { t: "id"; v: string } | { t: "p"; v: string };

function tokenize(src: string): Tok[] {
    const toks: Tok[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i] as string;
        if (/\s/.test(c)) i++;
        else if (src.startsWith("//", i)) while (i < src.length && src[i] !== "\n") i++;
        else if (c === '"') {
            let j = i + 1;
            while (src[j] !== '"') {
                assert.ok(j < src.length && src[j] !== "\n", `unterminated string at ${i}`);
                j += src[j] === "\\" ? 2 : 1;
            }
            // Alloy string escapes used by the builder are a subset of JSON's.
            toks.push({ t: "str", v: JSON.parse(src.slice(i, j + 1)) as string });
            i = j + 1;
        } else if (/[0-9]/.test(c)) {
            const m = /^\d+(\.\d+)?/.exec(src.slice(i)) as RegExpExecArray;
            toks.push({ t: "num", v: Number(m[0]) });
            i += m[0].length;
        } else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i)) as RegExpExecArray;
            toks.push({ t: "id", v: m[0] });
            i += m[0].length;
        } else if ("{}[](),=+".includes(c)) {
            toks.push({ t: "p", v: c });
            i++;
        } else assert.fail(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
    return toks;
}

export function parseAlloy(src: string): Block {
    const toks = tokenize(src);
    let p = 0;
    const peek = () => toks[p];
    const next = () => {
        const t = toks[p++];
        assert.ok(t, "unexpected end of input");
        return t;
    };
    const expect = (v: string) => {
        const t = next();
        assert.ok(t.t === "p" && t.v === v, `expected ${v}, got ${JSON.stringify(t)}`);
    };
    const isP = (v: string) => peek()?.t === "p" && peek()?.v === v;

    function primary(): Value {
        const t = next();
        if (t.t === "str" || t.t === "num") return t.v;
        if (t.t === "id") {
            if (t.v === "true" || t.v === "false") return t.v === "true";
            if (isP("(")) {
                next();
                const args: Value[] = [];
                while (!isP(")")) {
                    args.push(expr());
                    if (isP(",")) next();
                }
                next();
                return { call: t.v, args };
            }
            return { ref: t.v };
        }
        if (t.v === "[") {
            const items: Value[] = [];
            while (!isP("]")) {
                items.push(expr());
                if (isP(",")) next();
                else assert.ok(isP("]"), "list items need commas");
            }
            next();
            return items;
        }
        if (t.v === "{") {
            const obj: Record<string, Value> = {};
            while (!isP("}")) {
                const k = next();
                assert.ok(k.t === "id" || k.t === "str", "object keys are identifiers or strings");
                expect("=");
                obj[k.v as string] = expr();
                if (isP(",")) next();
                else assert.ok(isP("}"), "object entries need commas");
            }
            next();
            return obj;
        }
        return assert.fail(`unexpected token ${JSON.stringify(t)}`);
    }
    function expr(): Value {
        const first = primary();
        if (!isP("+")) return first;
        const parts = [first];
        while (isP("+")) {
            next();
            parts.push(primary());
        }
        return { concat: parts };
    }
    function body(until: string | undefined): Block {
        const block: Block = { name: "", attrs: {}, blocks: [] };
        while (until ? !isP(until) : p < toks.length) {
            const name = next();
            assert.equal(name.t, "id", `statement must start with an identifier, got ${JSON.stringify(name)}`);
            if (isP("=")) {
                next();
                assert.ok(!(name.v in block.attrs), `duplicate attribute ${name.v}`);
                block.attrs[name.v as string] = expr();
                continue;
            }
            let label: string | undefined;
            if (peek()?.t === "str") label = next().v as string;
            expect("{");
            const child = body("}");
            next();
            block.blocks.push({ ...child, name: name.v as string, label });
        }
        return block;
    }
    return body(undefined);
}

export const find = (b: Block, name: string, label?: string): Block => {
    const found = b.blocks.filter((c) => c.name === name && (label === undefined || c.label === label));
    assert.equal(found.length, 1, `expected one ${name}${label ? ` "${label}"` : ""}, found ${found.length}`);
    return found[0] as Block;
};
export const obj = (v: Value | undefined): Record<string, Value> => {
    assert.ok(v && typeof v === "object" && !Array.isArray(v) && !("ref" in v) && !("call" in v) && !("concat" in v), "object expected");
    return v as Record<string, Value>;
};


// ---- per-team tenants: stage.match + stage.tenant, evaluated as Alloy v1.18.1 does ---------------
// The selector of each stage.match is parsed with the official LogQL grammar and its matchers applied
// like Prometheus label matchers (regexes anchored). stage.tenant { value } sets the entry's
// `__tenant_id__`, which loki.write sends instead of its tenant_id; without it, tenant_id applies.

interface SelectorMatcher {
    readonly name: string;
    readonly op: string;
    readonly value: string;
}

function selectorMatchers(selector: string): SelectorMatcher[] {
    assert.deepEqual(logqlErrors(selector), [], `${selector} parses as LogQL`);
    const out: SelectorMatcher[] = [];
    logqlParser.parse(selector).iterate({
        enter: (n) => {
            if (n.name !== "Matcher") return;
            const id = n.node.getChild("Identifier");
            const str = n.node.getChild("String");
            const op = id?.nextSibling;
            assert.ok(id && str && op, `matcher ${selector.slice(n.from, n.to)}`);
            out.push({ name: selector.slice(id.from, id.to), op: op.name, value: JSON.parse(selector.slice(str.from, str.to)) as string });
        },
    });
    assert.ok(out.length > 0, `${selector} has matchers`);
    return out;
}

function matches(m: SelectorMatcher, labels: Record<string, string>): boolean {
    const v = labels[m.name] ?? "";
    const re = () => new RegExp(`^(?:${m.value})$`).test(v);
    if (m.op === "Eq") return v === m.value;
    if (m.op === "Neq") return v !== m.value;
    if (m.op === "Re") return re();
    if (m.op === "Nre") return !re();
    return assert.fail(`unknown matcher ${m.op}`);
}

/** The tenant a stream with these labels is pushed under, by the configuration's process and write blocks. */
export function tenantOf(config: Block, labels: Record<string, string>): string {
    let tenant: string | undefined;
    for (const stage of find(config, "loki.process", "pods").blocks) {
        if (stage.name === "stage.tenant") assert.fail("a top-level stage.tenant would move every stream");
        if (stage.name !== "stage.match") continue;
        assert.equal(stage.attrs.action ?? "keep", "keep", "a tenant match never drops lines");
        if (!selectorMatchers(stage.attrs.selector as string).every((m) => matches(m, labels))) continue;
        for (const inner of stage.blocks) {
            assert.equal(inner.name, "stage.tenant", "a tenant match only sets the tenant");
            assert.deepEqual(Object.keys(inner.attrs), ["value"], "a fixed tenant, never one taken from the line or a label");
            tenant = inner.attrs.value as string;
        }
    }
    return tenant ?? (find(find(config, "loki.write", "default"), "endpoint").attrs.tenant_id as string);
}

