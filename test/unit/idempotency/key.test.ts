// One key per event for every store and for the queue's job id: the same event always maps
// to the same key, two different (provider, tenant, id) never to the same one, and every
// key is ASCII, short enough for a PostgreSQL index, and acceptable to BullMQ.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bullmqJobId } from "agentref-webhooks/bullmq";
import { idempotencyKey, MAX_KEY_LENGTH } from "../../../src/idempotency/key.js";

const key = (provider: string, tenant: string | undefined, id: string) => idempotencyKey({ provider, tenant, id });

describe("idempotencyKey", () => {
  it("is readable for ordinary ids, with the tenant when there is one", async () => {
    expect(await key("agentref", "mer_1", "msg_abc123")).toBe("agentref@mer_1@msg_abc123");
    expect(await key("agentsend", undefined, "evt-1.2")).toBe("agentsend@evt-1.2");
    expect(await key("agentref", undefined, "a:b:c")).toBe("agentref@a%003Ab%003Ac");
  });

  it("is the queue's job id too", async () => {
    expect(await bullmqJobId("msg_1", { tenant: "mer_1" })).toBe(await key("agentref", "mer_1", "msg_1"));
    expect(await bullmqJobId("1", { provider: "agiled", tenant: "42" })).toBe("agiled@42@1");
  });

  it("tells apart separators, escapes, lone surrogates, NUL and tenant boundaries", async () => {
    const pairs: [string | undefined, string, string | undefined, string][] = [
      ["a@b", "c", "a", "b@c"],
      [undefined, "%003A", undefined, ":"],
      [undefined, "\uD800", undefined, "\uFFFD"],
      [undefined, "x\u0000", undefined, "x"],
      ["mer_1", "msg_1", undefined, "mer_1@msg_1"],
      ["", "msg_1", undefined, "msg_1"],
    ];
    for (const [t1, i1, t2, i2] of pairs) expect(await key("p", t1, i1)).not.toBe(await key("p", t2, i2));
  });

  it("is injective, ASCII, bounded, never contains ':' and is never an integer (BullMQ rejects both)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.option(fc.string({ unit: "binary" }), { nil: undefined }), fc.string({ unit: "binary" })),
        fc.tuple(fc.option(fc.string({ unit: "binary" }), { nil: undefined }), fc.string({ unit: "binary" })),
        async ([t1, a], [t2, b]) => {
          fc.pre(a !== b || t1 !== t2);
          const [k1, k2] = [await key("agentref", t1, a), await key("agentref", t2, b)];
          expect(k1).not.toBe(k2);
          for (const k of [k1, k2]) {
            expect(k).toMatch(/^[A-Za-z0-9_.%@#-]+$/);
            expect(k.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
            expect(`${parseInt(k, 10)}`).not.toBe(k);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("keeps a 10 KB id within the limit, and two long ids differing in their last character apart", async () => {
    const long = "x".repeat(10_000);
    const [k1, k2] = [await key("agentref", "mer_1", `${long}a`), await key("agentref", "mer_1", `${long}b`)];
    expect(k1.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
    expect(k1).not.toBe(k2);
    expect(k1.startsWith("agentref@mer_1@xxx")).toBe(true);
  });
});
