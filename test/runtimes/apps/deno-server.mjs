// Deno: the handler is the serve function.
import { handler } from "./receiver.mjs";

Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT")), onListen() {} }, handler);
