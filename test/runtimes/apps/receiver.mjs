// The README's pattern, as a newcomer copies it: `createHandler` at module scope, the secret from
// process.env. Node (22, 24), Bun and Deno serve this same module; see the *-server.mjs files.
import { createHandler } from "agentref-webhooks";

export const handler = createHandler({
  secret: process.env.AGENTREF_WEBHOOK_SECRET,
  on: {
    "conversion.created": async (event) => {
      // A typed field, read as a handler would: proves the payload was parsed and validated.
      if (typeof event.data.commissionAmount !== "number") throw new Error("commissionAmount is not a number");
    },
  },
});
