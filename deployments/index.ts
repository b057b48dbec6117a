// Composition root of the deployments program (program.ts): the stack outputs are the role ARNs to
// put in each main stack's cluster settings and the ESC commands to run once.
import { main } from "./program";

export = main();
