/**
 * The sample service's image, built without Docker: examples/sample-app/Dockerfile replayed
 * instruction by instruction (there is no Docker engine on the test machines), and the runtime
 * stage's file layout started with its own CMD, WORKDIR and ENV.
 *
 * What the replay proves: the files the runtime stage ends up with (COPY with Docker's semantics,
 * from a build context with Dockerfile.dockerignore applied, and from the build stage after its RUN
 * steps really ran npm ci, the build and the runtime package selection) are enough for `node dist/main.js` to serve, scrape and
 * push metrics; and that the runtime stage holds no TypeScript sources and no devDependency.
 *
 * What it cannot prove: the base image's contents (node:<tag> is stood in for by this machine's Node
 * of the same version, npm is the machine's, and bash runs the RUN steps where the image has dash
 * as /bin/sh; nothing else of the image exists, nor its PATH or HOME); file ownership and USER (all
 * runs as the test's user); BuildKit itself (stages run in order, none skipped; no cache, no
 * chroot: a RUN step runs in the stage's mapped WORKDIR, so one naming an absolute path is
 * refused). Anything the replay does not understand (an instruction, a flag, a variable form, an
 * ignore pattern) fails the test, so a change to the Dockerfile cannot silently skip a step.
 *
 * npm ci fetches from the registry: the whole file takes about 5 s with a warm npm cache and 7 s with
 * an empty one on a fast connection; the 4-minute timeout is for a slow registry. Without a registry
 * the build tests are skipped (failed under CI). SAMPLE_APP_DOCKERFILE replays another
 * Dockerfile (its ignore file is <that path>.dockerignore, else the context's .dockerignore), e.g.
 * an older version, to see this test catch what it was written for.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_REQUESTS_METRIC } from "../components/k8s/metrics/rules";
import { ROOT } from "./support/graph";
import { type OtlpReceiver, startOtlpReceiver } from "./support/otlp-receiver";
import { Proc, freePort, waitFor } from "./support/processes";

const DOCKERFILE = path.resolve(process.env.SAMPLE_APP_DOCKERFILE ?? path.join(ROOT, "examples/sample-app/Dockerfile"));
/** The build context: the repository root (see the Dockerfile's header). */
const CONTEXT = ROOT;

// ---------------------------------------------------------------------------------------------
// Parsing

export interface Instruction {
    readonly line: number;
    readonly keyword: string;
    /** Flags (--name=value) where the instruction takes them. */
    readonly flags: Readonly<Record<string, string>>;
    readonly args: string;
}
export interface Stage {
    readonly index: number;
    readonly name?: string;
    readonly from: Instruction;
    readonly instructions: readonly Instruction[];
}
export interface Dockerfile {
    readonly globalArgs: readonly Instruction[];
    readonly stages: readonly Stage[];
}

/** Instructions the replay performs, and the flags each may carry. */
const REPLAYED: Readonly<Record<string, readonly string[]>> = {
    ARG: [],
    FROM: [],
    WORKDIR: [],
    COPY: ["from"],
    RUN: [],
    ENV: [],
    USER: [],
    EXPOSE: [],
    CMD: [],
};

function fail(where: string, message: string): never {
    throw new Error(`Dockerfile replay: ${where}: ${message}`);
}

/**
 * Splits the Dockerfile into instructions: parser directives at the top (only `syntax`), comment
 * lines dropped (inside continuations too, as Docker does), `\` at a line's end joining the next.
 */
export function parseDockerfile(text: string, file = "Dockerfile"): Dockerfile {
    const lines = text.split(/\r?\n/);
    let i = 0;
    for (; i < lines.length; i++) {
        const d = /^#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(lines[i] ?? "");
        if (!d) break;
        const name = (d[1] ?? "").toLowerCase();
        if (name === "escape" || name === "check") fail(`${file}:${i + 1}`, `parser directive ${name} is not replayed`);
        // syntax: the frontend BuildKit would use; the replay is its own frontend.
    }
    const raw: { line: number; text: string }[] = [];
    let pending: { line: number; text: string } | undefined;
    for (; i < lines.length; i++) {
        const line = lines[i] ?? "";
        const trimmed = line.trim();
        if (trimmed.startsWith("#") || trimmed === "") continue;
        const cont = /\\\s*$/.exec(line);
        const body = cont ? line.slice(0, cont.index) : line;
        pending = pending ? { line: pending.line, text: pending.text + body } : { line: i + 1, text: body };
        if (!cont) {
            raw.push(pending);
            pending = undefined;
        }
    }
    if (pending) raw.push(pending);

    const globalArgs: Instruction[] = [];
    const stages: { index: number; name?: string; from: Instruction; instructions: Instruction[] }[] = [];
    for (const r of raw) {
        const where = `${file}:${r.line}`;
        const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(r.text);
        if (!m) fail(where, `cannot read ${JSON.stringify(r.text)}`);
        const keyword = (m[1] ?? "").toUpperCase();
        const allowed = REPLAYED[keyword];
        if (!allowed) fail(where, `${keyword} is not replayed (the replay knows ${Object.keys(REPLAYED).join(", ")})`);
        let rest = (m[2] ?? "").trim();
        const flags: Record<string, string> = {};
        for (let f = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
            const name = f[1] ?? "";
            if (!allowed.includes(name)) fail(where, `${keyword} --${name} is not replayed`);
            flags[name] = f[2] ?? "";
            rest = rest.slice(f[0].length);
        }
        if (rest === "") fail(where, `${keyword} without arguments`);
        if ((keyword === "RUN" || keyword === "COPY") && /<<-?\s*["']?\w/.test(rest)) fail(where, `heredocs are not replayed`);
        if (keyword === "RUN" && rest.startsWith("[")) fail(where, "RUN in exec form is not replayed (shell form only)");
        if (keyword === "CMD" && !rest.startsWith("[")) fail(where, "CMD must be in exec form (node as PID 1)");
        if (keyword === "RUN") {
            const abs = rest.split(/[\s;&|()<>=:'"]+/).find((w) => w.startsWith("/"));
            if (abs) fail(where, `RUN names the absolute path ${abs}: the replay has no chroot, it would touch this machine`);
        }
        const instr: Instruction = { line: r.line, keyword, flags, args: rest };
        if (keyword === "FROM") {
            const fm = /^(\S+)(?:\s+[Aa][Ss]\s+([a-z][a-z0-9_.-]*))?$/.exec(rest);
            if (!fm) fail(where, `FROM ${rest}: expected "image [AS name]"`);
            stages.push({ index: stages.length, name: fm[2], from: instr, instructions: [] });
        } else if (stages.length === 0) {
            if (keyword !== "ARG") fail(where, `${keyword} before the first FROM`);
            globalArgs.push(instr);
        } else {
            stages[stages.length - 1]?.instructions.push(instr);
        }
    }
    if (stages.length === 0) fail(file, "no FROM");
    return { globalArgs, stages };
}

/**
 * Docker's word splitting and variable substitution for instruction arguments: quotes, backslash
 * escapes, `$NAME` and `${NAME}` (unset: empty). Other `${...}` forms are refused.
 */
export function words(input: string, vars: Readonly<Record<string, string>>, where: string): string[] {
    const out: string[] = [];
    let cur = "";
    let inWord = false;
    let i = 0;
    const substitute = (): string => {
        i++; // the $
        if (input[i] === "{") {
            const end = input.indexOf("}", i);
            if (end < 0) fail(where, `unterminated \${ in ${JSON.stringify(input)}`);
            const inner = input.slice(i + 1, end);
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) fail(where, `\${${inner}} is not replayed (only $NAME and \${NAME})`);
            i = end + 1;
            return vars[inner] ?? "";
        }
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i))?.[0];
        if (!name) return "$";
        i += name.length;
        return vars[name] ?? "";
    };
    while (i < input.length) {
        const c = input[i] ?? "";
        if (/\s/.test(c)) {
            if (inWord) out.push(cur);
            cur = "";
            inWord = false;
            i++;
            continue;
        }
        inWord = true;
        if (c === "'") {
            const end = input.indexOf("'", i + 1);
            if (end < 0) fail(where, `unterminated ' in ${JSON.stringify(input)}`);
            cur += input.slice(i + 1, end);
            i = end + 1;
        } else if (c === '"') {
            i++;
            while (i < input.length && input[i] !== '"') {
                if (input[i] === "\\" && i + 1 < input.length) {
                    cur += input[i + 1];
                    i += 2;
                } else if (input[i] === "$") cur += substitute();
                else cur += input[i++];
            }
            if (i >= input.length) fail(where, `unterminated " in ${JSON.stringify(input)}`);
            i++;
        } else if (c === "\\" && i + 1 < input.length) {
            cur += input[i + 1];
            i += 2;
        } else if (c === "$") cur += substitute();
        else {
            cur += c;
            i++;
        }
    }
    if (inWord) out.push(cur);
    return out;
}

/** `name[=default]` declarations of one ARG instruction. */
function argDeclarations(instr: Instruction, vars: Readonly<Record<string, string>>, where: string): [string, string | undefined][] {
    return words(instr.args, vars, where).map((w) => {
        const eq = w.indexOf("=");
        const name = eq < 0 ? w : w.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(where, `ARG ${w}: bad name`);
        return [name, eq < 0 ? undefined : w.slice(eq + 1)];
    });
}

/** Global ARGs with their defaults (no --build-arg: the replay builds what `docker build` without one builds). */
export function globalArgValues(df: Dockerfile, file = "Dockerfile"): Record<string, string> {
    const vals: Record<string, string> = {};
    for (const a of df.globalArgs) for (const [k, v] of argDeclarations(a, vals, `${file}:${a.line}`)) vals[k] = v ?? "";
    return vals;
}

/** Each stage's base image, its variables substituted (global ARGs only, as Docker does for FROM). */
export function baseImages(df: Dockerfile, file = "Dockerfile"): string[] {
    const g = globalArgValues(df, file);
    return df.stages.map((s) => {
        const w = words(s.from.args, g, `${file}:${s.from.line}`);
        return w[0] ?? "";
    });
}

// ---------------------------------------------------------------------------------------------
// The build context and its ignore file

interface IgnorePattern {
    readonly source: string;
    readonly negate: boolean;
    readonly re: RegExp;
}

/**
 * .dockerignore as BuildKit reads it (moby/patternmatcher): `#` in the first column a comment,
 * `!` an exception, the pattern cleaned and its leading `/` dropped; `*` and `?` within one path
 * element, `**` any number of elements; a path is excluded when the last pattern matching it or
 * one of its parent directories is not an exception. Character classes and `\` escapes are refused.
 */
export function parseDockerignore(text: string, file = ".dockerignore"): IgnorePattern[] {
    const out: IgnorePattern[] = [];
    text.split(/\r?\n/).forEach((line, n) => {
        if (line.startsWith("#")) return;
        let p = line.trim();
        if (p === "") return;
        const negate = p.startsWith("!");
        if (negate) p = p.slice(1).trim();
        if (/[[\]\\]/.test(p)) fail(`${file}:${n + 1}`, `pattern ${JSON.stringify(line)}: character classes and escapes are not replayed`);
        p = path.posix.normalize(p).replace(/\/+$/, "").replace(/^\/+/, "");
        if (p === "" || p === "." || p.split("/").includes("..")) fail(`${file}:${n + 1}`, `pattern ${JSON.stringify(line)} is not replayed`);
        let re = "";
        for (let i = 0; i < p.length; i++) {
            const c = p[i] ?? "";
            if (c === "*" && p[i + 1] === "*") {
                i++;
                if (p[i + 1] === "/") i++;
                re += i + 1 >= p.length ? ".*" : "(.*/)?";
            } else if (c === "*") re += "[^/]*";
            else if (c === "?") re += "[^/]";
            else re += c.replace(/[.+^${}()|]/g, "\\$&");
        }
        out.push({ source: line, negate, re: new RegExp(`^${re}$`) });
    });
    return out;
}

/** Whether `rel` (relative to the context, `/`-separated) is left out of the context. */
export function ignored(rel: string, patterns: readonly IgnorePattern[]): boolean {
    const parts = rel.split("/");
    const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let out = false;
    for (const p of patterns) if (selfAndParents.some((x) => p.re.test(x))) out = !p.negate;
    return out;
}

/** BuildKit's choice of ignore file: <Dockerfile>.dockerignore next to it, else the context's .dockerignore. */
function ignoreFileFor(dockerfile: string, context: string): string | undefined {
    return [`${dockerfile}.dockerignore`, path.join(context, ".dockerignore")].find((f) => fs.existsSync(f));
}

/** Copies what `docker build` would send: every file of `context` its ignore patterns keep. */
function prepareContext(context: string, patterns: readonly IgnorePattern[], dest: string): void {
    const hasExceptions = patterns.some((p) => p.negate);
    const walk = (rel: string): void => {
        for (const e of fs.readdirSync(path.join(context, rel), { withFileTypes: true })) {
            const r = rel ? `${rel}/${e.name}` : e.name;
            const out = ignored(r, patterns);
            if (e.isDirectory()) {
                if (out && !hasExceptions) continue; // nothing under it can come back
                if (!out) fs.mkdirSync(path.join(dest, r), { recursive: true });
                walk(r);
            } else if (!out) {
                fs.mkdirSync(path.dirname(path.join(dest, r)), { recursive: true });
                fs.cpSync(path.join(context, r), path.join(dest, r), { verbatimSymlinks: true });
            }
        }
    };
    fs.mkdirSync(dest, { recursive: true });
    walk("");
}

// ---------------------------------------------------------------------------------------------
// The replay

export interface BuiltStage {
    readonly index: number;
    readonly name?: string;
    readonly image: string;
    /** Where the stage's `/` is on this machine. */
    readonly root: string;
    readonly workdir: string;
    readonly env: Readonly<Record<string, string>>;
    readonly user?: string;
    readonly expose: readonly string[];
    readonly cmd?: readonly string[];
}

/** A container path (absolute, or relative to `workdir`) on this machine, inside `root`. */
function hostPath(root: string, workdir: string, p: string): string {
    return path.join(root, path.posix.resolve(workdir, p));
}

/** Runs every stage in order; returns them (the last is the image). */
export function replay(df: Dockerfile, opts: { file: string; context: string; scratch: string; baseEnv: Readonly<Record<string, string>> }): BuiltStage[] {
    const globals = globalArgValues(df, opts.file);
    const built: BuiltStage[] = [];
    for (const s of df.stages) {
        const root = path.join(opts.scratch, `stage-${s.index}${s.name ? `-${s.name}` : ""}`);
        fs.mkdirSync(root, { recursive: true });
        const image = words(s.from.args, globals, `${opts.file}:${s.from.line}`)[0] ?? "";
        if (built.some((b) => b.name === image.toLowerCase())) fail(`${opts.file}:${s.from.line}`, `FROM another stage (${image}) is not replayed`);
        let workdir = "/";
        const args: Record<string, string> = {};
        const env: Record<string, string> = {};
        let user: string | undefined;
        const expose: string[] = [];
        let cmd: string[] | undefined;
        for (const ins of s.instructions) {
            const where = `${opts.file}:${ins.line}`;
            const vars = { ...args, ...env };
            switch (ins.keyword) {
                case "ARG":
                    for (const [k, v] of argDeclarations(ins, vars, where)) args[k] = v ?? globals[k] ?? "";
                    break;
                case "ENV":
                    for (const w of words(ins.args, vars, where)) {
                        const eq = w.indexOf("=");
                        if (eq <= 0) fail(where, `ENV ${w}: only the key=value form is replayed`);
                        env[w.slice(0, eq)] = w.slice(eq + 1);
                    }
                    break;
                case "WORKDIR": {
                    const w = words(ins.args, vars, where);
                    if (w.length !== 1) fail(where, `WORKDIR takes one path, given ${JSON.stringify(ins.args)}`);
                    workdir = path.posix.resolve(workdir, w[0] ?? "");
                    fs.mkdirSync(hostPath(root, "/", workdir), { recursive: true });
                    break;
                }
                case "COPY":
                    copy(ins, where, ins.args.startsWith("[") ? jsonStrings(ins.args, where) : words(ins.args, vars, where), root, workdir, built, opts.context);
                    break;
                case "RUN": {
                    const r = spawnSync("bash", ["-c", ins.args], {
                        cwd: hostPath(root, "/", workdir),
                        env: { ...opts.baseEnv, ...args, ...env },
                        encoding: "utf8",
                        maxBuffer: 64 * 1024 * 1024,
                        timeout: 200_000,
                    });
                    if (r.status !== 0) fail(where, `RUN ${ins.args}\nexited ${r.status ?? r.signal ?? r.error?.message}:\n${r.stdout}${r.stderr}`);
                    break;
                }
                case "USER":
                    user = words(ins.args, vars, where).join(" ");
                    break;
                case "EXPOSE":
                    expose.push(...words(ins.args, vars, where));
                    break;
                case "CMD":
                    cmd = jsonStrings(ins.args, where);
                    break;
                default:
                    fail(where, `${ins.keyword} is not replayed`);
            }
        }
        built.push({ index: s.index, name: s.name, image, root, workdir, env, user, expose, cmd });
    }
    return built;
}

function jsonStrings(args: string, where: string): string[] {
    let v: unknown;
    try {
        v = JSON.parse(args);
    } catch {
        fail(where, `not a JSON array: ${args}`);
    }
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string")) fail(where, `expected a JSON array of strings: ${args}`);
    return v as string[];
}

/**
 * COPY as Docker does it: sources from the context (relative to its root, never outside it) or,
 * with --from, from a stage's `/`; a directory source copies its contents; a destination ending in
 * `/` (or an existing directory) receives files under their own names; more than one source needs
 * such a destination; missing parent directories are created; symlinks are copied as they are.
 */
function copy(ins: Instruction, where: string, w: string[], root: string, workdir: string, built: readonly BuiltStage[], context: string): void {
    if (w.length < 2) fail(where, `COPY needs a source and a destination: ${ins.args}`);
    const dest = w[w.length - 1] ?? "";
    const sources = w.slice(0, -1);
    if (sources.some((s) => /[*?[]/.test(s))) fail(where, `COPY with wildcards is not replayed: ${ins.args}`);
    if (sources.length > 1 && !dest.endsWith("/")) fail(where, `COPY with more than one source needs a directory destination ending in /: ${ins.args}`);
    let fromRoot = context;
    let fromWhat = "the build context";
    if (ins.flags.from !== undefined) {
        const f = ins.flags.from;
        const stage = /^\d+$/.test(f) ? built[Number(f)] : built.find((b) => b.name === f.toLowerCase());
        if (!stage) fail(where, `COPY --from=${f}: not an earlier stage (copying from an image is not replayed)`);
        fromRoot = stage.root;
        fromWhat = `stage ${stage.name ?? stage.index}`;
    }
    const target = hostPath(root, workdir, dest);
    for (const src of sources) {
        const from = path.join(fromRoot, path.posix.normalize(`/${src}`)); // clamped to its root, as Docker does
        if (!fs.existsSync(from)) fail(where, `COPY ${src}: not found in ${fromWhat}`);
        if (fs.statSync(from).isDirectory()) {
            if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) fail(where, `COPY ${src}: destination ${dest} is a file`);
            fs.mkdirSync(target, { recursive: true });
            fs.cpSync(from, target, { recursive: true, verbatimSymlinks: true, force: true });
        } else {
            const intoDir = dest.endsWith("/") || (fs.existsSync(target) && fs.statSync(target).isDirectory());
            const file = intoDir ? path.join(target, path.basename(from)) : target;
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.copyFileSync(from, file);
        }
    }
}

/** node_modules/<name> of `dir` and every parent up to `root`: Node's lookup, inside the image. */
function packageDirs(root: string, dir: string, name: string): string[] {
    const out: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
        const p = path.join(d, "node_modules", name);
        if (fs.existsSync(path.join(p, "package.json"))) out.push(`/${path.relative(root, p)}`);
        if (path.relative(root, d) === "") return out;
    }
}

/** Every .ts file (not .d.ts) under `dir`, outside node_modules. */
function typescriptSources(dir: string, rel = ""): string[] {
    return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) return e.name === "node_modules" ? [] : typescriptSources(dir, r);
        return /\.(c|m)?ts$/.test(e.name) && !/\.d\.(c|m)?ts$/.test(e.name) ? [`/${r}`] : [];
    });
}

// ---------------------------------------------------------------------------------------------

const FILE = path.relative(ROOT, DOCKERFILE);

describe(`sample service image, replayed without Docker (${FILE})`, function () {
    const text = fs.readFileSync(DOCKERFILE, "utf8");
    const file = FILE;

    it("refuses what it does not replay: instructions, flags, forms, variable forms, ignore patterns", () => {
        const refused: [string, RegExp][] = [
            ["FROM node:24\nADD a /b", /ADD is not replayed/],
            ["FROM --platform=linux/amd64 node:24", /FROM --platform is not replayed/],
            ["FROM node:24\nCOPY --chown=1000 a /b", /COPY --chown is not replayed/],
            ["FROM node:24\nRUN --mount=type=cache,target=x npm ci", /RUN --mount is not replayed/],
            ["FROM node:24\nRUN rm -rf /usr", /absolute path \/usr/],
            ["FROM node:24\nRUN <<EOF\nx\nEOF", /heredocs/],
            ["FROM node:24\nCMD node dist/main.js", /exec form/],
            ["# escape=`\nFROM node:24", /directive escape/],
        ];
        for (const [df, re] of refused) assert.throws(() => parseDockerfile(df), re, df);
        assert.throws(() => words("${A:-x}", {}, "t"), /not replayed/);
        assert.throws(() => parseDockerignore("src/[ab].ts"), /character classes/);
        // Continuations join lines; comment lines inside them vanish, as in Docker.
        const df = parseDockerfile("# syntax=docker/dockerfile:1\nARG B=node:24\nFROM ${B} AS build\nRUN echo a \\\n# note\n && echo b\n");
        assert.deepEqual(baseImages(df), ["node:24"]);
        assert.equal(df.stages[0]?.name, "build");
        assert.equal(df.stages[0]?.instructions[0]?.args, "echo a  && echo b");
        assert.deepEqual(words(`a=1 b="x $A y" c='$A' d=\${A}z`, { A: "v" }, "t"), ["a=1", "b=x v y", "c=$A", "d=vz"]);
        const ig = parseDockerignore("**/node_modules\n**/dist\n.git\n# c\n/tmp/*.log\n!tmp/keep.log\n");
        for (const p of ["node_modules", "node_modules/x/index.js", "examples/sample-app/node_modules/@o/a/p.json", "examples/sample-app/dist/main.js", ".git/HEAD", "tmp/a.log"]) assert.ok(ignored(p, ig), p);
        for (const p of [".github/workflows/ci.yml", "examples/sample-app/src/main.ts", "package-lock.json", "distribution/x", "tmp/keep.log"]) assert.ok(!ignored(p, ig), p);
    });

    it("parses, and its base image is the Node release .nvmrc pins, of this machine's major", () => {
        const df = parseDockerfile(text, file);
        const nvmrc = fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim();
        for (const image of baseImages(df, file)) {
            const m = /^node:(\d+\.\d+\.\d+)(?:-[a-z0-9.-]+)?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
            assert.ok(m, `${image}: the replay stands in this machine's Node for node:<version> images only`);
            assert.equal(m[1], nvmrc, `${image} is not the Node .nvmrc pins`);
            assert.equal(m[1]?.split(".")[0], process.versions.node.split(".")[0], `${image}: this machine's node is ${process.version}; the replay would not stand for the image`);
        }
    });

    describe("built stage by stage (npm ci from the registry)", function () {
        this.timeout(240_000);
        let scratch: string | undefined;
        let image: BuiltStage;
        let procs: Proc[] = [];
        let receiver: OtlpReceiver | undefined;
        // The machine's node first (the one running this test, the image's version), then its npm.
        const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`;

        before(function () {
            // The machine's network settings for npm (proxy, registry, extra CA certificates) and HOME
            // (npm's cache and config); nothing else of this process's environment.
            const baseEnv: Record<string, string> = { PATH, HOME: os.homedir() };
            const network = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "npm_config_registry", "npm_config_cafile"];
            for (const k of [...network, ...network.map((n) => (n === n.toUpperCase() ? n.toLowerCase() : n.toUpperCase()))]) {
                const v = process.env[k];
                if (v !== undefined) baseEnv[k] = v;
            }
            try {
                execFileSync("npm", ["ping"], { env: baseEnv, stdio: "pipe", timeout: 20_000 });
            } catch (e) {
                const err = e as { message?: string; stderr?: Buffer };
                const detail = [err.message?.split("\n")[0], err.stderr?.toString().trim().split("\n").pop()].filter(Boolean).join("; ");
                const message = `npm cannot reach its registry (${detail}); the image's npm ci needs it`;
                if (process.env.CI) throw new Error(`${message}; CI must have it`);
                console.warn(`  skipping: ${message}`);
                this.skip();
            }
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sample-app-image-"));
            // Node would look for packages above the image's `/` too: nothing must be there to find.
            for (let d = path.dirname(scratch); ; d = path.dirname(d)) {
                assert.ok(!fs.existsSync(path.join(d, "node_modules")), `${d}/node_modules would leak into the replayed image's module lookups`);
                if (path.dirname(d) === d) break;
            }
            const ignoreFile = ignoreFileFor(DOCKERFILE, CONTEXT);
            const patterns = ignoreFile ? parseDockerignore(fs.readFileSync(ignoreFile, "utf8"), path.relative(ROOT, ignoreFile)) : [];
            const context = path.join(scratch, "context");
            prepareContext(CONTEXT, patterns, context);
            const stages = replay(parseDockerfile(text, file), { file, context, scratch, baseEnv });
            image = stages[stages.length - 1] as BuiltStage;
        });

        afterEach(async () => {
            await Promise.all(procs.map((p) => p.stop()));
            procs = [];
            await receiver?.close();
            receiver = undefined;
        });
        after(() => {
            if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
        });

        /** The image's CMD in its WORKDIR with its ENV, serving on a free port of 127.0.0.1. */
        async function start(extra: Record<string, string> = {}): Promise<{ proc: Proc; base: string }> {
            assert.ok(image.cmd, "the image has a CMD");
            const port = await freePort();
            // Proc takes no cwd: a shell changes into the WORKDIR, then exec makes the CMD that process (signals reach node).
            const proc = new Proc("image CMD", "/bin/sh", ["-c", 'cd "$0" && exec "$@"', hostPath(image.root, "/", image.workdir), ...image.cmd], {
                PATH,
                ...image.env,
                PORT: String(port),
                HOST: "127.0.0.1",
                ...extra,
            });
            procs.push(proc);
            const base = `http://127.0.0.1:${port}`;
            await proc.waitReady(`${base}/`);
            return { proc, base };
        }

        it("holds compiled JavaScript and production dependencies only: no TypeScript sources, no devDependency", () => {
            const workdir = hostPath(image.root, "/", image.workdir);
            assert.ok(!fs.existsSync(path.join(workdir, "src")), `${image.workdir}/src exists in the image`);
            assert.deepEqual(typescriptSources(image.root), [], "TypeScript sources in the image");
            const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/sample-app/package.json"), "utf8")) as { devDependencies?: Record<string, string> };
            const found = Object.keys(pkg.devDependencies ?? {}).flatMap((name) => packageDirs(image.root, workdir, name).map((d) => `${name} at ${d}`));
            assert.deepEqual(found, [], `devDependencies resolvable from WORKDIR ${image.workdir}`);
        });

        it("starts with its CMD and serves the RED metrics on /metrics (the default, prometheus)", async () => {
            const { base } = await start();
            assert.equal((await fetch(`${base}/`)).status, 200);
            const res = await fetch(`${base}/metrics`);
            assert.equal(res.status, 200);
            const body = await res.text();
            assert.match(body, new RegExp(`^${DEFAULT_REQUESTS_METRIC}\\{[^}]*route="/"[^}]*\\} [1-9]`, "m"), body);
        });

        it("starts with its CMD and pushes the RED metrics over OTLP (OTEL_METRICS_EXPORTER=otlp)", async () => {
            receiver = await startOtlpReceiver();
            const r = receiver;
            const { base } = await start({ OTEL_METRICS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_METRIC_EXPORT_INTERVAL: "300" });
            assert.equal((await fetch(`${base}/`)).status, 200);
            await waitFor(`an export holding ${DEFAULT_REQUESTS_METRIC}`, 10_000, async () =>
                r.exports.some((e) => e.resourceMetrics.some((rm) => rm.scopeMetrics.some((s) => s.metrics.some((m) => m.name === DEFAULT_REQUESTS_METRIC && (m.sum?.dataPoints.length ?? 0) > 0))))
                    ? true
                    : undefined,
            );
            assert.deepEqual(r.refused, []);
        });
    });
});
