// Next.js App Router, Edge runtime: the same snippet plus the runtime export.
import { createHandler } from "agentref-webhooks";

export const runtime = "edge";

export const POST = createHandler({
  secret: process.env.AGENTREF_WEBHOOK_SECRET,
  on: {
    "conversion.created": async (event) => {
      if (typeof event.data.commissionAmount !== "number") throw new Error("commissionAmount is not a number");
    },
  },
});
