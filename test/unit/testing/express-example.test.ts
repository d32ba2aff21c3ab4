// The Express example (examples/express) tested with the testing kit: the delivery
// simulator against the real app on a loopback port, and the same app behind an msw
// route, in process, without any port.
import { createServer, request as httpRequest, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Duplex } from "node:stream";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignedRequest, createTestEvent, generateSecret, simulateDelivery, webhookRoute } from "agentref-webhooks/testing";
import { createApp, start } from "../../../examples/express/server.js";

// Two connected in-memory streams: what one side writes, the other reads.
function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const side = (other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        other().push(chunk);
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
    });
  sides.push(side(() => sides[1]!), side(() => sides[0]!));
  return [sides[0]!, sides[1]!];
}

/**
 * A Node request listener (an Express app) as a fetch handler, in process: the
 * request goes through Node's real HTTP parser over an in-memory socket, no port.
 */
function inProcess(listener: RequestListener): (request: Request) => Promise<Response> {
  const server = createServer(listener);
  return async (request) => {
    const body = Buffer.from(await request.arrayBuffer());
    const [clientSide, serverSide] = duplexPair();
    server.emit("connection", serverSide);
    const url = new URL(request.url);
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          method: request.method,
          path: url.pathname + url.search,
          headers: { ...Object.fromEntries(request.headers), host: url.host, "content-length": String(body.length), connection: "close" },
          createConnection: () => clientSide as never,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
            }
            resolve(new Response(chunks.length > 0 ? Buffer.concat(chunks) : null, { status: incoming.statusCode!, headers }));
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  };
}

describe("the Express example, with the delivery simulator on a real port", () => {
  const secret = generateSecret();
  const lines: string[] = [];
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = await start(0, { secret, log: (line) => lines.push(line) });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("receives a simulated AgentRef delivery and logs the typed event once, even when delivered twice", async () => {
    const event = createTestEvent("conversion.created", { data: { id: "conv_1", commissionAmount: 1470 } });
    const first = await simulateDelivery({ target: url, event, secret });
    const again = await simulateDelivery({ target: url, event, secret });
    expect(first.attempts.map((a) => a.status)).toEqual([200]);
    expect(again.attempts.map((a) => a.status)).toEqual([200]);
    expect(lines.filter((line) => line.startsWith("conversion conv_1"))).toEqual(["conversion conv_1: commission 1470 usd for aff_def456"]);
  });

  it("answers a forged delivery with 401, which the simulator retries on the schedule", async () => {
    const result = await simulateDelivery({ target: url, event: createTestEvent("payout.failed"), secret: generateSecret(), schedule: [0, 60_000] });
    expect(result.delivered).toBe(false);
    expect(result.attempts.map((a) => a.status)).toEqual([401, 401]);
  });
});

describe("the Express example behind an msw route (no port)", () => {
  const secret = generateSecret();
  const lines: string[] = [];
  const PUBLIC_URL = "https://shop.example/webhooks/agentref";
  const app = createApp({ secret, log: (line) => lines.push(line) });
  let mocks: ReturnType<typeof setupServer>;
  beforeAll(async () => {
    mocks = setupServer(await webhookRoute(PUBLIC_URL, inProcess(app)));
    mocks.listen({ onUnhandledRequest: "error" });
  });
  afterAll(() => mocks.close());

  it("routes the simulator's POSTs to the public URL into the Express app", async () => {
    const event = createTestEvent("payout.failed", { data: { id: "pay_9", failureReason: "IBAN closed" } });
    const result = await simulateDelivery({ target: PUBLIC_URL, event, secret });
    expect(result.delivered).toBe(true);
    expect(lines).toContain("payout pay_9 failed: IBAN closed");
  });

  it("serves fetch-based code too: a signed request is accepted, a tampered one rejected", async () => {
    const event = createTestEvent("affiliate.joined");
    expect((await fetch(await createSignedRequest(event, { secret, url: PUBLIC_URL }))).status).toBe(200);
    expect(lines).toContain("not handled: affiliate.joined");
    const tampered = await createSignedRequest(createTestEvent("affiliate.joined"), { secret, url: PUBLIC_URL, extraHeaders: { "svix-timestamp": "1" } });
    expect((await fetch(tampered)).status).toBe(401);
  });
});
