// Starts the Node 3.x runtime interface client the way a managed nodejs22.x runtime does:
// task root from LAMBDA_TASK_ROOT, handler from _HANDLER (the package's own CLI, bin/index.mjs,
// also prints an "Executing ..." line that a managed runtime does not).
import { run } from "./node_modules/ric3/dist/index.mjs";

await run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
