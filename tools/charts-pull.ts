/**
 * `npm run charts:pull`: fetch every chart pinned in components/charts.ts from its repository into
 * node_modules/.cache/plg-charts/, for machines without ../shared/charts. Needs the chart
 * repositories to be reachable. Each pulled package's digest is recorded in SHA256SUMS beside it,
 * and must equal the digest the shared cache lists for the same file when it lists one.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type ChartKey, charts } from "../components/charts";
import { PULLED_CHARTS_DIR, Unavailable, chartFileName, helmBinary, readSums, sharedChartsDir } from "./helm";

function main(): number {
    let helm: string;
    try {
        helm = helmBinary();
    } catch (e) {
        process.stderr.write(`charts:pull: ${(e as Error).message}\n`);
        return 1;
    }
    fs.mkdirSync(PULLED_CHARTS_DIR, { recursive: true });
    const sumsFile = path.join(PULLED_CHARTS_DIR, "SHA256SUMS");
    const sums = readSums(sumsFile);
    const shared = readSums(path.join(sharedChartsDir(), "packages", "SHA256SUMS"));
    let failed = 0;
    for (const key of Object.keys(charts) as ChartKey[]) {
        const ref = charts[key];
        const file = chartFileName(ref);
        const r = spawnSync(helm, ["pull", ref.chart, "--repo", ref.repo, "--version", ref.version, "--destination", PULLED_CHARTS_DIR], { encoding: "utf8" });
        if (r.status !== 0) {
            process.stderr.write(`charts:pull: ${file} from ${ref.repo}: ${r.stderr.trim() || `helm exited ${r.status}`}\n`);
            failed++;
            continue;
        }
        const digest = createHash("sha256").update(fs.readFileSync(path.join(PULLED_CHARTS_DIR, file))).digest("hex");
        const known = shared.get(file);
        if (known !== undefined && known !== digest) {
            fs.rmSync(path.join(PULLED_CHARTS_DIR, file));
            process.stderr.write(`charts:pull: ${file}: sha256 ${digest} differs from the shared cache's ${known}; removed\n`);
            failed++;
            continue;
        }
        sums.set(file, digest);
        process.stdout.write(`${file}  ${digest}\n`);
    }
    if (sums.size > 0) fs.writeFileSync(sumsFile, [...sums].map(([f, d]) => `${d}  ${f}\n`).join(""));
    return failed ? 1 : 0;
}

if (require.main === module) {
    try {
        process.exit(main());
    } catch (e) {
        process.stderr.write(`charts:pull: ${e instanceof Unavailable ? e.message : String(e)}\n`);
        process.exit(1);
    }
}
