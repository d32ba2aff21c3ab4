// Next.js App Router, Node.js runtime: the README's snippet as it stands.
import { createHandler } from "agentref-webhooks";

export const POST = createHandler({
  secret: process.env.AGENTREF_WEBHOOK_SECRET,
  on: {
    "conversion.created": async (event) => {
      if (typeof event.data.commissionAmount !== "number") throw new Error("commissionAmount is not a number");
    },
  },
});
