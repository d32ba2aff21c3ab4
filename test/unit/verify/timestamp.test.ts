import { describe, expect, it } from "vitest";
import { createVerifier, verifyWebhook } from "../../../src/verify-entry.js";
import { expectCode, ms, signV1, svixHeaders, V } from "./helpers.js";

// Signs at `ts` with the vector's secret, so only the timestamp can fail.
const at = (ts: string | number) => svixHeaders(V.id, ts, signV1(V.secret, V.id, ts, V.body));

describe("timestamp format", () => {
  it.each([
    ["trailing letters", "1614265330abc"],
    ["plus sign", "+1614265330"],
    ["minus sign", "-1"],
    ["leading space", " 1614265330"],
    ["trailing space", "1614265330 "],
    ["exponent", "1.6e9"],
    ["decimal", "1614265330.5"],
    ["leading zero", "01614265330"],
    ["hex", "0x60379b72"],
    ["absurdly long", "9".repeat(40)],
    ["16 digits", "1".repeat(16)],
    ["non-ASCII digits", "١٦١٤٢٦٥٣٣٠"],
    ["ISO date", "2021-02-25T15:02:10Z"],
    ["conflicting duplicate lines", "1614265330, 1614265331"],
  ])("%s is INVALID_TIMESTAMP", async (_name, ts) => {
    const err = await expectCode(
      verifyWebhook({ body: V.body, headers: at(ts), secret: V.secret, now: ms(V.ts) }),
      "INVALID_TIMESTAMP",
    );
    expect(err.message).toContain("svix-timestamp");
  });

  it("an empty timestamp header counts as missing", async () => {
    await expectCode(
      verifyWebhook({ body: V.body, headers: svixHeaders(V.id, "", V.sig), secret: V.secret, now: ms(V.ts) }),
      "MISSING_HEADERS",
    );
  });

  it("identical duplicate lines collapse into one value", async () => {
    const headers = { ...at(V.ts), "svix-timestamp": [String(V.ts), String(V.ts)] };
    await expect(verifyWebhook({ body: V.body, headers, secret: V.secret, now: ms(V.ts) })).resolves.toMatchObject({
      timestamp: V.ts,
    });
  });

  it("is checked before the signature (a bad timestamp with a bad signature reports the timestamp)", async () => {
    await expectCode(
      verifyWebhook({ body: V.body, headers: svixHeaders(V.id, V.ts - 10_000, "v1,bogus"), secret: V.secret, now: ms(V.ts) }),
      "TIMESTAMP_TOO_OLD",
    );
  });
});

describe("tolerance", () => {
  const verifier = createVerifier({ secret: V.secret });
  const verifyAt = (offsetSeconds: number, v = verifier) =>
    v.verify({ body: V.body, headers: at(V.ts), now: ms(V.ts + offsetSeconds) });

  it("defaults to 300 s", () => {
    expect(verifier.tolerance).toBe(300);
  });

  it.each([0, 1, 299, 300, -1, -299, -300])("|now - ts| = %i s is accepted", async (offset) => {
    await expect(verifyAt(offset)).resolves.toMatchObject({ timestamp: V.ts });
  });

  it("the boundary holds for any millisecond within the second", async () => {
    await expect(verifier.verify({ body: V.body, headers: at(V.ts), now: ms(V.ts + 300) + 999 })).resolves.toBeDefined();
    await expect(verifier.verify({ body: V.body, headers: at(V.ts), now: ms(V.ts - 300) })).resolves.toBeDefined();
  });

  it("tolerance + 1 in the past is TIMESTAMP_TOO_OLD", async () => {
    const err = await expectCode(verifyAt(301), "TIMESTAMP_TOO_OLD");
    expect(err.message).toMatch(/301 s old/);
  });

  it("tolerance + 1 in the future is TIMESTAMP_TOO_NEW", async () => {
    await expectCode(verifyAt(-301), "TIMESTAMP_TOO_NEW");
  });

  it("a timestamp in milliseconds is TIMESTAMP_TOO_NEW with a hint", async () => {
    const err = await expectCode(
      verifyWebhook({ body: V.body, headers: at(V.ts * 1000), secret: V.secret, now: ms(V.ts) }),
      "TIMESTAMP_TOO_NEW",
    );
    expect(err.message).toMatch(/milliseconds/);
  });

  it.each([
    [10, 10, 11],
    [0, 0, 1],
    [3600, 3600, 3601],
  ])("custom tolerance %i: ±%i accepted, ±%i rejected", async (tolerance, ok, bad) => {
    const v = createVerifier({ secret: V.secret, tolerance });
    await expect(verifyAt(ok, v)).resolves.toBeDefined();
    await expect(verifyAt(-ok, v)).resolves.toBeDefined();
    await expectCode(verifyAt(bad, v), "TIMESTAMP_TOO_OLD");
    await expectCode(verifyAt(-bad, v), "TIMESTAMP_TOO_NEW");
    await expectCode(
      verifyWebhook({ body: V.body, headers: at(V.ts), secret: V.secret, tolerance, now: ms(V.ts + bad) }),
      "TIMESTAMP_TOO_OLD",
    );
  });

  it("now may be a Date", async () => {
    await expect(verifier.verify({ body: V.body, headers: at(V.ts), now: new Date(ms(V.ts)) })).resolves.toBeDefined();
  });

  it("uses the real clock when now is omitted", async () => {
    const ts = Math.floor(Date.now() / 1000);
    await expect(verifier.verify({ body: V.body, headers: at(ts) })).resolves.toMatchObject({ timestamp: ts });
    await expectCode(verifier.verify({ body: V.body, headers: at(V.ts) }), "TIMESTAMP_TOO_OLD");
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("tolerance %d is a configuration error", (tolerance) => {
    expect(() => createVerifier({ secret: V.secret, tolerance })).toThrow(RangeError);
  });
});
