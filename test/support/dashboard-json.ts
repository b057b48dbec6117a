/**
 * Reading Grafana dashboard models the way Grafana does, for tests: every query (panel targets,
 * variables' selectors, Explore data links) with its datasource uid and language, Grafana
 * variables substituted so the upstream PromQL/LogQL grammars can parse them, and the matchers,
 * metric names and groupings read from those grammars' syntax trees.
 */
import assert from "node:assert/strict";
import { parser as logqlParser } from "@grafana/lezer-logql";
import type { SyntaxNodeRef } from "@lezer/common";
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import { datasourceUids } from "../../components/endpoints";
import { type DashboardModel, LOGS_OVERVIEW_DASHBOARD_UID } from "../../components/k8s/dashboards/builders";
import { PLATFORM_METRICS } from "../../components/k8s/dashboards/platform";
import { promqlSyntaxErrors } from "../../components/k8s/teams/grammar";
import { sampleValues, substituteGrafanaVariables } from "../../components/k8s/teams/grafana-vars";

export interface DsRef {
    type?: string;
    uid?: string;
}
export interface JsonTarget {
    refId?: string;
    expr?: string;
    datasource?: DsRef | string;
}
export interface JsonPanel {
    type: string;
    title?: string;
    datasource?: DsRef | string;
    targets?: JsonTarget[];
    panels?: JsonPanel[];
    fieldConfig?: {
        defaults?: {
            links?: { url?: string; title?: string }[];
            unit?: string;
            thresholds?: { steps: { value: number | null; color: string }[] };
            custom?: { thresholdsStyle?: { mode: string } };
        };
    };
}
export interface JsonVariable {
    name: string;
    type: string;
    query?: string;
    multi?: boolean;
    datasource?: DsRef | string;
}
export interface JsonDashboard {
    uid: string;
    panels?: JsonPanel[];
    templating: { list?: JsonVariable[] };
}

export const asJson = (d: DashboardModel): JsonDashboard => JSON.parse(JSON.stringify(d)) as JsonDashboard;

export function allPanels(d: JsonDashboard): JsonPanel[] {
    const out: JsonPanel[] = [];
    const walk = (ps: JsonPanel[] | undefined): void => {
        for (const p of ps ?? []) {
            out.push(p);
            walk(p.panels);
        }
    };
    walk(d.panels);
    return out;
}

export type Language = "promql" | "logql";

/** A query in a dashboard: a panel target, a variable's selector, or a data link's Explore query. */
export interface Query {
    readonly language: Language;
    /** The text as stored, Grafana variables and all. */
    readonly expr: string;
    /** Datasource uid the query runs on. */
    readonly uid: string;
    /** Where it is, for failure messages. */
    readonly where: string;
    /** The panel holding it, if any. */
    readonly panel?: JsonPanel;
}

export const LANGUAGE_OF_UID: Record<string, Language> = { [datasourceUids.prometheus]: "promql", [datasourceUids.loki]: "logql" };

export function dsUid(ref: DsRef | string | undefined, where: string): string {
    // A datasource given by name (a string) breaks when the datasource is renamed: uids only.
    assert.ok(ref !== undefined && typeof ref === "object", `${where}: datasource must be a {uid} reference, got ${JSON.stringify(ref)}`);
    assert.ok(typeof ref.uid === "string", `${where}: datasource without uid`);
    return ref.uid;
}

export function languageOf(uid: string, where: string): Language {
    const lang = LANGUAGE_OF_UID[uid];
    assert.ok(lang, `${where}: no query language for datasource uid ${uid}`);
    return lang;
}

/** The LogQL query of a data link to Explore, after checking the link's shape. */
export function exploreQuery(url: string, where: string): { expr: string; uid: string } {
    assert.match(url, /^\/explore\?/, `${where}: not an Explore link`);
    // Grafana fills `${...}` in data-link URLs only where they are written raw.
    assert.doesNotMatch(url, /%24%7B/i, `${where}: a placeholder is percent-encoded, Grafana would not fill it`);
    assert.match(url, /\$\{__from\}/, `${where}: no raw time-range placeholder`);
    const params = new URLSearchParams(url.slice(url.indexOf("?") + 1));
    const panes = JSON.parse(params.get("panes") ?? "null") as Record<
        string,
        { datasource: string; queries: { expr: string; datasource: DsRef }[]; range: { from: string; to: string } }
    > | null;
    assert.ok(panes, `${where}: Explore link without panes`);
    const pane = Object.values(panes)[0];
    assert.ok(pane && pane.queries.length === 1, `${where}: expected one pane with one query`);
    const q = pane.queries[0] as { expr: string; datasource: DsRef };
    assert.equal(pane.datasource, q.datasource.uid, `${where}: pane and query datasource differ`);
    // The clicked panel's time range, so the logs shown are those of the spike clicked on.
    assert.deepEqual(pane.range, { from: "${__from}", to: "${__to}" }, `${where}: link does not keep the time range`);
    return { expr: q.expr, uid: dsUid(q.datasource, where) };
}

export function queriesOf(d: JsonDashboard): Query[] {
    const out: Query[] = [];
    for (const p of allPanels(d)) {
        const where = `${d.uid} / ${p.title ?? p.type}`;
        for (const t of p.targets ?? []) {
            const uid = dsUid(t.datasource ?? p.datasource, `${where} / ${t.refId}`);
            const expr = t.expr;
            assert.ok(typeof expr === "string", `${where}: target without expr`);
            out.push({ language: languageOf(uid, where), expr, uid, where: `${where} / ${t.refId}`, panel: p });
        }
        for (const link of p.fieldConfig?.defaults?.links ?? []) {
            const q = exploreQuery(link.url ?? "", `${where} / link ${link.title}`);
            out.push({ language: languageOf(q.uid, where), ...q, where: `${where} / link ${link.title}`, panel: p });
        }
    }
    for (const v of d.templating.list ?? []) {
        const where = `${d.uid} / variable ${v.name}`;
        const uid = dsUid(v.datasource, where);
        // label_values(<selector>, <label>) is Grafana's, not PromQL: parse the selector inside.
        const m = /^label_values\((.*), *(\w+)\)$/.exec(v.query ?? "");
        assert.ok(m, `${where}: expected label_values(selector, label), got ${v.query}`);
        assert.equal(m[2], v.name, `${where}: lists values of another label`);
        out.push({ language: languageOf(uid, where), expr: m[1] as string, uid, where });
    }
    return out;
}

export const variableNames = (d: JsonDashboard): string[] => (d.templating.list ?? []).map((v) => v.name);
export const substituted = (q: Query, d: JsonDashboard): string => substituteGrafanaVariables(q.expr, sampleValues(variableNames(d)));

/** A `label op "value"` matcher of a selector, read from the grammar's syntax tree. */
export interface Matcher {
    readonly label: string;
    readonly op: string;
    readonly value: string;
}

export function matchers(language: Language, expr: string): Matcher[] {
    const out: Matcher[] = [];
    const text = (n: { from: number; to: number }): string => expr.slice(n.from, n.to);
    const unquote = (s: string): string => JSON.parse(s) as string;
    if (language === "promql") {
        promqlParser.parse(expr).iterate({
            enter(node: SyntaxNodeRef) {
                if (node.name !== "UnquotedLabelMatcher") return;
                const [name, op, value] = [node.node.getChild("LabelName"), node.node.getChild("MatchOp"), node.node.getChild("StringLiteral")];
                if (name && op && value) out.push({ label: text(name), op: text(op), value: unquote(text(value)) });
            },
        });
    } else {
        logqlParser.parse(expr).iterate({
            enter(node: SyntaxNodeRef) {
                if (node.name !== "Matcher") return;
                const kids = [];
                for (let c = node.node.firstChild; c; c = c.nextSibling) kids.push(c);
                const [name, op, value] = kids;
                if (name?.name === "Identifier" && op && value?.name === "String")
                    out.push({ label: text(name), op: text(op), value: unquote(text(value)) });
            },
        });
    }
    return out;
}

/** Metric names of the PromQL expression's vector selectors. */
export function metricNames(expr: string): Set<string> {
    const names = new Set<string>();
    promqlParser.parse(expr).iterate({
        enter(node: SyntaxNodeRef) {
            if (node.name !== "VectorSelector") return;
            const id = node.node.getChild("Identifier");
            if (id) names.add(expr.slice(id.from, id.to));
        },
    });
    return names;
}

/** Label lists of every `by (...)` in the PromQL expression. */
export function groupings(expr: string): string[][] {
    const out: string[][] = [];
    promqlParser.parse(expr).iterate({
        enter(node: SyntaxNodeRef) {
            if (node.name !== "GroupingLabels") return;
            out.push(node.node.getChildren("LabelName").map((n) => expr.slice(n.from, n.to)));
        },
    });
    return out;
}

export function dashboard(ds: DashboardModel[], uid: string): JsonDashboard {
    const d = ds.find((x) => x.uid === uid);
    assert.ok(d, `no dashboard ${uid}`);
    return asJson(d);
}

/** The logs overview's per-tenant share panel (absent without teams): each query's tenant and the constant its rate is divided by. */
export function tenantIngestionShares(ds: readonly DashboardModel[]): { panel: JsonPanel; shares: { tenant: string; divisor: number }[] } | undefined {
    const d = dashboard([...ds], LOGS_OVERVIEW_DASHBOARD_UID);
    const qs = queriesOf(d).filter((q) => q.language === "promql" && q.panel?.title === "Ingestion against each tenant's limit");
    if (qs.length === 0) return undefined;
    const shares = qs.map((q) => {
        const expr = substituted(q, d);
        assert.deepEqual(promqlSyntaxErrors(expr), [], expr);
        assert.ok(metricNames(expr).has(PLATFORM_METRICS.loki.bytesReceived), expr);
        const tenant = matchers("promql", expr).find((m) => m.label === "tenant" && m.op === "=")?.value ?? assert.fail(expr);
        const divisor = /\) \/ (\d+)$/.exec(expr)?.[1] ?? assert.fail(`${expr}: rate divided by a constant`);
        return { tenant, divisor: Number(divisor) };
    });
    return { panel: qs[0]?.panel as JsonPanel, shares };
}
