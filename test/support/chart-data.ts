import * as fs from "node:fs";
import * as path from "node:path";
import type { Context } from "mocha";
import { sharedChartsDir } from "../../tools/helm";

/**
 * Upstream chart data (default values.yaml, template refs, Loki's JSON schema) lives in the
 * shared folder beside the repository (`../shared/charts`), or where PLG_CHARTS_DIR points.
 */
export const CHARTS_DIR = sharedChartsDir();

/** Path of a chart data file; throws naming where it was looked for when it is missing. */
export function chartFile(name: string): string {
    const file = path.join(CHARTS_DIR, name);
    if (!fs.existsSync(file)) {
        throw new Error(`chart data ${file} not found: the tests expect ../shared/charts beside the repository (or set PLG_CHARTS_DIR)`);
    }
    return file;
}

/**
 * Use in a suite's `before(function () {...})`: skips the suite with a message when the chart data
 * folder is absent (a checkout without ../shared), fails it when CI is set (CI has it beside main).
 */
export function requireChartData(ctx: Context): void {
    if (fs.existsSync(CHARTS_DIR)) return;
    const message = `chart data folder ${CHARTS_DIR} not found (../shared/charts beside the repository, or PLG_CHARTS_DIR)`;
    if (process.env.CI) throw new Error(`${message}; CI must have it`);
    console.warn(`  skipping: ${message}`);
    ctx.skip();
}

/** Read and parse a chart data file once. */
const parsed = new Map<string, unknown>();
export function chartData<T>(name: string, parse: (text: string) => unknown): T {
    if (!parsed.has(name)) parsed.set(name, parse(fs.readFileSync(chartFile(name), "utf8")));
    return parsed.get(name) as T;
}
