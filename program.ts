import { loadConfig } from "./config";
import { Platform, type PlatformOutputs } from "./components/platform";

/**
 * The program: validate the stack's configuration (all problems at once, before any resource),
 * build the platform, return the stack outputs. Shared by index.ts and the offline runs.
 */
export function main(): PlatformOutputs & { environment: string } {
    const loaded = loadConfig();
    const platform = new Platform("plg", loaded);
    return { ...platform.outputs, environment: loaded.settings.environment };
}
