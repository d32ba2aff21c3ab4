// Next.js Pages Router: pages/api/webhooks/agentref.ts
// bodyParser: false keeps the raw body, which the signature covers.
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";

export const config = { api: { bodyParser: false } };

export default toNodeHandler(
  createHandler({
    secret: process.env.AGENTREF_WEBHOOK_SECRET!,
    on: {
      "conversion.created": async (event) => {
        console.log(`conversion ${event.data.id}: commission ${event.data.commissionAmount} ${event.data.currency}`);
      },
    },
  }),
);
