// AWS Lambda behind API Gateway (REST or HTTP API), a Function URL or an ALB: one exported
// handler. Created at module scope, so warm invocations share its idempotency store.
import { createHandler } from "agentref-webhooks";
import { toLambdaHandler } from "agentref-webhooks/aws-lambda";

export const handler = toLambdaHandler(
  createHandler({
    secret: process.env.AGENTREF_WEBHOOK_SECRET!,
    on: {
      "conversion.created": async (event) => {
        console.log(`commission ${event.data.commissionAmount} for ${event.data.affiliateId}`);
      },
    },
  }),
);
