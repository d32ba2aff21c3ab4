// Bun: the handler is the fetch function.
import { handler } from "./receiver.mjs";

Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: handler });
