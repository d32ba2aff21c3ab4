// Node (22 and 24 from the npm registry, beside the machine's Node 20): node:http through toNodeHandler.
import http from "node:http";
import { toNodeHandler } from "agentref-webhooks/node";
import { handler } from "./receiver.mjs";

http.createServer(toNodeHandler(handler)).listen(Number(process.env.PORT), "127.0.0.1");
