// workerd forbids random values, timers and I/O at module scope. This worker imports every entry
// that can run on Workers and calls every factory at module scope, as apps do; the runtime suite
// then runs the receiver scenario through it, deduplicating in D1. The stores get stand-in clients that are never
// used here: creating a store must not touch its client.
import { env } from "cloudflare:workers";
import {
  createHandler,
  createHexHmacScheme,
  createMemoryStore,
  createStandardWebhooksScheme,
  createVerifier,
  WebhookError,
  WebhookVerificationError,
} from "agentref-webhooks";
import { agentsend, createAgentSendProvider } from "agentref-webhooks/agentsend";
import { agentsync } from "agentref-webhooks/agentsync";
import { agiled } from "agentref-webhooks/agiled";
import { createD1Store } from "agentref-webhooks/d1";
import { createPostgresStore } from "agentref-webhooks/postgres";
import { createRedisStore } from "agentref-webhooks/redis";
import { createSignedRequest, createTestEventFactory, createVirtualClock } from "agentref-webhooks/testing";
import { createVerifier as createEntryVerifier } from "agentref-webhooks/verify";

const unused = () => Promise.reject(new Error("a store touched its client at creation"));
const made = {
  memoryStore: createMemoryStore(),
  // The binding is read on the first delivery: no I/O at module scope.
  d1Store: createD1Store({ database: () => env.DB }),
  redisStore: createRedisStore({ client: { evalSha: unused, eval: unused } }),
  postgresStore: createPostgresStore({ pool: { query: unused } }),
  verifier: createVerifier({ secret: env.AGENTREF_WEBHOOK_SECRET }),
  // The verification-only entry is a bundle of its own (its WebCrypto build under workerd).
  entryVerifier: createEntryVerifier({ secret: env.AGENTREF_WEBHOOK_SECRET }),
  standardWebhooksScheme: createStandardWebhooksScheme(),
  hexHmacScheme: createHexHmacScheme({ name: "example", headers: { id: "x-id", timestamp: "x-timestamp", signature: "x-signature" } }),
  agentSendProvider: createAgentSendProvider(),
  presetHandlers: [agentsend, agentsync, agiled].map((provider) => createHandler({ provider, secret: env.AGENTREF_WEBHOOK_SECRET, on: {} })),
  testEvents: createTestEventFactory(),
  clock: createVirtualClock(0),
  signedRequest: typeof createSignedRequest,
};

const handler = createHandler({
  secret: env.AGENTREF_WEBHOOK_SECRET,
  store: made.d1Store,
  on: { "conversion.created": async () => {} },
});

// Each delivery is verified by agentref-webhooks/verify first: its errors must be instances of the
// root entry's classes (a separate copy, branded). A mismatch answers 500 and fails the scenario.
async function checkVerifyEntry(request) {
  try {
    await made.entryVerifier.verify({ body: await request.text(), headers: request.headers });
  } catch (err) {
    const consistent = err instanceof WebhookError && (err.code === "INVALID_SIGNATURE") === err instanceof WebhookVerificationError;
    if (!consistent) return Response.json({ code: "VERIFY_ENTRY_ERROR_NOT_INSTANCEOF_ROOT", error: String(err) }, { status: 500 });
  }
  return undefined;
}

export default {
  fetch: async (request) => (await checkVerifyEntry(request.clone())) ?? handler(request),
};
