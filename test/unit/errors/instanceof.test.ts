import { inspect } from "node:util";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as one from "../../../src/errors/webhook-error.js";

// A second copy of the error module, as the root entry and the separately bundled
// "agentref-webhooks/verify" each carry one (the built package is checked by scripts/check-package.mjs).
// (A query string makes Vite load the file once more; a variable keeps tsc from resolving it.)
const secondCopy = "../../../src/errors/webhook-error.ts?second-copy";
const other = (await import(/* @vite-ignore */ secondCopy)) as typeof one;

const classes = ["WebhookError", "WebhookVerificationError", "WebhookConfigError", "WebhookBodyError", "WebhookPayloadError"] as const;

describe("instanceof across copies of the error classes", () => {
  it("the second copy is a different module instance", () => {
    expect(other.WebhookError).not.toBe(one.WebhookError);
  });

  it("an error from either copy is an instance of the other copy's class and base, and of no sibling", () => {
    const errors = {
      WebhookError: (m: typeof one) => new m.WebhookError("ID_CONFLICT", "x"),
      WebhookVerificationError: (m: typeof one) => new m.WebhookVerificationError("INVALID_SIGNATURE", "x"),
      WebhookConfigError: (m: typeof one) => new m.WebhookConfigError("INVALID_SECRET", "x"),
      WebhookBodyError: (m: typeof one) => new m.WebhookBodyError("BODY_ALREADY_PARSED", "x"),
      WebhookPayloadError: (m: typeof one) => new m.WebhookPayloadError("INVALID_JSON", "x"),
    };
    for (const [thrower, checker] of [
      [one, other],
      [other, one],
    ] as const) {
      for (const made of classes) {
        const error = errors[made](thrower);
        for (const cls of classes) {
          const expected = cls === "WebhookError" || cls === made;
          expect(error instanceof checker[cls], `${made} instanceof the other copy's ${cls}`).toBe(expected);
          expect(error instanceof thrower[cls], `${made} instanceof its own ${cls}`).toBe(expected);
        }
        expect(error instanceof Error).toBe(true);
        expect(checker.isWebhookError(error)).toBe(true);
      }
    }
    // The class webhookError() picks by code, across copies too.
    expect(other.webhookError("TIMESTAMP_TOO_OLD", "x")).toBeInstanceOf(one.WebhookVerificationError);
  });

  it("look-alikes and plain values are not instances", () => {
    for (const value of [null, undefined, 1, "WebhookError", {}, new Error("x"), { name: "WebhookVerificationError", code: "INVALID_SIGNATURE", status: 401 }]) {
      for (const cls of classes) expect(value instanceof one[cls]).toBe(false);
    }
  });

  it("a user's subclass keeps the ordinary check, and its instances are the other copy's too", () => {
    class MyError extends other.WebhookVerificationError {}
    const mine = new MyError("INVALID_SIGNATURE", "x");
    expect(mine instanceof MyError).toBe(true);
    expect(mine instanceof one.WebhookVerificationError).toBe(true);
    expect(new one.WebhookVerificationError("INVALID_SIGNATURE", "x") instanceof MyError).toBe(false);
  });

  it("the brand is invisible: not in JSON, inspect output, keys or structural equality", () => {
    const error = new one.WebhookVerificationError("INVALID_SIGNATURE", "bad");
    expect(Object.getOwnPropertySymbols({ ...error })).toEqual([]);
    expect(JSON.stringify(error)).toBe(JSON.stringify({ code: "INVALID_SIGNATURE", message: "bad" }));
    expect(inspect(error)).not.toContain("agentref-webhooks.WebhookError");
    expect(error).toEqual(new other.WebhookVerificationError("INVALID_SIGNATURE", "bad"));
  });

  it("instanceof still narrows to the class", () => {
    const caught: unknown = new one.WebhookVerificationError("INVALID_SIGNATURE", "x");
    if (caught instanceof one.WebhookVerificationError) expectTypeOf(caught).toEqualTypeOf<one.WebhookVerificationError>();
    if (caught instanceof one.WebhookError) expectTypeOf(caught.status).toEqualTypeOf<number>();
  });
});
