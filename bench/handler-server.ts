// Child process of the handler bench: two loopback servers, one load generator
// (in the parent) at a time. Prints {"sdk": port, "floor": port} on stdout.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { BENCH_SECRET } from "./handler-fixtures.js";

const key = Buffer.from(BENCH_SECRET.slice("whsec_".length), "base64");
const header = (value: string | string[] | undefined): string => (typeof value === "string" ? value : "");

// The floor: what a hand-written node:http route does at the least. Read the body,
// HMAC `${id}.${timestamp}.${body}`, compare in constant time, JSON.parse, answer.
const floor = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const id = header(req.headers["svix-id"]);
    const timestamp = header(req.headers["svix-timestamp"]);
    const expected = Buffer.from(header(req.headers["svix-signature"]).slice(3), "base64");
    const digest = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
    if (expected.length !== digest.length || !timingSafeEqual(digest, expected)) {
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body.toString("utf8")) as { id: string };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, id: event.id }));
  });
});

const sdk = http.createServer(
  toNodeHandler(createHandler({ secret: BENCH_SECRET, logger: {}, on: { "conversion.created": () => {} } })),
);

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));

const ports = { sdk: await listen(sdk), floor: await listen(floor) };
process.stdout.write(`${JSON.stringify(ports)}\n`);
// The parent ends this process; stop as well if the parent disappears.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
