// Cloudflare Workers without nodejs_compat: there is no `process`, so the secret comes from the
// `env` that "cloudflare:workers" exports, which is readable at module scope. The handler is
// created once per isolate, at module scope, so its memory store dedupes retries that reach
// the same isolate (see docs/runtimes.md for a store shared across isolates).
import { env } from "cloudflare:workers";
import { createHandler } from "agentref-webhooks";

const handler = createHandler({
  secret: env.AGENTREF_WEBHOOK_SECRET,
  on: {
    "conversion.created": async (event) => {
      console.log("commission", event.data.commissionAmount);
    },
  },
});

export default {
  fetch: (request) => handler(request),
};
