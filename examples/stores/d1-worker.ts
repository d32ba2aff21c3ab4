// A Cloudflare Worker that receives AgentRef webhooks and dedupes them in D1
// (wrangler.toml beside this file binds the database as DB).
//   npx wrangler d1 create webhooks   # then put its id in wrangler.toml
//   npx wrangler secret put AGENTREF_WEBHOOK_SECRET
//   npx wrangler deploy
import { env } from "cloudflare:workers";
import { createHandler } from "agentref-webhooks";
import { createD1Store } from "agentref-webhooks/d1";

// Made at module scope: neither does any I/O before the first request. The store creates
// its table the first time it finds it missing (or call `await store.migrate()` yourself).
const store = createD1Store({ database: () => env.DB });

const handler = createHandler({
  secret: env.AGENTREF_WEBHOOK_SECRET,
  store,
  on: {
    "conversion.created": async (event) => {
      // Your own table; the store's claim guarantees this runs once per event.
      await env.DB.prepare("INSERT INTO commissions (conversion_id, amount, currency) VALUES (?, ?, ?)")
        .bind(event.data.id, event.data.commissionAmount, event.data.currency)
        .run();
    },
  },
});

export default { fetch: (request: Request) => handler(request) };
