import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "./config";
import { Platform, type PlatformOutputs } from "./components/platform";
import { capacityReport } from "./components/requests";

/**
 * The program: validate the stack's configuration (all problems at once, before any resource),
 * check that the node groups can hold what the platform will request, build the platform, return
 * the stack outputs. Shared by index.ts and the offline runs.
 */
export function main(): PlatformOutputs & { environment: string } {
    const loaded = loadConfig();
    // Needs valid settings (it builds the Helm values), so it runs once every key is valid.
    const capacity = capacityReport(loaded.settings);
    if (capacity.problems.length > 0) throw new ConfigError(capacity.problems);
    for (const w of capacity.warnings) pulumi.log.warn(w);
    const platform = new Platform("plg", loaded);
    return { ...platform.outputs, environment: loaded.settings.environment };
}
