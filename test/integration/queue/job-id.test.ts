// Job ids are the dedupe: the same event must always map to the same id, two different
// events never to the same one, and BullMQ must accept every id we produce.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bullmqJobId } from "agentref-webhooks/bullmq";

describe("bullmqJobId", () => {
  it("is readable for ordinary ids", () => {
    expect(bullmqJobId("msg_abc123")).toBe("agentref@msg_abc123");
    expect(bullmqJobId("evt-1.2", "agiled")).toBe("agiled@evt-1.2");
  });

  it("never contains ':' and is never an integer (BullMQ rejects both)", () => {
    expect(bullmqJobId("a:b:c")).toBe("agentref@a%003Ab%003Ac");
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (id, provider) => {
        const jobId = bullmqJobId(id, provider);
        expect(jobId).not.toContain(":");
        expect(`${parseInt(jobId, 10)}`).not.toBe(jobId);
      }),
    );
  });

  it("is injective over (event id, provider), separators and lone surrogates included", () => {
    expect(bullmqJobId("b@c", "a")).not.toBe(bullmqJobId("c", "a@b"));
    expect(bullmqJobId("%003A")).not.toBe(bullmqJobId(":"));
    expect(bullmqJobId("\uD800")).not.toBe(bullmqJobId("\uFFFD"));
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), fc.string(), fc.string(), (a, b, p, q) => {
        fc.pre(a !== b || p !== q);
        expect(bullmqJobId(a, p)).not.toBe(bullmqJobId(b, q));
      }),
      { numRuns: 2_000 },
    );
  });
});
