import { describe, expect, it } from "vitest";
import { createVerifier, verifyWebhook, type HeadersInput } from "../../../src/verify-entry.js";
import { toHeaderGetter } from "../../../src/verify/headers.js";
import { MAX_SIGNATURE_HEADER_LENGTH } from "../../../src/verify/verifier.js";
import { WebhookVerificationError } from "../../../src/errors/index.js";
import { expectCode, ms, signV1, svixHeaders, V, vectors, webhookHeaders } from "./helpers.js";

const verifier = createVerifier({ secret: V.secret });
const verify = (headers: HeadersInput, body: string | Uint8Array = V.body) =>
  verifier.verify({ body, headers, now: ms(V.ts) });

const casings: [string, (name: string) => string][] = [
  ["lower", (n) => n.toLowerCase()],
  ["upper", (n) => n.toUpperCase()],
  ["title", (n) => n.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())],
  ["alternating", (n) => [...n].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("")],
];

const recase = (headers: Record<string, string>, fn: (n: string) => string) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [fn(k), v]));

describe("header families, in any letter case", () => {
  for (const [family, make] of [
    ["svix", svixHeaders],
    ["webhook", webhookHeaders],
  ] as const) {
    for (const [casing, fn] of casings) {
      it(`${family}-* in ${casing} case verifies (record and Headers)`, async () => {
        const headers = recase(make(V.id, V.ts, V.sig), fn);
        await expect(verify(headers)).resolves.toMatchObject({ id: V.id, timestamp: V.ts });
        await expect(verify(new Headers(headers))).resolves.toMatchObject({ id: V.id });
      });

      for (const missing of ["id", "timestamp", "signature"]) {
        it(`${family}-${missing} missing (${casing} case) is MISSING_HEADERS naming it`, async () => {
          const all = make(V.id, V.ts, V.sig);
          const headers = recase(
            Object.fromEntries(Object.entries(all).filter(([k]) => k !== `${family}-${missing}`)),
            fn,
          );
          const err = await expectCode(verify(headers), "MISSING_HEADERS");
          expect(err.message).toContain(`${family}-${missing}`);
          await expectCode(verify(new Headers(headers)), "MISSING_HEADERS");
        });
      }
    }
  }

  it("no headers at all, null or undefined headers: MISSING_HEADERS", async () => {
    await expectCode(verify({}), "MISSING_HEADERS");
    await expectCode(verify(new Headers()), "MISSING_HEADERS");
    await expectCode(verify(null as never), "MISSING_HEADERS");
    await expectCode(verify(undefined as never), "MISSING_HEADERS");
  });

  it("an empty header value counts as missing", async () => {
    await expectCode(verify(svixHeaders("", V.ts, V.sig)), "MISSING_HEADERS");
    await expectCode(verify(svixHeaders(V.id, V.ts, "")), "MISSING_HEADERS");
  });

  it("svix-* wins when both complete families are present", async () => {
    const good = svixHeaders(V.id, V.ts, V.sig);
    const bad = webhookHeaders("msg_other", V.ts, vectors.decoys[0]!);
    await expect(verify({ ...bad, ...good })).resolves.toMatchObject({ id: V.id });
    // ...even when the svix-* set is the one that fails.
    await expectCode(verify({ ...webhookHeaders(V.id, V.ts, V.sig), ...svixHeaders(V.id, V.ts, vectors.decoys[0]!) }), "INVALID_SIGNATURE");
  });

  it("an incomplete svix-* set falls back to a complete webhook-* set (families never mix)", async () => {
    const headers = { "svix-id": "msg_ignored", ...webhookHeaders(V.id, V.ts, V.sig) };
    await expect(verify(headers)).resolves.toMatchObject({ id: V.id });
    const mixed = { "svix-id": V.id, "svix-timestamp": String(V.ts), "webhook-signature": V.sig };
    await expectCode(verify(mixed), "MISSING_HEADERS");
  });
});

describe("duplicate header lines", () => {
  const other = signV1(`whsec_${Buffer.alloc(24, 1).toString("base64")}`, V.id, V.ts, V.body);

  it("several signature lines (string[]) are one list", async () => {
    await expect(verify({ ...svixHeaders(V.id, V.ts, ""), "svix-signature": [other, V.sig] })).resolves.toBeDefined();
    await expect(verify({ ...svixHeaders(V.id, V.ts, ""), "svix-signature": [V.sig, other] })).resolves.toBeDefined();
  });

  it("signature lines joined with ', ' (Headers.append, node:http) are one list", async () => {
    const headers = new Headers(svixHeaders(V.id, V.ts, other));
    headers.append("svix-signature", V.sig);
    expect(headers.get("svix-signature")).toBe(`${other}, ${V.sig}`);
    await expect(verify(headers)).resolves.toBeDefined();
    await expect(verify(svixHeaders(V.id, V.ts, `${V.sig}, ${other}`))).resolves.toBeDefined();
  });

  it("keys differing only in case are duplicate lines", async () => {
    await expect(verify({ "Svix-Id": V.id, "SVIX-TIMESTAMP": String(V.ts), "Svix-Signature": other, "SVIX-SIGNATURE": V.sig })).resolves.toBeDefined();
  });

  it("identical id lines collapse; different ones are MISSING_HEADERS", async () => {
    await expect(verify({ ...svixHeaders(V.id, V.ts, V.sig), "svix-id": [V.id, V.id] })).resolves.toMatchObject({ id: V.id });
    await expect(verify(svixHeaders(`${V.id}, ${V.id}`, V.ts, V.sig))).resolves.toMatchObject({ id: V.id });
    const err = await expectCode(verify({ ...svixHeaders(V.id, V.ts, V.sig), "svix-id": [V.id, "msg_other"] }), "MISSING_HEADERS");
    expect(err.message).toMatch(/several times/);
  });

  it("different timestamp lines are INVALID_TIMESTAMP", async () => {
    await expectCode(verify({ ...svixHeaders(V.id, V.ts, V.sig), "svix-timestamp": [String(V.ts), String(V.ts + 1)] }), "INVALID_TIMESTAMP");
  });
});

describe("hostile signature headers", () => {
  it.each([
    ["non-ASCII in the digest", `v1,${V.sig.slice(3, 10)}é${V.sig.slice(11)}`],
    ["a digest folded by latin1 onto the right one", `v1,${String.fromCharCode(0x100 + V.sig.charCodeAt(3))}${V.sig.slice(4)}`],
    ["emoji", "v1,🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂="],
    ["NUL bytes", `v1,${"\u0000".repeat(44)}`],
    ["only spaces", "     "],
    ["only commas", ",,,,,"],
    ["the right digest without a version", V.sig.slice(3)],
    ["the right digest as v2", `v2,${V.sig.slice(3)}`],
    ["the right digest with a trailing garbage character", `${V.sig}x`],
    ["the right digest, lowercased", `v1,${V.sig.slice(3).toLowerCase()}`],
    ["the right digest in base64url", `v1,${Buffer.from(V.sig.slice(3), "base64").toString("base64url")}`],
    ["the right digest without padding", V.sig.replace(/=$/, "")],
    ["the right digest split by a tab", `v1,${V.sig.slice(3, 20)}\t${V.sig.slice(20)}`],
  ])("%s: INVALID_SIGNATURE", async (_name, sig) => {
    await expectCode(verify(svixHeaders(V.id, V.ts, sig)), "INVALID_SIGNATURE");
  });

  it("non-ASCII entries next to the valid one do not prevent a match", async () => {
    await expect(verify(svixHeaders(V.id, V.ts, `v1,ümlaut🙂 ${V.sig}`))).resolves.toBeDefined();
  });

  it("a 1 MB signature header is INVALID_SIGNATURE, quickly", async () => {
    const huge = `${V.sig} ${"v1,AAAA ".repeat(131_072)}`;
    expect(huge.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    const err = await expectCode(verify(svixHeaders(V.id, V.ts, huge)), "INVALID_SIGNATURE");
    expect(performance.now() - started).toBeLessThan(50);
    expect(err.message).toContain(String(MAX_SIGNATURE_HEADER_LENGTH));
  });

  it("a 10,000-entry header is INVALID_SIGNATURE, quickly, even with the valid entry first", async () => {
    const many = [V.sig, ...Array.from({ length: 9_999 }, () => "a")].join(" ");
    expect(many.length).toBeLessThan(MAX_SIGNATURE_HEADER_LENGTH * 2);
    const started = performance.now();
    for (const sig of [many, many.slice(V.sig.length + 1), Array.from({ length: 5000 }, () => "v1,x").join(" ")]) {
      await expectCode(verify(svixHeaders(V.id, V.ts, sig)), "INVALID_SIGNATURE");
    }
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("up to 32 entries are checked; the 33rd makes the header invalid", async () => {
    const decoys = (n: number) => Array.from({ length: n }, () => vectors.decoys[0]!);
    await expect(verify(svixHeaders(V.id, V.ts, [...decoys(31), V.sig].join(" ")))).resolves.toBeDefined();
    const err = await expectCode(verify(svixHeaders(V.id, V.ts, [...decoys(32), V.sig].join(" "))), "INVALID_SIGNATURE");
    expect(err.message).toMatch(/more than 32/);
  });

  it("only WebhookVerificationError escapes for header values of any type", async () => {
    const values: unknown[] = [42, true, {}, [], [1, 2], null, Symbol("x"), () => 1, ["v1,a", 3], new Date(), 1e400];
    for (const value of values) {
      for (const name of ["svix-id", "svix-timestamp", "svix-signature"]) {
        const headers = { ...svixHeaders(V.id, V.ts, V.sig), [name]: value } as never;
        await expect(verify(headers)).rejects.toBeInstanceOf(WebhookVerificationError);
      }
    }
    const throwing = { get: () => { throw new Error("boom"); } } as never;
    await expect(verify(throwing)).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});

describe("toHeaderGetter", () => {
  it("reads records in any case, Headers, and Node-style arrays", () => {
    expect(toHeaderGetter({ "Svix-Id": "a" })("svix-id")).toBe("a");
    expect(toHeaderGetter({ "svix-id": "a" })("SVIX-ID")).toBe("a");
    expect(toHeaderGetter(new Headers({ "svix-id": "a" }))("Svix-Id")).toBe("a");
    expect(toHeaderGetter({ "svix-signature": ["x", "y"] })("svix-signature")).toBe("x, y");
    expect(toHeaderGetter({ "svix-id": undefined })("svix-id")).toBeUndefined();
    expect(toHeaderGetter({})("svix-id")).toBeUndefined();
    const get = toHeaderGetter({ A: "1", a: "2" });
    expect(get("a")).toBe("2");
    expect(toHeaderGetter({ A: "1", B: "2" })("a")).toBe("1");
  });

  it("does not read inherited properties as headers", () => {
    expect(toHeaderGetter({})("constructor")).toBeUndefined();
    expect(toHeaderGetter({})("__proto__")).toBeUndefined();
  });

  it("an IncomingHttpHeaders value works as is", async () => {
    const incoming: import("node:http").IncomingHttpHeaders = { ...svixHeaders(V.id, V.ts, V.sig), host: "x" };
    await expect(verify(incoming)).resolves.toBeDefined();
  });
});
