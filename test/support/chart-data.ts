import * as fs from "node:fs";
import * as path from "node:path";
import { sharedChartsDir } from "../../tools/helm";

/**
 * Upstream chart data (default values.yaml, template refs, Loki's JSON schema) lives in the
 * shared folder beside the repository (`../shared/charts`), or where PLG_CHARTS_DIR points.
 */
export const CHARTS_DIR = sharedChartsDir();

/** Fail with a clear message when the chart data is missing (it is part of the checkout layout). */
export function chartFile(name: string): string {
    const file = path.join(CHARTS_DIR, name);
    if (!fs.existsSync(file)) {
        throw new Error(`chart data ${file} not found: the tests expect ../shared/charts beside the repository (or set PLG_CHARTS_DIR)`);
    }
    return file;
}
