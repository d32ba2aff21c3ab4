import { fileURLToPath } from "node:url";

// The packed package lives in test/runtimes/node_modules, above this app: let Turbopack read it.
const runtimesRoot = fileURLToPath(new URL("..", import.meta.url));

export default {
  turbopack: { root: runtimesRoot },
  outputFileTracingRoot: runtimesRoot,
};
