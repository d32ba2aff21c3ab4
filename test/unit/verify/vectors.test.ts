import { describe, expect, it } from "vitest";
import { platformCrypto } from "#crypto";
import { createVerifier, verifyWebhook } from "../../../src/verify-entry.js";
import { expectCode, expectedCrypto, ms, svixHeaders, V, vectors, webhookHeaders } from "./helpers.js";

type Vector = { secret: string; id: string; ts: number; body: string; sig: string };

// Expands the vector file: plain vectors, and `body_repeat` ones into one per length.
const knownAnswers: (Vector & { name: string })[] = vectors.v1.flatMap((v, i) => {
  if ("body_repeat" in v && v.body_repeat) {
    const { char, ...bySize } = v.body_repeat as { char: string } & Record<string, string>;
    return Object.entries(bySize).map(([length, sig]) => ({
      name: `v1[${i}] body of ${length} x ${JSON.stringify(char)}`,
      secret: v.secret,
      id: v.id,
      ts: v.ts,
      body: char.repeat(Number(length)),
      sig,
    }));
  }
  return [{ name: `v1[${i}]`, ...(v as Vector) }];
});

describe("platform crypto", () => {
  it("loads the implementation of this vitest project", ({ task }) => {
    expect(platformCrypto.name).toBe(expectedCrypto(task.file.projectName));
  });
});

describe("known-answer vectors", () => {
  it("expands every vector, including the 256 KB, 262143 B and 1 MB bodies", () => {
    const lengths = knownAnswers.map((v) => v.body.length);
    expect(lengths).toEqual(expect.arrayContaining([1_048_576, 262_144, 262_143]));
    expect(knownAnswers).toHaveLength(5);
  });

  it.each(knownAnswers)("$name verifies (string, bytes, svix-* and webhook-*)", async (v) => {
    const verifier = createVerifier({ secret: v.secret });
    const now = ms(v.ts);
    const expected = { id: v.id, timestamp: v.ts, body: v.body };
    await expect(verifier.verify({ body: v.body, headers: svixHeaders(v.id, v.ts, v.sig), now })).resolves.toEqual(expected);
    const bytes = new TextEncoder().encode(v.body);
    await expect(verifier.verify({ body: bytes, headers: webhookHeaders(v.id, v.ts, v.sig), now })).resolves.toEqual(expected);
    await expect(
      verifyWebhook({ body: v.body, headers: new Headers(svixHeaders(v.id, v.ts, v.sig)), secret: v.secret, now }),
    ).resolves.toEqual(expected);
  });

  it.each(knownAnswers)("$name is rejected with one byte of the body changed", async (v) => {
    const body = `${v.body.slice(0, -1)}${v.body.endsWith("a") ? "b" : "a"}`;
    await expectCode(
      verifyWebhook({ body, headers: svixHeaders(v.id, v.ts, v.sig), secret: v.secret, now: ms(v.ts) }),
      "INVALID_SIGNATURE",
    );
  });
});

describe("decoys", () => {
  const verify = (sig: string) =>
    verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts, sig), secret: V.secret, now: ms(V.ts) });

  it.each(vectors.decoys)("decoy %j alone is INVALID_SIGNATURE", async (decoy) => {
    await expectCode(verify(decoy), "INVALID_SIGNATURE");
  });

  it("all decoys together are INVALID_SIGNATURE", async () => {
    await expectCode(verify(vectors.decoys.join(" ")), "INVALID_SIGNATURE");
  });

  it.each([
    ["first", [V.sig, ...vectors.decoys]],
    ["middle", [...vectors.decoys.slice(0, 3), V.sig, ...vectors.decoys.slice(3)]],
    ["last", [...vectors.decoys, V.sig]],
  ])("the valid signature %s among the decoys verifies", async (_where, list) => {
    await expect(verify(list.join(" "))).resolves.toMatchObject({ id: V.id, timestamp: V.ts });
  });

  it("a v1a (ed25519) entry is skipped, not an error", async () => {
    await expectCode(verify(vectors.v1a.sig), "INVALID_SIGNATURE");
    await expect(verify(`${vectors.v1a.sig} ${V.sig}`)).resolves.toMatchObject({ id: V.id });
  });
});
