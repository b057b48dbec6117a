/**
 * What `pulumi up` needs from the package, checked against the lock file: the Node version the
 * dependencies demand, and the compiler Pulumi's language host uses when dev dependencies are
 * omitted (it type-checks index.ts with tsconfig.json and the project's own typescript/ts-node,
 * else falls back to an old bundled compiler).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { parse as parseYaml } from "yaml";
import { ROOT } from "./support/graph";

interface LockEntry {
    readonly version?: string;
    readonly dev?: boolean;
    readonly devOptional?: boolean;
    readonly engines?: { readonly node?: string } | readonly string[];
}
interface PackageJson {
    readonly engines: { readonly node: string };
    readonly dependencies: Record<string, string>;
    readonly devDependencies: Record<string, string>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };

/** The highest minimum Node version among locked packages (production only, or all). */
function highestNodeMinimum(includeDev: boolean): { version: string; from: string } {
    let best = { version: "0.0.0", from: "(none)" };
    for (const [where, entry] of Object.entries(lock.packages)) {
        if (!where || (!includeDev && (entry.dev || entry.devOptional))) continue;
        const range = Array.isArray(entry.engines) ? undefined : (entry.engines as { node?: string } | undefined)?.node;
        if (!range) continue;
        const min = semver.minVersion(range);
        if (min && semver.gt(min, best.version)) best = { version: min.version, from: `${where.replace(/^.*node_modules\//, "")} (${range})` };
    }
    return best;
}

function tsconfigTypes(file: string): string[] {
    // tsconfig allows comments: strip line comments before parsing.
    const text = fs.readFileSync(path.join(ROOT, file), "utf8").replace(/^\s*\/\/.*$/gm, "");
    return (JSON.parse(text) as { compilerOptions: { types?: string[] } }).compilerOptions.types ?? [];
}

describe("package: what the program and its tests need to run", function () {
    it("engines.node is at least what every production dependency requires", function () {
        const need = highestNodeMinimum(false);
        const declared = semver.minVersion(pkg.engines.node);
        assert.ok(declared, `engines.node ${pkg.engines.node} is a range`);
        assert.ok(semver.gte(declared, need.version), `engines.node ${pkg.engines.node} allows Node ${declared.version}, but ${need.from} needs ${need.version}`);
    });

    it("the README states the Node versions the program and the tests need", function () {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const program = semver.major(highestNodeMinimum(false).version);
        const tests = semver.major(highestNodeMinimum(true).version);
        assert.match(readme, new RegExp(`Node\\.js ≥ ${program}\\b`), `README names Node.js ≥ ${program} for the program`);
        assert.match(readme, new RegExp(`Node\\.js ≥ ${tests}\\b[^\\n]*test`), `README names Node.js ≥ ${tests} for the tests`);
    });

    it("CI runs the Node version .nvmrc pins, which satisfies every dependency including dev ones", function () {
        const pinned = fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim();
        assert.ok(semver.valid(pinned), `.nvmrc holds an exact version, given ${pinned}`);
        const need = highestNodeMinimum(true);
        assert.ok(semver.gte(pinned, need.version), `.nvmrc ${pinned} < ${need.version} required by ${need.from}`);
        assert.match(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /\.nvmrc/, ".ci/run reads .nvmrc");
    });

    it("Pulumi's language host finds its compiler and the program's types with dev dependencies omitted", function () {
        for (const name of ["typescript", "ts-node", ...tsconfigTypes("tsconfig.json").map((t) => `@types/${t}`)]) {
            assert.ok(pkg.dependencies[name], `${name} is a dependency (not a devDependency)`);
            assert.equal(pkg.devDependencies[name], undefined, `${name} is not also a devDependency`);
        }
        assert.ok(!tsconfigTypes("tsconfig.json").includes("mocha"), "the program's tsconfig does not need test-only types");
    });

    it("every package the program imports is a production dependency", function () {
        const roots = ["index.ts", "program.ts", "config", "components"];
        const files = roots.flatMap((r) => {
            const p = path.join(ROOT, r);
            return fs.statSync(p).isDirectory()
                ? (fs.readdirSync(p, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => path.join(p, f))
                : [p];
        });
        assert.ok(files.length > 10);
        const missing = new Set<string>();
        for (const f of files) {
            for (const m of fs.readFileSync(f, "utf8").matchAll(/^import\s[^;]*?from\s+"([^".][^"]*)"/gm)) {
                const spec = m[1] as string;
                if (spec.startsWith("node:")) continue;
                const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
                if (!pkg.dependencies[name]) missing.add(`${name} (${path.relative(ROOT, f)})`);
            }
        }
        assert.deepEqual([...missing], []);
    });

    it("every key Pulumi.yaml declares without a default is set in each committed stack file (Pulumi requires it in every stack)", function () {
        const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string; config?: Record<string, { default?: unknown } | null> };
        const required = Object.entries(project.config ?? {}).flatMap(([k, v]) => (v !== null && typeof v === "object" && "default" in v ? [] : [k]));
        const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
        assert.ok(stacks.includes("Pulumi.local.yaml") && stacks.includes("Pulumi.dev.yaml"), stacks.join(", "));
        const missing = stacks.flatMap((f) => {
            const config = (parseYaml(fs.readFileSync(path.join(ROOT, f), "utf8")) as { config?: Record<string, unknown> }).config ?? {};
            return required.filter((k) => !(`${project.name}:${k}` in config) && !(k in config)).map((k) => `${f}: ${k}`);
        });
        assert.deepEqual(missing, []);
    });
});
