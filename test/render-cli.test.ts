/**
 * First contact with render and the README's examples: file-level mistakes named as such, help,
 * a good run that prints one line, the secrets `pulumi up` would stop on, documentation values
 * warned about, and the README's stacks and error output taken from the README itself, so it
 * cannot drift from what the program does.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { main } from "../program";
import { runUnderMocks } from "../tools/mock-run";
import { keepPlaceholders, readStackConfig } from "../tools/stack-config";
import { PROJECT, ROOT, runStack } from "./support/graph";
import { type RenderRun, renderCommand, renderQuietly, tmp } from "./support/render";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const BROUGHT = path.join(ROOT, "test", "fixtures", "stacks", "Pulumi.dev-brought.yaml");

/** The README's text under `heading` (any level), up to the next heading of the same or a higher level. */
function readmeSection(heading: string): string {
    const lines = README.split("\n");
    const start = lines.findIndex((l) => new RegExp(`^#+ ${heading}$`).test(l));
    assert.ok(start >= 0, `README has a "${heading}" section`);
    const level = (/^#+/.exec(lines[start] as string)?.[0] ?? "").length;
    const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && (/^#+/.exec(l)?.[0] ?? "").length <= level);
    return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The contents of every ```<lang> block in `text`. */
function fencedBlocks(text: string, lang: string): string[] {
    return [...text.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))].map((m) => m[1] as string);
}

/** The README's table of example values to replace before deploying: key (no project prefix) -> example value. */
function valuesToReplace(): Map<string, string> {
    const lines = readmeSection("Deploying").split("\n");
    const header = lines.findIndex((l) => /^\| key \| example value \|/.test(l));
    assert.ok(header >= 0, "README's Deploying section has the table of example values");
    const rows = new Map<string, string>();
    for (const line of lines.slice(header + 2)) {
        if (!line.startsWith("|")) break;
        const [key, example] = line.split("|").slice(1, 3).map((cell) => /`([^`]+)`/.exec(cell)?.[1]);
        assert.ok(key && example, `a key and an example value in: ${line}`);
        rows.set(key, example);
    }
    return rows;
}

/** The stack file text with every example value the README lists replaced by a real-looking one. */
function withExamplesReplaced(text: string): string {
    let out = text;
    for (const example of valuesToReplace().values()) {
        const own = example.startsWith("arn:") ? example.replace(":123456789012:", ":210987654321:") : "100.20.0.0/24";
        out = out.split(example).join(own);
    }
    return out;
}

function writeStack(name: string, text: string): string {
    const file = path.join(tmp("plg-cli-"), `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, text);
    return file;
}

function stackText(stack: "dev" | "prod"): string {
    return fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
}

/** The stack file's config with `key` (under the project namespace unless it names one) set to `value`. */
function withSetting(text: string, key: string, value: unknown): string {
    const doc = YAML.parse(text) as { config: Record<string, unknown> };
    doc.config[key.includes(":") ? key : `${PROJECT}:${key}`] = value;
    return YAML.stringify(doc);
}

/** The stack file importing exactly these ESC environments (`environment:`). */
function withEnvironments(text: string, environments: string[]): string {
    const doc = YAML.parse(text) as Record<string, unknown>;
    delete doc.environment;
    return YAML.stringify(environments.length ? { environment: environments, ...doc } : doc);
}

/** Every line render printed on stderr, each a `warning: ` line. */
function warningLines(r: RenderRun): string[] {
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    for (const l of lines) assert.match(l, /^warning: /, `only warnings on stderr, got: ${l}`);
    return lines.map((l) => l.slice("warning: ".length));
}

/** `cluster.adminPrincipalArns` from `plg-observability:cluster.adminPrincipalArns[0]: ...`. */
function warnedKey(line: string): string {
    const m = new RegExp(`^${PROJECT}:([^:\\s]+): `).exec(line);
    assert.ok(m, `a warning names the full key first: ${line}`);
    return (m[1] as string).replace(/\[\d+\]/g, "");
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function summaryOf(out: string): string {
    return fs.readFileSync(path.join(out, "summary.txt"), "utf8");
}

describe("render: first contact", function () {
    describe("file-level mistakes: exit 1, named as such, no stack trace, nothing written", () => {
        async function expectFileError(argv: string[], pattern: RegExp, projectDir?: string): Promise<void> {
            const out = path.join(tmp("plg-cli-out-"), "out");
            const r = await renderQuietly([...argv, "--out", out], projectDir);
            assert.equal(r.code, 1, r.stderr);
            assert.match(r.stderr, pattern);
            assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
            assert.equal(fs.existsSync(out), false, "nothing written");
        }

        it("a YAML syntax error in the stack file names the file, line and column", async () => {
            const file = writeStack("broken", "config:\n  plg-observability:environment: dev\n  plg-observability:aws: [eu-west-1,\n  plg-observability:cluster: {}\n");
            await expectFileError(["broken", "--stack-file", file], new RegExp(`^${escapeRegExp(file)}:4:3: YAML syntax error: `, "m"));
        });

        it("a duplicate key is a YAML error at its line", async () => {
            const file = writeStack("dup", `${stackText("dev")}  plg-observability:environment: prod\n`);
            const line = stackText("dev").split("\n").length;
            await expectFileError(["dup", "--stack-file", file], new RegExp(`Pulumi\\.dup\\.yaml:${line}:3: YAML syntax error: Map keys must be unique`));
        });

        it("a YAML syntax error in Pulumi.yaml names Pulumi.yaml, line and column", async () => {
            const project = tmp("plg-cli-project-");
            fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: plg-observability\nruntime:\n\tname: nodejs\n");
            fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(project, "Pulumi.dev.yaml"));
            await expectFileError(["dev"], /Pulumi\.yaml:3:1: YAML syntax error: Tabs/, project);
        });

        it("a directory, an empty file, a file without config: and a missing file are named as such", async () => {
            const dir = tmp("plg-cli-dir-");
            await expectFileError(["x", "--stack-file", dir], /is a directory; expected a stack file/);
            await expectFileError(["x", "--stack-file", writeStack("empty", "")], /Pulumi\.empty\.yaml is empty; expected a config: section/);
            await expectFileError(["x", "--stack-file", writeStack("comments", "# only a comment\n")], /Pulumi\.comments\.yaml is empty/);
            await expectFileError(["x", "--stack-file", writeStack("noconfig", "encryptionsalt: abc\n")], /Pulumi\.noconfig\.yaml has no config: section/);
            await expectFileError(["x", "--stack-file", writeStack("list", "config:\n  - a\n")], /Pulumi\.list\.yaml: config: expected a map of keys to values, given a list/);
            await expectFileError(["x", "--stack-file", path.join(dir, "Pulumi.none.yaml")], /stack file not found: .*Pulumi\.none\.yaml/);
        });
    });

    it("--help and -h print the usage and exit 0; bad command lines exit 2 with the usage", async () => {
        for (const flag of ["--help", "-h"]) {
            const r = await renderQuietly([flag]);
            assert.equal(r.code, 0);
            assert.match(r.stdout, /^usage: npm run render -- <stack> \[--stack-file FILE\] \[--out DIR\]/);
            assert.match(r.stdout, /--stack-file FILE/);
            assert.equal(r.stderr, "");
        }
        for (const argv of [[], ["dev", "--bogus"], ["dev", "prod"], ["dev", "--out"]]) {
            const r = await renderQuietly(argv);
            assert.equal(r.code, 2, argv.join(" "));
            assert.match(r.stderr, /^usage: /m);
        }
    });

    describe("a good run prints exactly one line (the real command, in its own process)", () => {
        // dev runs the whole command, helm template included; the others skip it to keep the suite fast.
        const cases: [string, () => string, boolean][] = [
            ["dev, its example values replaced (with manifests)", () => writeStack("dev", withExamplesReplaced(stackText("dev"))), true],
            // prod warns while its dead man's switch is off: here it is on (its URL, absent offline, is a placeholder).
            [
                "prod, its example values replaced, its heartbeat on",
                () =>
                    writeStack(
                        "prod",
                        withSetting(withExamplesReplaced(stackText("prod")), "alerting", { slack: { channel: "#alerts-prod" }, heartbeat: { enabled: true } }),
                    ),
                false,
            ],
            ["dev on a brought cluster (test/fixtures/stacks/Pulumi.dev-brought.yaml)", () => BROUGHT, false],
        ];
        for (const [name, file, manifests] of cases) {
            it(name, () => {
                const stack = path.basename(file()).replace(/^Pulumi\.|\.yaml$/g, "");
                const out = tmp("plg-cli-good-");
                const r = renderCommand([stack, "--stack-file", file(), "--out", out], { manifests });
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stderr, "", "nothing on stderr");
                assert.match(r.stdout, new RegExp(`^rendered ${stack} to ${out} \\(\\d+ files, \\d+ resources, \\d+ ms\\)\\n$`));
                assert.doesNotMatch(summaryOf(out), /^warnings:$/m);
            });
        }
    });

    describe("documentation values", () => {
        it("the committed stacks and the README's examples render, warning about exactly the README's list of values to replace", async () => {
            const minimal = fencedBlocks(readmeSection("Configuring a stack"), "yaml")[0];
            const brought = fencedBlocks(readmeSection("Bring your own cluster"), "yaml")[0];
            assert.ok(minimal && brought, "README's minimal stack and brought-cluster example");
            // The brought-cluster example replaces the minimal stack's cluster key, as the README says.
            const broughtStack = withSetting(minimal, "cluster", (YAML.parse(brought) as Record<string, unknown>)[`${PROJECT}:cluster`]);
            const warned = new Set<string>();
            for (const [name, text] of [["dev", stackText("dev")], ["prod", stackText("prod")], ["minimal", minimal], ["brought", broughtStack]] as const) {
                const out = tmp("plg-cli-doc-");
                const r = await renderQuietly([name, "--stack-file", writeStack(name, text), "--out", out]);
                assert.equal(r.code, 0, r.stderr);
                const all = warningLines(r);
                // prod also says its dead man's switch is off (config/checks.ts): the user's own service, not an example value.
                const heartbeat = all.filter((w) => w.startsWith(`${PROJECT}:alerting.heartbeat.enabled:`));
                assert.equal(heartbeat.length, name === "prod" ? 1 : 0, all.join("\n"));
                const warnings = all.filter((w) => !heartbeat.includes(w));
                for (const w of warnings) {
                    assert.match(w, /123456789012|RFC 5737/, `only documentation-value warnings: ${w}`);
                    warned.add(warnedKey(w));
                }
                // The same warnings, in summary.txt under "warnings:".
                const summary = summaryOf(out);
                assert.deepEqual(summary.split("\n").slice(summary.split("\n").indexOf("warnings:") + 1, -1).map((l) => l.trim()), all);
            }
            assert.deepEqual([...warned].sort(), [...valuesToReplace().keys()].map((k) => k.replace(/ \(.*\)$/, "")).sort());
        });

        it("names every RFC 5737 range and an example-account ARN anywhere, by full key path", async () => {
            let text = withSetting(stackText("dev"), "cluster", {
                name: "plg-dev",
                adminPrincipalArns: ["arn:aws:iam::210987654321:role/Admin"],
                endpoint: { publicAccessCidrs: ["192.0.2.0/24", "198.51.100.128/25", "10.1.0.0/16", "203.0.113.7/32"] },
            });
            text = withSetting(text, "grafana", { hostname: "grafana.example.org", tlsCertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" });
            const r = await renderQuietly(["dev", "--stack-file", writeStack("doc", text), "--out", tmp("plg-cli-doc-")]);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(warningLines(r).map((w) => w.split(": ")[0]).sort(), [
                `${PROJECT}:cluster.endpoint.publicAccessCidrs[0]`,
                `${PROJECT}:cluster.endpoint.publicAccessCidrs[1]`,
                `${PROJECT}:cluster.endpoint.publicAccessCidrs[3]`,
                `${PROJECT}:grafana.tlsCertificateArn`,
            ]);
        });
    });

    it("prints each warning once, on stderr and under warnings: in summary.txt, the program's own included", async () => {
        const routingKey = "PlainTextRoutingKey0123456789abc";
        let text = withSetting(withExamplesReplaced(stackText("prod")), "pagerdutyRoutingKey", routingKey);
        text = withSetting(text, "aws:region", "eu-west-1"); // the program logs this one itself as well
        const out = tmp("plg-cli-warn-");
        const r = await renderQuietly(["prod", "--stack-file", writeStack("prod", text), "--out", out]);
        assert.equal(r.code, 0, r.stderr);
        const warnings = warningLines(r);
        assert.equal(new Set(warnings).size, warnings.length, `each warning once:\n${r.stderr}`);
        assert.ok(warnings.some((w) => w.startsWith("aws:region: ")), r.stderr);
        assert.ok(warnings.some((w) => w.startsWith(`${PROJECT}:pagerdutyRoutingKey: `)), r.stderr);
        assert.doesNotMatch(r.stderr, new RegExp(routingKey));
        const lines = summaryOf(out).split("\n");
        assert.deepEqual(lines.slice(lines.indexOf("warnings:") + 1, -1).map((l) => l.trim()), warnings);
    });

    describe("secrets pulumi up would stop on", () => {
        async function summaryFor(text: string): Promise<string> {
            const out = tmp("plg-cli-secrets-");
            const r = await renderQuietly(["s", "--stack-file", writeStack("s", text), "--out", out]);
            assert.equal(r.code, 0, r.stderr);
            return summaryOf(out);
        }
        const stops = (summary: string) => summary.split("\n").filter((l) => l.startsWith("pulumi up would stop: "));

        it("dev: Slack's webhook is listed with the command; PagerDuty, off, is not mentioned", async () => {
            const summary = await summaryFor(withEnvironments(stackText("dev"), []));
            assert.deepEqual(stops(summary), [
                `pulumi up would stop: ${PROJECT}:slackWebhookUrl not set, needed by ${PROJECT}:alerting.slack.enabled (pulumi config set --secret slackWebhookUrl <an https://hooks.slack.com/services/... URL>); rendered with a placeholder, shown as [secret]`,
            ]);
            assert.doesNotMatch(summary, /pagerduty/i);
        });

        it("a stack importing ESC environments: the line says they may set it (render cannot read them)", async () => {
            const summary = await summaryFor(withEnvironments(stackText("dev"), ["team/base", "team/dev"]));
            assert.deepEqual(stops(summary).map((l) => /^pulumi up would stop: (\S+) not set, needed by \S+(, unless [^(]*) \(/.exec(l)?.slice(1)), [
                [`${PROJECT}:slackWebhookUrl`, ", unless the ESC environment team/base or team/dev sets it"],
            ]);
        });

        it("follows the settings: PagerDuty turned on in dev is listed, Slack turned off in dev is not", async () => {
            const text = withSetting(stackText("dev"), "alerting", { slack: { enabled: false }, pagerduty: { enabled: true } });
            const summary = await summaryFor(text);
            assert.deepEqual(stops(summary).map((l) => l.split(" ")[4]), [`${PROJECT}:pagerdutyRoutingKey`]);
            assert.doesNotMatch(summary, /slackWebhookUrl/);
        });

        it("prod: a given secret is not listed; an encrypted one is rendered from a placeholder but pulumi up would have it", async () => {
            let text = withSetting(stackText("prod"), "slackWebhookUrl", { secure: "AAABAKEqw0dsb2JhbA==" });
            text = withSetting(text, "pagerdutyRoutingKey", "LeakCheckRoutingKey0123456789abc");
            const summary = await summaryFor(text);
            assert.deepEqual(stops(summary), []);
            assert.match(summary, /^secrets encrypted in the stack file, not decryptable offline, rendered with placeholders: slackWebhookUrl \(shown as \[secret\]\)$/m);
        });

        it("no placeholder is made for a secret the settings do not use", () => {
            const cfg = readStackConfig(ROOT, path.join(ROOT, "Pulumi.dev.yaml"));
            const kept = keepPlaceholders(cfg, ["slackWebhookUrl"]);
            assert.ok(`${PROJECT}:pagerdutyRoutingKey` in cfg.config, "readStackConfig fills every absent secret");
            assert.equal(`${PROJECT}:pagerdutyRoutingKey` in kept.config, false);
            assert.equal(kept.secretKeys.includes(`${PROJECT}:pagerdutyRoutingKey`), false);
            assert.deepEqual(kept.placeholders, [{ key: "slackWebhookUrl", reason: "absent" }]);
        });
    });

    it("the README's error example is what render prints for the README's mistaken stack file", async () => {
        const section = readmeSection("Configuring a stack");
        const mistaken = fencedBlocks(section, "yaml")[1];
        const expected = fencedBlocks(section, "text")[0];
        assert.ok(mistaken && expected, "README shows the mistaken stack file and render's output");
        const file = writeStack("typo", mistaken);
        const out = path.join(tmp("plg-cli-typo-"), "out");
        const r = await renderQuietly(["typo", "--stack-file", file, "--out", out]);
        assert.equal(r.code, 1);
        assert.equal(r.stderr.split(`${path.dirname(file)}${path.sep}`).join(""), expected);
        assert.equal(fs.existsSync(out), false);
    });

    it("a problem the program finds while building (nodes too small for the platform) fails like any config problem", async () => {
        const tiny = [{ name: "system", instanceTypes: ["t3.medium"], capacityType: "ON_DEMAND", minSize: 1, desiredSize: 1, maxSize: 1, diskSizeGiB: 20, labels: {} }];
        const file = writeStack("tiny", withSetting(withExamplesReplaced(stackText("dev")), "cluster", { name: "plg-dev", endpoint: { publicAccessCidrs: ["198.51.100.0/24"] }, adminPrincipalArns: ["arn:aws:iam::210987654321:role/Admin"], nodeGroups: tiny }));
        const out = path.join(tmp("plg-cli-tiny-"), "out");
        const r = await renderQuietly(["tiny", "--stack-file", file, "--out", out]);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`^${escapeRegExp(file)}: invalid configuration \\(\\d+ problems?\\):\n  - ${PROJECT}:cluster\\.nodeGroups`, "m"));
        assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
        assert.equal(fs.existsSync(out), false, "nothing written");
    });

    it("the README's stack outputs are the program's: all for a created cluster, nodeRoleArn only there, the conditional ones only with their setting", async () => {
        const paragraph = /^Stack outputs: ([\s\S]*?)\n\n/m.exec(README)?.[1];
        assert.ok(paragraph, "README lists the stack outputs");
        const listed = [...paragraph.matchAll(/`(\w+)`( \(([^)]*)\))?/g)].map((m) => ({ name: m[1] as string, note: m[3] ?? "" }));
        // dev has no grafana.hostname: the outputs the README marks "with `grafana.hostname` only" are absent there.
        // Nor has it metrics.longTerm (prod has): the Thanos bucket's outputs are absent there.
        const withLongTerm = (o: { note: string }): boolean => /metrics\.longTerm` only/.test(o.note);
        const conditional = (o: { note: string }): boolean => /grafana\.hostname` only/.test(o.note) || withLongTerm(o);
        assert.ok(listed.some((o) => /grafana\.hostname` only/.test(o.note)), "the README marks the hostname-only outputs");
        const prod = Object.keys((await runStack("prod")).run.outputs);
        assert.deepEqual(listed.filter(withLongTerm).map((o) => o.name).filter((n) => !prod.includes(n)), [], "prod (long-term metrics on) has them");
        assert.ok(listed.filter(withLongTerm).length === 2);
        const created = Object.keys((await runStack("dev")).run.outputs).sort();
        assert.deepEqual(created, listed.filter((o) => !conditional(o)).map((o) => o.name).sort());
        const cfg = readStackConfig(ROOT, BROUGHT);
        const brought = await runUnderMocks({ project: cfg.project, stack: "dev-brought", config: cfg.config, secretKeys: cfg.secretKeys, program: main });
        assert.deepEqual(Object.keys(brought.outputs).sort(), listed.filter((o) => !/created cluster only/.test(o.note) && !conditional(o)).map((o) => o.name).sort());
        for (const [k, v] of Object.entries(brought.outputs)) assert.notEqual(v, undefined, `${k} is never undefined`);
    });
});
