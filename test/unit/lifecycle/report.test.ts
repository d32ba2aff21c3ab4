// What the sender sees and what the receiver's operator reads: no internals in answers,
// log lines a person can act on, warnings computed from the provider's own schedule.
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createHandler, createMemoryStore, defineProvider, standardWebhooksScheme } from "agentref-webhooks";
import { bullmqEnqueue } from "agentref-webhooks/bullmq";
import { createTestEvent } from "agentref-webhooks/testing";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const event = createTestEvent("conversion.created", { id: "msg_report" });
const body = JSON.stringify(event);

function capture() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> | undefined }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("answers carry no internals", () => {
  const boom = () => {
    throw new Error("connect ECONNREFUSED payments.internal:5432 (SELECT * FROM ledger)");
  };

  it("a throwing handler's text stays out of the 500 body, which has the code and a correlation id found in the log", async () => {
    const { lines, logger } = capture();
    const handler = createHandler({ secret: TEST_SECRET, logger, on: { "conversion.created": boom } });
    const response = await handler(signedRequest({ body }));
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain("payments.internal");
    const json = JSON.parse(text) as { code: string; correlationId: string };
    expect(json.code).toBe("HANDLER_FAILED");
    expect(json.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines.find((l) => l.level === "error")!;
    expect(line.fields?.correlationId).toBe(json.correlationId);
    expect(String((line.fields?.err as Error).message)).toContain("payments.internal");
  });

  it("exposeErrors shows the message during development", async () => {
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, exposeErrors: true, on: { "conversion.created": boom } });
    expect(await (await handler(signedRequest({ body }))).text()).toContain("payments.internal");
  });
});

describe("log lines", () => {
  it("a wrong secret is logged at warn with the code and reason, never the secret or the body", async () => {
    const { lines, logger } = capture();
    const handler = createHandler({ secret: TEST_SECRET, logger, on: {} });
    const other = `whsec_${Buffer.from("another-secret-of-32-bytes-long!").toString("base64")}`;
    expect((await handler(signedRequest({ body, secret: other }))).status).toBe(401);
    const warn = lines.filter((l) => l.level === "warn");
    expect(warn).toHaveLength(1);
    expect(warn[0]!.message).toContain("INVALID_SIGNATURE");
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(TEST_SECRET.slice(6, 20));
    expect(everything).not.toContain(event.data.affiliateId);
  });

  it("a flood of forged requests is rate-limited: at most 10 warn lines a minute", async () => {
    const { lines, logger } = capture();
    const handler = createHandler({ secret: TEST_SECRET, logger, on: {} });
    for (let i = 0; i < 200; i++) {
      await handler(new Request("http://localhost/", { method: "POST", body, headers: { "svix-id": `m${i}`, "svix-timestamp": "1", "svix-signature": "v1,x" } }));
    }
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(10);
  });

  it("BODY_ALREADY_PARSED is logged at error with the fix", async () => {
    const { lines, logger } = capture();
    const handler = createHandler({ secret: TEST_SECRET, logger, on: {} });
    const request = new Request("http://localhost/", { method: "POST", body });
    await request.text();
    await handler(request);
    expect(lines.find((l) => l.level === "error")?.message).toContain("express.raw");
  });

  it("pino works as it is: fields first, the error serialized with its message", async () => {
    const out: string[] = [];
    const logger = pino({ level: "debug" }, new Writable({ write: (chunk, _e, cb) => (out.push(String(chunk)), cb()) }));
    const handler = createHandler({ secret: TEST_SECRET, logger, on: { "conversion.created": () => Promise.reject(new Error("ledger down")) } });
    await handler(signedRequest({ body }));
    const record = out.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.code === "HANDLER_FAILED")!;
    expect(record.msg).toContain("HANDLER_FAILED");
    expect((record.err as { message: string }).message).toBe("ledger down");
    expect(record.eventId).toBe("msg_report");
  });
});

describe("retry-window warnings come from the provider's own schedule", () => {
  const envelope = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) });
  const twoHours = defineProvider({
    name: "twohours",
    scheme: standardWebhooksScheme,
    envelope: { schema: envelope, idKey: "id", typeKey: "type" },
    events: { "thing.done": envelope.extend({ type: z.literal("thing.done") }) },
    retrySchedule: [0, 60_000, 3_600_000, 3_600_000],
  });

  it("a 3-hour TTL is fine for a provider that retries for ~2 h, but warned about for AgentRef", () => {
    const store = () => createMemoryStore({ ttlMs: 3 * 3_600_000, logger: {} });
    const forCustom = capture();
    createHandler({ provider: twoHours, secret: TEST_SECRET, store: store(), logger: forCustom.logger, on: {} });
    expect(forCustom.lines).toEqual([]);
    const forAgentRef = capture();
    createHandler({ secret: TEST_SECRET, store: store(), logger: forAgentRef.logger, on: {} });
    expect(forAgentRef.lines.map((l) => l.message).join()).toMatch(/agentref .*46\.\d+ h/);
  });

  it("a 90-minute TTL is warned about for it, with its own window", () => {
    const { lines, logger } = capture();
    createHandler({ provider: twoHours, secret: TEST_SECRET, store: createMemoryStore({ ttlMs: 90 * 60_000, logger: {} }), logger, on: {} });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toContain("twohours");
    expect(lines[0]!.fields?.retryWindowMs).toBe(60_000 + 2 * 3_600_000 + 300_000 + 30_000);
  });

  it("the queue's default dedupe window follows the provider, and a shorter one is warned about", () => {
    const queue = { name: "q", add: async () => undefined };
    const quiet = capture();
    bullmqEnqueue(queue, { provider: twoHours, logger: quiet.logger });
    expect(quiet.lines).toEqual([]);
    const short = capture();
    bullmqEnqueue(queue, { provider: twoHours, dedupeWindowMs: 3_600_000, logger: short.logger });
    expect(short.lines[0]!.message).toContain("twohours");
  });
});
