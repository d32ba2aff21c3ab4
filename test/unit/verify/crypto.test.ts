import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { platformCrypto } from "#crypto";
import { equalConstantTime } from "../../../src/verify/constant-time.js";
import { decodeBase64, encodeBytes } from "../../../src/verify/encoding.js";
import { createVerifier, standardWebhooksScheme, verifyWebhook, type SignatureScheme } from "../../../src/verify-entry.js";
import { ms, svixHeaders, V } from "./helpers.js";

const runs = { seed: 0xc0ffee, numRuns: 200 } as const;
const part = fc.oneof(fc.string({ unit: "grapheme", maxLength: 100 }), fc.uint8Array({ maxLength: 100 }));

describe(`platformCrypto (${platformCrypto.name})`, () => {
  it("HMAC-SHA256 over parts equals node:crypto over their concatenation, in every encoding", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.array(part, { maxLength: 4 }), async (raw, parts) => {
        const key = await platformCrypto.importHmacKey(raw);
        const reference = createHmac("sha256", raw);
        for (const p of parts) reference.update(p);
        const digest = reference.digest();
        for (const encoding of ["base64", "base64url", "hex"] as const) {
          expect(await platformCrypto.hmacSha256(key, parts, encoding)).toBe(digest.toString(encoding));
        }
      }),
      runs,
    );
  });

  it("sha256Hex equals node:crypto", async () => {
    for (const data of ["", "abc", "🙂", new Uint8Array([0, 255])]) {
      expect(await platformCrypto.sha256Hex(data)).toBe(createHash("sha256").update(data).digest("hex"));
    }
  });

  it("imports each secret's key once per verifier", async () => {
    const spy = vi.spyOn(platformCrypto, "importHmacKey");
    try {
      const verifier = createVerifier({ secret: [V.secret, `whsec_${Buffer.alloc(20, 1).toString("base64")}`] });
      for (let i = 0; i < 3; i++) {
        await verifier.verify({ body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), now: ms(V.ts) });
      }
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("verifyWebhook's verifier cache", () => {
  it("decodes a secret once across calls, per tolerance", async () => {
    const decodeSecret = vi.fn(standardWebhooksScheme.decodeSecret);
    const scheme: SignatureScheme = { ...standardWebhooksScheme, decodeSecret };
    const input = { body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), secret: V.secret, scheme, now: ms(V.ts) };
    for (let i = 0; i < 3; i++) await verifyWebhook(input);
    expect(decodeSecret).toHaveBeenCalledTimes(1);
    await verifyWebhook({ ...input, tolerance: 300 });
    expect(decodeSecret).toHaveBeenCalledTimes(1);
    await verifyWebhook({ ...input, tolerance: 60 });
    expect(decodeSecret).toHaveBeenCalledTimes(2);
    await verifyWebhook({ ...input, secret: [V.secret] });
    await verifyWebhook({ ...input, secret: [V.secret] });
    expect(decodeSecret).toHaveBeenCalledTimes(3);
  });

  it("stays bounded: many secrets do not grow it without limit, and still verify", async () => {
    const decodeSecret = vi.fn(standardWebhooksScheme.decodeSecret);
    const scheme: SignatureScheme = { ...standardWebhooksScheme, decodeSecret };
    const secrets = Array.from({ length: 40 }, (_, i) => [`whsec_${Buffer.alloc(20, i + 1).toString("base64")}`, V.secret]);
    const input = { body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), scheme, now: ms(V.ts) };
    for (const secret of secrets) await verifyWebhook({ ...input, secret });
    // The first entries were evicted: verifying with them again decodes again.
    const calls = decodeSecret.mock.calls.length;
    await verifyWebhook({ ...input, secret: secrets[0]! });
    expect(decodeSecret.mock.calls.length).toBe(calls + 2);
  });
});

describe("codecs", () => {
  it("encodeBytes matches Buffer in every encoding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        for (const encoding of ["base64", "base64url", "hex"] as const) {
          expect(encodeBytes(bytes, encoding)).toBe(Buffer.from(bytes).toString(encoding));
        }
      }),
      runs,
    );
  });

  it("decodeBase64 reads base64 and base64url, padded or not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 70 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString("base64");
        for (const text of [b64, b64.replace(/=+$/, ""), Buffer.from(bytes).toString("base64url")]) {
          expect(Buffer.from(decodeBase64(text) as Uint8Array)).toEqual(Buffer.from(bytes));
        }
      }),
      runs,
    );
  });

  it.each([
    ["", "empty"],
    ["====", "empty"],
    ["a", "length"],
    ["ab=", "padding"],
    ["abc===", "padding"],
    ["ab c", "character"],
    ["abé", "character"],
    ["a+b_", "mixed-alphabets"],
  ])("decodeBase64(%j) is %s", (text, problem) => {
    expect(decodeBase64(text)).toBe(problem);
  });

  it("equalConstantTime compares whole strings", () => {
    expect(equalConstantTime("abc", "abc")).toBe(true);
    expect(equalConstantTime("abd", "abc")).toBe(false);
    expect(equalConstantTime("ab", "abc")).toBe(false);
    expect(equalConstantTime(String.fromCharCode(0x161), "a")).toBe(false);
  });
});
