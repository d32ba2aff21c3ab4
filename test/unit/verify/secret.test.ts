import { describe, expect, it } from "vitest";
import {
  createVerifier,
  verifyWebhook,
} from "../../../src/verify-entry.js";
import { decodeStandardWebhooksSecret } from "../../../src/verify/secret.js";
import { expectCode, expectThrowCode, ms, signV1, svixHeaders, V, vectors } from "./helpers.js";

const key = Buffer.from(V.secret.slice("whsec_".length), "base64");
const b64 = key.toString("base64");
const b64url = key.toString("base64url");

describe("secret forms", () => {
  // A key whose base64 has '+' and '/' and padding, so every alphabet variant differs.
  const odd = Buffer.from([0xfb, 0xff, 0xbf, ...Array.from({ length: 17 }, (_, i) => i * 13)]);
  it.each([
    ["whsec_ + base64", `whsec_${odd.toString("base64")}`],
    ["whsec_ + base64 without padding", `whsec_${odd.toString("base64").replace(/=+$/, "")}`],
    ["whsec_ + base64url", `whsec_${odd.toString("base64url")}`],
    ["whsec_ + base64url with padding", `whsec_${odd.toString("base64url")}${"=".repeat((4 - (odd.toString("base64url").length % 4)) % 4)}`],
    ["bare base64", odd.toString("base64")],
    ["bare base64url", odd.toString("base64url")],
  ])("%s decodes to the same key", (_name, secret) => {
    expect(odd.toString("base64")).toMatch(/[+/]/);
    expect(Buffer.from(decodeStandardWebhooksSecret(secret))).toEqual(odd);
  });

  it.each([
    ["whsec_ + base64", `whsec_${b64}`],
    ["whsec_ + base64url, unpadded", `whsec_${b64url}`],
    ["bare base64", b64],
  ])("a verifier built from %s verifies the vector", async (_name, secret) => {
    await expect(
      createVerifier({ secret }).verify({ body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), now: ms(V.ts) }),
    ).resolves.toMatchObject({ id: V.id });
  });
});

describe("bad secrets are INVALID_SECRET when the verifier is created", () => {
  it.each(vectors.badSecrets)("vector bad secret %j", (secret) => {
    expectThrowCode(() => createVerifier({ secret }), "INVALID_SECRET");
  });

  it.each([
    ["empty", ""],
    ["only the prefix", "whsec_"],
    ["undecodable", "whsec_!!!!"],
    ["15 bytes", `whsec_${Buffer.alloc(15, 7).toString("base64")}`],
    ["ed25519 public key prefix", vectors.v1a.whpk],
    ["ed25519 secret key prefix", vectors.v1a.whsk],
    ["misspelt prefix", `hwsec_${b64}`],
    ["trailing newline", `${V.secret}\n`],
    ["leading space", ` ${V.secret}`],
    ["mixed alphabets", `whsec_${b64.slice(0, 30)}-+`],
    ["malformed padding", `whsec_${b64}===`],
  ])("%s", (_name, secret) => {
    const err = expectThrowCode(() => createVerifier({ secret }), "INVALID_SECRET");
    // The message explains, and never echoes the secret.
    expect(err.message.length).toBeGreaterThan(20);
    if (secret.length > 8) expect(err.message).not.toContain(secret.trim().slice(6));
  });

  it.each([
    ["an empty list", []],
    ["a list with an empty string", [V.secret, ""]],
    ["a list with a non-string", [V.secret, 42]],
    ["null", null],
    ["a number", 42],
  ])("%s", (_name, secret) => {
    expectThrowCode(() => createVerifier({ secret: secret as never }), "INVALID_SECRET");
  });

  it("verifyWebhook rejects (does not throw) with INVALID_SECRET", async () => {
    const pending = verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), secret: "whsec_%" });
    expect(pending).toBeInstanceOf(Promise);
    await expectCode(pending, "INVALID_SECRET");
  });

  it("the 81-byte key of the vector file is a valid key without its ' (81 bytes)' label", async () => {
    const labelled = vectors.badSecrets.at(-1)!;
    expect(labelled.endsWith(" (81 bytes)")).toBe(true);
    const secret = labelled.slice(0, -" (81 bytes)".length);
    expect(decodeStandardWebhooksSecret(secret)).toHaveLength(81);
    // No upper bound on key length, like the standardwebhooks package: HMAC hashes long keys.
    const sig = signV1(secret, V.id, V.ts, V.body);
    await expect(
      verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts, sig), secret, now: ms(V.ts) }),
    ).resolves.toMatchObject({ id: V.id });
  });
});

describe("rotation: a list of secrets", () => {
  const other = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

  it.each([
    ["first", [V.secret, other]],
    ["last", [other, V.secret]],
  ])("verifies when the matching secret is %s", async (_where, secret) => {
    await expect(
      verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), secret, now: ms(V.ts) }),
    ).resolves.toMatchObject({ id: V.id });
  });

  it("verifies a header signed with both secrets, either order", async () => {
    const both = `${signV1(other, V.id, V.ts, V.body)} ${V.sig}`;
    for (const secret of [[V.secret], [other], [other, V.secret]]) {
      await expect(
        verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts, both), secret, now: ms(V.ts) }),
      ).resolves.toMatchObject({ id: V.id });
    }
  });

  it("rejects when no secret of the list matches", async () => {
    await expectCode(
      verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), secret: [other], now: ms(V.ts) }),
      "INVALID_SIGNATURE",
    );
  });

  it("one bad secret in the list fails the whole verifier at creation", () => {
    expectThrowCode(() => createVerifier({ secret: [V.secret, "whsec_short"] }), "INVALID_SECRET");
  });
});
