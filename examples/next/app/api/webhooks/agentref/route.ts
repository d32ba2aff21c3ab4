// Next.js App Router: app/api/webhooks/agentref/route.ts
// The handler takes the Web Request Next.js passes and returns a Response: export it as POST.
// Set AGENTREF_WEBHOOK_SECRET in the environment, at build time too (Next.js loads
// route modules while building, and a missing or malformed secret throws INVALID_SECRET).
import { createHandler } from "agentref-webhooks";

const handler = createHandler({
  secret: process.env.AGENTREF_WEBHOOK_SECRET!,
  on: {
    "conversion.created": async (event, ctx) => {
      console.log(`conversion ${event.data.id}: commission ${event.data.commissionAmount} ${event.data.currency} (delivery ${ctx.deliveryId})`);
    },
    "payout.failed": async (event) => {
      console.log(`payout ${event.data.id} failed: ${event.data.failureReason}`);
    },
  },
});

export const POST = handler;
// node:crypto verification; the handler also runs on the edge runtime (WebCrypto).
export const runtime = "nodejs";
