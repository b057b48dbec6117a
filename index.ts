// Composition root: config -> platform -> stack outputs. Logic lives in program.ts and components/.
// The stack outputs are main()'s object, key by key (see PlatformOutputs): an output that does not
// apply to a stack is absent from it, never undefined (Pulumi would warn on every run).
import { main } from "./program";

export = main();
