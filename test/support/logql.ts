import { parser } from "@grafana/lezer-logql";
import type { SyntaxNodeRef } from "@lezer/common";

/** Label names used in every stream selector `{...}` of the expression, read from the syntax tree. */
export function streamSelectorLabels(expr: string): Set<string> {
    const labels = new Set<string>();
    parser.parse(expr).iterate({
        enter: (node: SyntaxNodeRef) => {
            if (node.name !== "Matcher") return;
            // Matcher = Identifier op String; only matchers inside a Selector are stream selectors
            // (label filters after a parser stage use different nodes).
            let parent = node.node.parent;
            while (parent && parent.name === "Matchers") parent = parent.parent;
            if (parent?.name !== "Selector") return;
            const id = node.node.getChild("Identifier");
            if (id) labels.add(expr.slice(id.from, id.to));
        },
    });
    return labels;
}

/** Label names used in `by (...)` / `without (...)` groupings. */
export function groupingLabels(expr: string): Set<string> {
    const labels = new Set<string>();
    parser.parse(expr).iterate({
        enter: (node: SyntaxNodeRef) => {
            if (node.name !== "Grouping") return;
            for (const id of node.node.getChildren("Labels").flatMap((l) => collectIdentifiers(l)))
                labels.add(expr.slice(id.from, id.to));
        },
    });
    return labels;
}

function collectIdentifiers(node: import("@lezer/common").SyntaxNode): import("@lezer/common").SyntaxNode[] {
    const out: import("@lezer/common").SyntaxNode[] = [];
    const cursor = node.cursor();
    if (!cursor.firstChild()) return out;
    do {
        if (cursor.name === "Identifier") out.push(cursor.node);
        else if (cursor.name === "Labels") out.push(...collectIdentifiers(cursor.node));
    } while (cursor.nextSibling());
    return out;
}
