// AgentRef webhooks in a Fastify app.
//   AGENTREF_WEBHOOK_SECRET=whsec_… npx tsx examples/fastify/server.ts
import { pathToFileURL } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";

/**
 * What `createApp` and `start` take; everything defaults to the environment.
 *
 * @example
 * createApp({ secret: process.env.AGENTREF_WEBHOOK_SECRET, log: (line) => logger.info(line) });
 */
export interface AppOptions {
  /** The endpoint's signing secret. Default: AGENTREF_WEBHOOK_SECRET. */
  secret?: string;
  /** Where typed events are logged. Default: console.log. */
  log?: (line: string) => void;
}

/**
 * The app with the webhook route mounted at /webhooks/agentref.
 *
 * @example
 * const app = createApp({ secret: "whsec_…" });
 */
export function createApp(options: AppOptions = {}): FastifyInstance {
  const secret = options.secret ?? process.env.AGENTREF_WEBHOOK_SECRET;
  if (!secret) throw new Error("Set AGENTREF_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…).");
  const log = options.log ?? console.log;

  const webhooks = toNodeHandler(
    createHandler({
      secret,
      on: {
        "conversion.created": (event) => log(`conversion ${event.data.id}: commission ${event.data.commissionAmount} ${event.data.currency}`),
        "flag.resolved": (event) => log(`flag ${event.data.id} on ${event.data.affiliateId}: ${event.data.resolution}`),
      },
    }),
  );

  const app = Fastify();
  // An encapsulated scope whose content-type parser leaves the body unread: the handler
  // streams it itself (with its size limit) and verifies the signature over the raw bytes.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    scope.post("/webhooks/agentref", (request, reply) => {
      reply.hijack(); // the answer is written to reply.raw by the handler
      return webhooks(request.raw, reply.raw);
    });
  });
  app.get("/health", async () => ({ ok: true }));
  return app;
}

/**
 * Starts the app on 127.0.0.1 (port 0 picks a free port); resolves with the app and its URL.
 *
 * @example
 * const { app, url } = await start(0, { secret: "whsec_…" });
 */
export async function start(port = Number(process.env.PORT ?? 3000), options: AppOptions = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = createApp(options);
  const url = await app.listen({ port, host: "127.0.0.1" });
  return { app, url };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await start();
  console.log(`listening on ${url}/webhooks/agentref`);
}
