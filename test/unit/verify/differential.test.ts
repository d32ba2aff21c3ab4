import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { WebhookVerificationError } from "../../../src/errors/index.js";
import { standardWebhooksScheme, verifyWebhook } from "../../../src/verify-entry.js";

// The `standardwebhooks` package is the oracle: whatever it accepts we accept, and
// every one-byte mutation is rejected by both. Its clock cannot be injected, so
// Date is faked to the moment each case needs.
const runs = { seed: 0x5eed, numRuns: 200 } as const;

beforeAll(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterAll(() => {
  vi.useRealTimers();
});

const id = fc
  .oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 32, unit: "grapheme" }))
  // ", " is how duplicate header lines are joined: such an id is documented as ambiguous.
  .filter((s) => !s.includes(", "));
const body = fc.oneof(
  fc.string({ maxLength: 300, unit: "grapheme" }),
  fc.string({ maxLength: 300, unit: "binary" }),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 4000 }),
  fc.constantFrom("", "🙂", "{\"emoji\":\"👩‍👩‍👧‍👦\",\"ja\":\"日本語\",\"combining\":\"é\"}"),
);
const key = fc.uint8Array({ minLength: 16, maxLength: 80 });
const timestamp = fc.integer({ min: 0, max: 4_102_444_800 });
// Where "now" sits relative to the signed timestamp, within the 300 s tolerance.
const skew = fc.integer({ min: -300, max: 300 });

interface Signed {
  secret: string;
  id: string;
  ts: number;
  body: string;
  sig: string;
  nowMs: number;
}

const signed = fc.record({ key, id, ts: timestamp, body, skew }).map(({ key, id, ts, body, skew }): Signed => {
  const secret = `whsec_${Buffer.from(key).toString("base64")}`;
  const sig = new Webhook(secret).sign(id, new Date(ts * 1000), body);
  return { secret, id, ts, body, sig, nowMs: (ts + skew) * 1000 };
});

const oracleAccepts = (s: Signed, payload: string | Buffer, hid = s.id, hts = String(s.ts), hsig = s.sig): boolean => {
  vi.setSystemTime(s.nowMs);
  try {
    new Webhook(s.secret).verify(payload, { "webhook-id": hid, "webhook-timestamp": hts, "webhook-signature": hsig }, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
};

const oursAccepts = async (
  s: Signed,
  payload: string | Uint8Array,
  hid = s.id,
  hts = String(s.ts),
  hsig = s.sig,
  secret: string = s.secret,
): Promise<boolean> => {
  try {
    await verifyWebhook({ body: payload, headers: { "svix-id": hid, "svix-timestamp": hts, "svix-signature": hsig }, secret, now: s.nowMs });
    return true;
  } catch (err) {
    // Only verification errors, never anything else, on any input.
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return false;
  }
};

const replaceAt = (text: string, index: number, char: string): string => text.slice(0, index) + char + text.slice(index + 1);

describe("differential against standardwebhooks", () => {
  it("accepts what standardwebhooks signs and accepts: string and bytes, any key alphabet", async () => {
    await fc.assert(
      fc.asyncProperty(signed, async (s) => {
        expect(oracleAccepts(s, s.body)).toBe(true);
        expect(await oursAccepts(s, s.body)).toBe(true);
        expect(await oursAccepts(s, Buffer.from(s.body))).toBe(true);
        expect(await oursAccepts(s, new TextEncoder().encode(s.body))).toBe(true);
        const urlSecret = `whsec_${Buffer.from(s.secret.slice(6), "base64").toString("base64url")}`;
        expect(await oursAccepts(s, s.body, s.id, String(s.ts), s.sig, urlSecret)).toBe(true);
      }),
      runs,
    );
  });

  it("signs exactly what standardwebhooks signs", async () => {
    await fc.assert(
      fc.asyncProperty(signed, async (s) => {
        const headers = await standardWebhooksScheme.sign({ id: s.id, timestamp: s.ts, body: s.body, secret: s.secret });
        expect(headers).toEqual({ "svix-id": s.id, "svix-timestamp": String(s.ts), "svix-signature": s.sig });
      }),
      runs,
    );
  });

  it("rejects a one-byte change to the body, as standardwebhooks does", async () => {
    const mutated = signed
      .filter((s) => s.body.length > 0)
      .chain((s) => {
        const length = Buffer.byteLength(s.body);
        return fc.tuple(fc.constant(s), fc.nat({ max: length - 1 }), fc.integer({ min: 1, max: 255 }));
      });
    await fc.assert(
      fc.asyncProperty(mutated, async ([s, index, flip]) => {
        const bytes = Buffer.from(s.body);
        bytes[index]! ^= flip;
        expect(oracleAccepts(s, bytes)).toBe(false);
        expect(await oursAccepts(s, bytes)).toBe(false);
      }),
      runs,
    );
  });

  it("rejects a one-character change to the id, as standardwebhooks does", async () => {
    const mutated = signed.chain((s) =>
      fc.tuple(fc.constant(s), fc.nat({ max: s.id.length - 1 }), fc.constantFrom(..."abcXYZ019_-.")),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async ([s, index, char]) => {
        const other = replaceAt(s.id, index, char);
        fc.pre(other !== s.id);
        expect(oracleAccepts(s, s.body, other)).toBe(false);
        expect(await oursAccepts(s, s.body, other)).toBe(false);
      }),
      runs,
    );
  });

  it("rejects a one-digit change to the timestamp, as standardwebhooks does", async () => {
    const mutated = signed.chain((s) =>
      fc.tuple(fc.constant(s), fc.nat({ max: String(s.ts).length - 1 }), fc.integer({ min: 0, max: 9 })),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async ([s, index, digit]) => {
        const other = replaceAt(String(s.ts), index, String(digit));
        fc.pre(other !== String(s.ts));
        expect(oracleAccepts(s, s.body, s.id, other)).toBe(false);
        expect(await oursAccepts(s, s.body, s.id, other)).toBe(false);
      }),
      runs,
    );
  });

  it("rejects non-digit timestamp mutations that standardwebhooks' parseInt lets through", async () => {
    const mutated = signed.chain((s) => fc.tuple(fc.constant(s), fc.constantFrom("abc", " ", ".0", "e0", "x")));
    await fc.assert(
      fc.asyncProperty(mutated, async ([s, suffix]) => {
        // standardwebhooks parses "1614265330abc" as 1614265330 and accepts; we are strict on purpose.
        expect(await oursAccepts(s, s.body, s.id, `${s.ts}${suffix}`)).toBe(false);
      }),
      runs,
    );
  });

  it("rejects a one-character change to the signature, as standardwebhooks does", async () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=,- ";
    const mutated = signed.chain((s) =>
      fc.tuple(fc.constant(s), fc.nat({ max: s.sig.length - 1 }), fc.constantFrom(...alphabet)),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async ([s, index, char]) => {
        const other = replaceAt(s.sig, index, char);
        fc.pre(other !== s.sig);
        expect(oracleAccepts(s, s.body, s.id, String(s.ts), other)).toBe(false);
        expect(await oursAccepts(s, s.body, s.id, String(s.ts), other)).toBe(false);
      }),
      runs,
    );
  });

  it("rejects a JSON parse + stringify round trip of a body with whitespace", async () => {
    const pretty = fc
      .record({ key, id, ts: timestamp, skew, value: fc.object({ maxDepth: 2 }) })
      .map(({ key, id, ts, skew, value }): Signed => {
        const secret = `whsec_${Buffer.from(key).toString("base64")}`;
        const text = JSON.stringify(value, null, 2);
        return { secret, id, ts, body: text, sig: new Webhook(secret).sign(id, new Date(ts * 1000), text), nowMs: (ts + skew) * 1000 };
      })
      .filter((s) => JSON.stringify(JSON.parse(s.body)) !== s.body);
    await fc.assert(
      fc.asyncProperty(pretty, async (s) => {
        const roundTripped = JSON.stringify(JSON.parse(s.body));
        expect(await oursAccepts(s, s.body)).toBe(true);
        expect(oracleAccepts(s, roundTripped)).toBe(false);
        expect(await oursAccepts(s, roundTripped)).toBe(false);
      }),
      runs,
    );
  });

  it("never throws anything but a WebhookVerificationError on arbitrary headers", async () => {
    const anyText = fc.oneof(fc.string({ maxLength: 200, unit: "binary" }), fc.string({ maxLength: 60 }));
    await fc.assert(
      fc.asyncProperty(signed, anyText, anyText, anyText, async (s, hid, hts, hsig) => {
        expect(await oursAccepts(s, s.body, hid, hts, `${hsig} v1,${hsig}`)).toBe(false);
      }),
      runs,
    );
  });
});
