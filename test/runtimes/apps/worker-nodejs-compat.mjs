// Cloudflare Workers with nodejs_compat (compatibility date 2025-04-01 or later fills
// process.env from the worker's vars and secrets): the README's module-scope pattern unchanged.
import { handler } from "./receiver.mjs";

export default {
  fetch: (request) => handler(request),
};
