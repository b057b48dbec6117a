/**
 * What a chart's `tpl` makes of text the builders escaped with escapeHelmTpl
 * (components/k8s/logs/values.ts): `{{ "{{" }}` renders `{{`; no other template action may remain.
 */
import assert from "node:assert/strict";

export function renderTplLiteral(text: string): string {
    const rendered = text.split('{{ "{{" }}');
    for (const part of rendered) assert.ok(!part.includes("{{"), `unescaped template action in: ${part.slice(0, 80)}`);
    return rendered.join("{{");
}
