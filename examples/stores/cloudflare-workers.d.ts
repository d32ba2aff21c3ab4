// What `cloudflare:workers` gives d1-worker.ts, for type-checking this repository without
// @cloudflare/workers-types (a Workers project has those, and `wrangler types` writes Env).
declare module "cloudflare:workers" {
  import type { D1DatabaseLike } from "agentref-webhooks/d1";
  interface D1Result {
    run(): Promise<unknown>;
  }
  export const env: {
    DB: D1DatabaseLike & { prepare(query: string): { bind(...values: unknown[]): D1Result } };
    AGENTREF_WEBHOOK_SECRET: string;
  };
}
