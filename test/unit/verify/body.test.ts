import { describe, expect, it } from "vitest";
import { WebhookError, WebhookVerificationError } from "../../../src/errors/index.js";
import { createVerifier, verifyWebhook } from "../../../src/verify-entry.js";
import { expectCode, ms, signV1, svixHeaders, V } from "./helpers.js";

const verifier = createVerifier({ secret: V.secret });
const headers = svixHeaders(V.id, V.ts, V.sig);
const verify = (body: unknown, h: Record<string, string> = headers) =>
  verifier.verify({ body: body as string, headers: h, now: ms(V.ts) });

describe("raw bodies", () => {
  const bytes = new TextEncoder().encode(V.body);
  const inBigger = new Uint8Array(bytes.length + 8);
  inBigger.set(bytes, 4);

  it.each([
    ["string", V.body],
    ["Uint8Array", bytes],
    ["Buffer", Buffer.from(V.body)],
    ["ArrayBuffer", bytes.slice().buffer],
    ["a Uint8Array view into a larger buffer", inBigger.subarray(4, 4 + bytes.length)],
    ["a DataView", new DataView(inBigger.buffer, 4, bytes.length)],
    ["a Buffer from the pool (non-zero offset)", Buffer.from(V.body, "utf8")],
  ])("%s verifies and comes back as the same text", async (_name, body) => {
    await expect(verify(body)).resolves.toEqual({ id: V.id, timestamp: V.ts, body: V.body });
  });

  it("multi-byte text verifies as string and as bytes", async () => {
    const body = '{"name":"Zoë 🙂 ☃ 中文 𝄞"}';
    const sig = signV1(V.secret, V.id, V.ts, body);
    const h = svixHeaders(V.id, V.ts, sig);
    await expect(verify(body, h)).resolves.toMatchObject({ body });
    await expect(verify(Buffer.from(body), h)).resolves.toMatchObject({ body });
  });

  it("a byte-order mark is part of the signed bytes and kept in the text", async () => {
    const body = `\uFEFF${V.body}`;
    const h = svixHeaders(V.id, V.ts, signV1(V.secret, V.id, V.ts, body));
    await expect(verify(Buffer.from(body), h)).resolves.toMatchObject({ body });
    await expectCode(verify(V.body, h), "INVALID_SIGNATURE");
  });

  it("an empty body verifies when signed empty", async () => {
    const h = svixHeaders(V.id, V.ts, signV1(V.secret, V.id, V.ts, ""));
    await expect(verify("", h)).resolves.toMatchObject({ body: "" });
    await expect(verify(new Uint8Array(), h)).resolves.toMatchObject({ body: "" });
  });

  it("a JSON parse + stringify round trip of the body is rejected", async () => {
    const pretty = JSON.stringify({ id: "msg_1", data: { amount: 1.5, list: [1, 2] } }, null, 2);
    const h = svixHeaders(V.id, V.ts, signV1(V.secret, V.id, V.ts, pretty));
    await expect(verify(pretty, h)).resolves.toBeDefined();
    await expectCode(verify(JSON.stringify(JSON.parse(pretty)), h), "INVALID_SIGNATURE");
  });

  it("bytes that verify but are not UTF-8 are INVALID_JSON (a WebhookError, not a verification error)", async () => {
    const body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const h = svixHeaders(V.id, V.ts, signV1(V.secret, V.id, V.ts, body));
    const err = await expectCode(verify(body, h), "INVALID_JSON", WebhookError);
    expect(err).not.toBeInstanceOf(WebhookVerificationError);
    expect(err.status).toBe(422);
  });

  it("invalid UTF-8 with a wrong signature is INVALID_SIGNATURE (authenticity first)", async () => {
    await expectCode(verify(Buffer.from([0xff, 0xfe])), "INVALID_SIGNATURE");
  });
});

describe("BODY_ALREADY_PARSED", () => {
  it.each([
    ["a parsed object", JSON.parse(V.body)],
    ["an array", [1, 2]],
    ["a number", 2432232314],
    ["a boolean", true],
    ["undefined (no raw body parser)", undefined],
    ["null", null],
  ])("%s", async (_name, body) => {
    const err = await expectCode(verify(body), "BODY_ALREADY_PARSED");
    expect(err.message).toMatch(/express\.raw\(\{ type: "application\/json" \}\)/);
    expect(err.message).toMatch(/request\.text\(\)/);
  });

  it("is reported before header problems (it is the actionable one)", async () => {
    await expectCode(verifyWebhook({ body: {} as never, headers: {}, secret: V.secret }), "BODY_ALREADY_PARSED");
  });
});
