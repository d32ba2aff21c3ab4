import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createHexHmacScheme,
  createHmacScheme,
  createStandardWebhooksScheme,
  createVerifier,
  standardWebhooksScheme,
  verifyWebhook,
} from "../../../src/verify-entry.js";
import { decodeStandardWebhooksSecret } from "../../../src/verify/secret.js";
import { expectCode, expectThrowCode, ms, V } from "./helpers.js";

describe("hex HMAC scheme (Agiled's documented signing)", () => {
  const agiled = createHexHmacScheme({
    name: "agiled",
    headers: { id: "X-Agiled-Webhook-Id", timestamp: "X-Agiled-Webhook-Timestamp", signature: "X-Agiled-Webhook-Signature" },
  });
  const secret = "agiled-subscription-secret-0123456789";
  const ts = 1_700_000_000;
  const body = '{"id":"evt_1","event":"invoice.paid","organization_id":7,"occurred_at":"2023-11-14T22:13:20Z","data":{"total":12.5,"note":"ünïcödé 🙂"}}';
  // Independent of the SDK: lowercase hex HMAC-SHA256 of `${timestamp}.${rawBody}`, the secret's bytes as the key.
  const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${ts}.${body}`).digest("hex");
  const headers = (sig = expected, at: number | string = ts) => ({
    "X-Agiled-Webhook-Event": "invoice.paid",
    "X-Agiled-Webhook-Id": "evt_1",
    "X-Agiled-Webhook-Timestamp": String(at),
    "X-Agiled-Webhook-Signature": sig,
  });
  const verifier = createVerifier({ secret, scheme: agiled });

  it("verifies a signature computed independently with node:crypto", async () => {
    await expect(verifier.verify({ body, headers: headers(), now: ms(ts) })).resolves.toEqual({ id: "evt_1", timestamp: ts, body });
    await expect(verifier.verify({ body: Buffer.from(body), headers: new Headers(headers()), now: ms(ts) })).resolves.toMatchObject({ id: "evt_1" });
  });

  it("signs what node:crypto computes", async () => {
    await expect(agiled.sign({ id: "evt_1", timestamp: ts, body, secret })).resolves.toEqual({
      "x-agiled-webhook-id": "evt_1",
      "x-agiled-webhook-timestamp": String(ts),
      "x-agiled-webhook-signature": expected,
    });
  });

  it("accepts an uppercase hex digest (same bytes)", async () => {
    await expect(verifier.verify({ body, headers: headers(expected.toUpperCase()), now: ms(ts) })).resolves.toBeDefined();
  });

  it("rejects a tampered body", async () => {
    await expectCode(verifier.verify({ body: body.replace("12.5", "125"), headers: headers(), now: ms(ts) }), "INVALID_SIGNATURE");
  });

  it("rejects a signature that includes the id (the id is not signed)", async () => {
    const withId = createHmac("sha256", secret).update(`evt_1.${ts}.${body}`).digest("hex");
    await expectCode(verifier.verify({ body, headers: headers(withId), now: ms(ts) }), "INVALID_SIGNATURE");
  });

  it("rejects a stale and a future timestamp", async () => {
    await expectCode(verifier.verify({ body, headers: headers(), now: ms(ts + 301) }), "TIMESTAMP_TOO_OLD");
    await expectCode(verifier.verify({ body, headers: headers(), now: ms(ts - 301) }), "TIMESTAMP_TOO_NEW");
  });

  it("rejects a stale timestamp even when re-signed for it (tolerance is applied)", async () => {
    const stale = ts - 3600;
    const sig = createHmac("sha256", secret).update(`${stale}.${body}`).digest("hex");
    await expectCode(verifier.verify({ body, headers: headers(sig, stale), now: ms(ts) }), "TIMESTAMP_TOO_OLD");
  });

  it("needs its own headers; svix-* headers do not count", async () => {
    const err = await expectCode(
      verifier.verify({ body, headers: { "svix-id": "a", "svix-timestamp": String(ts), "svix-signature": expected }, now: ms(ts) }),
      "MISSING_HEADERS",
    );
    expect(err.message).toContain("x-agiled-webhook-signature");
  });

  it("uses the secret as given: no whsec_ decoding, and short secrets are INVALID_SECRET", () => {
    expectThrowCode(() => createVerifier({ secret: "short", scheme: agiled }), "INVALID_SECRET");
    expectThrowCode(() => createVerifier({ secret: "", scheme: agiled }), "INVALID_SECRET");
    const lenient = createHexHmacScheme({ name: "lenient", headers: { id: "a", timestamp: "b", signature: "c" }, minSecretBytes: 1 });
    expect(() => createVerifier({ secret: "short", scheme: lenient })).not.toThrow();
  });
});

describe("standard webhooks schemes", () => {
  it("standardWebhooksScheme signs with svix-* headers", async () => {
    const headers = await standardWebhooksScheme.sign({ id: V.id, timestamp: V.ts, body: V.body, secret: V.secret });
    expect(headers).toEqual({ "svix-id": V.id, "svix-timestamp": String(V.ts), "svix-signature": V.sig });
  });

  it("createStandardWebhooksScheme({ headerPrefix: 'webhook' }) signs webhook-*, verifies both families", async () => {
    const agentSync = createStandardWebhooksScheme({ headerPrefix: "webhook", name: "agentsync" });
    const headers = await agentSync.sign({ id: V.id, timestamp: new Date(ms(V.ts)), body: V.body, secret: V.secret });
    expect(headers).toEqual({ "webhook-id": V.id, "webhook-timestamp": String(V.ts), "webhook-signature": V.sig });
    const svix = { "svix-id": V.id, "svix-timestamp": String(V.ts), "svix-signature": V.sig };
    for (const h of [headers, svix]) {
      await expect(verifyWebhook({ body: V.body, headers: h, secret: V.secret, scheme: agentSync, now: ms(V.ts) })).resolves.toMatchObject({ id: V.id });
    }
  });

  it("sign with several secrets lists one signature per secret; each alone verifies", async () => {
    const other = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;
    const headers = await standardWebhooksScheme.sign({ id: V.id, timestamp: V.ts, body: V.body, secret: [other, V.secret] });
    expect(headers["svix-signature"]!.split(" ")).toHaveLength(2);
    expect(headers["svix-signature"]!.split(" ")[1]).toBe(V.sig);
    for (const secret of [other, V.secret]) {
      await expect(verifyWebhook({ body: V.body, headers, secret, now: ms(V.ts) })).resolves.toBeDefined();
    }
  });

  it("sign can write another header family and signs bytes like strings", async () => {
    const headers = await standardWebhooksScheme.sign({
      id: V.id,
      timestamp: V.ts,
      body: new TextEncoder().encode(V.body),
      secret: V.secret,
      headers: { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" },
    });
    expect(headers["webhook-signature"]).toBe(V.sig);
  });

  it("sign defaults the timestamp to now and rejects a bad one", async () => {
    const before = Math.floor(Date.now() / 1000);
    const headers = await standardWebhooksScheme.sign({ id: V.id, body: V.body, secret: V.secret });
    expect(Number(headers["svix-timestamp"])).toBeGreaterThanOrEqual(before);
    await expect(standardWebhooksScheme.sign({ id: V.id, timestamp: 1.5, body: V.body, secret: V.secret })).rejects.toThrow(RangeError);
  });

  it("sign rejects a bad secret with INVALID_SECRET", async () => {
    await expectCode(standardWebhooksScheme.sign({ id: V.id, body: V.body, secret: "whsec_%" }), "INVALID_SECRET");
  });
});

describe("createHmacScheme", () => {
  // A made-up provider: GitHub-style "sha256=<hex>" over `${id}:${timestamp}:` + body, base64 key.
  const acme = createHmacScheme({
    name: "acme",
    headerFamilies: [{ id: "Acme-Delivery", timestamp: "Acme-Time", signature: "Acme-Signature" }],
    signedPrefix: (id, ts) => `${id}:${ts}:`,
    encoding: "hex",
    signaturePrefix: "sha256=",
    decodeSecret: decodeStandardWebhooksSecret,
    maxSignatures: 2,
  });
  const key = Buffer.from(V.secret.slice(6), "base64");
  const sig = `sha256=${createHmac("sha256", key).update(`d1:${V.ts}:${V.body}`).digest("hex")}`;
  const headers = (s: string) => ({ "acme-delivery": "d1", "acme-time": String(V.ts), "acme-signature": s });

  it("verifies its own format and signs it", async () => {
    await expect(verifyWebhook({ body: V.body, headers: headers(sig), secret: V.secret, scheme: acme, now: ms(V.ts) })).resolves.toMatchObject({ id: "d1" });
    await expect(acme.sign({ id: "d1", timestamp: V.ts, body: V.body, secret: V.secret })).resolves.toMatchObject({ "acme-signature": sig });
  });

  it("skips entries without the prefix and honours maxSignatures", async () => {
    const v = createVerifier({ secret: V.secret, scheme: acme });
    await expectCode(v.verify({ body: V.body, headers: headers(sig.slice(7)), now: ms(V.ts) }), "INVALID_SIGNATURE");
    await expect(v.verify({ body: V.body, headers: headers(`x ${sig}`), now: ms(V.ts) })).resolves.toBeDefined();
    await expectCode(v.verify({ body: V.body, headers: headers(`x y ${sig}`), now: ms(V.ts) }), "INVALID_SIGNATURE");
  });

  it("parseSignatures keeps only well-formed candidates", () => {
    expect(standardWebhooksScheme.parseSignatures(`v2,x ${V.sig} v1, v1,short ${V.sig},`)).toEqual([V.sig, V.sig]);
    expect(standardWebhooksScheme.parseSignatures(V.sig)).toEqual([V.sig]);
    expect(standardWebhooksScheme.parseSignatures("")).toEqual([]);
    expect(standardWebhooksScheme.formatSignatures(["a", "b"])).toBe("v1,a v1,b");
  });
});
