import { createHmac } from "node:crypto";
import { expect } from "vitest";
import { webhookError, WebhookError, type WebhookErrorCode } from "../../../src/errors/index.js";

/** The class every error with this code has, whichever path raised it. */
const classOf = (code: WebhookErrorCode) => webhookError(code, "").constructor as typeof WebhookError;
import vectors from "./fixtures/standard-webhooks-vectors.json" with { type: "json" };

export { vectors };

/** The first known-answer vector: the one most tests build on. */
export const V = vectors.v1[0]! as { secret: string; id: string; ts: number; body: string; sig: string };

/** Epoch milliseconds for a Unix-seconds timestamp (what `now` takes). */
export const ms = (seconds: number): number => seconds * 1000;

export const svixHeaders = (id: string, ts: number | string, sig: string): Record<string, string> => ({
  "svix-id": id,
  "svix-timestamp": String(ts),
  "svix-signature": sig,
});

export const webhookHeaders = (id: string, ts: number | string, sig: string): Record<string, string> => ({
  "webhook-id": id,
  "webhook-timestamp": String(ts),
  "webhook-signature": sig,
});

/** An independent Standard Webhooks signature (node:crypto, not the SDK). */
export function signV1(secret: string, id: string, ts: number | string, body: string | Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest("base64")}`;
}

/** Awaits a rejection and checks its class and code; returns the error for more checks. */
export async function expectCode(
  promise: Promise<unknown>,
  code: WebhookErrorCode,
  kind: typeof WebhookError = classOf(code),
): Promise<WebhookError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection with ${code}`).toBeInstanceOf(kind);
  expect((caught as WebhookError).code).toBe(code);
  return caught as WebhookError;
}

/** Checks that a synchronous call throws a WebhookVerificationError with `code`. */
export function expectThrowCode(fn: () => unknown, code: WebhookErrorCode): WebhookError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a throw with ${code}`).toBeInstanceOf(classOf(code));
  expect((caught as WebhookError).code).toBe(code);
  return caught as WebhookError;
}

/** Which crypto implementation the current vitest project is meant to load. */
export const expectedCrypto = (projectName: string | undefined): "node" | "web" =>
  projectName === "webcrypto" ? "web" : "node";
