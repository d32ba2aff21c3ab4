// One error model: the class is fixed by the code, whichever path raised it.
import { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import {
  createHandler,
  createVerifier,
  errorStatus,
  verifyWebhook,
  WebhookBodyError,
  WebhookConfigError,
  WebhookError,
  WebhookPayloadError,
  WebhookVerificationError,
} from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { errorKind, webhookError } from "../../../src/errors/index.js";
import { TEST_SECRET } from "../../helpers/sign.js";

const classes = {
  verification: WebhookVerificationError,
  config: WebhookConfigError,
  body: WebhookBodyError,
  payload: WebhookPayloadError,
  delivery: WebhookError,
} as const;

describe("the error model", () => {
  it("every code has one kind, and webhookError builds that class", () => {
    for (const code of Object.keys(errorStatus) as (keyof typeof errorStatus)[]) {
      const error = webhookError(code, "x");
      expect(error.constructor, code).toBe(classes[errorKind[code]]);
      expect(error.status).toBe(errorStatus[code]);
    }
  });

  it("only authenticity failures are WebhookVerificationError", () => {
    const verification = Object.entries(errorKind).filter(([, kind]) => kind === "verification").map(([code]) => code);
    expect(verification.sort()).toEqual(["INVALID_SIGNATURE", "INVALID_TIMESTAMP", "MISSING_HEADERS", "TIMESTAMP_TOO_NEW", "TIMESTAMP_TOO_OLD"]);
  });

  it("INVALID_SECRET is a WebhookConfigError from createVerifier and from createHandler", () => {
    expect(() => createVerifier({ secret: "whsec_" })).toThrow(WebhookConfigError);
    expect(() => createHandler({ secret: "nope", on: {} })).toThrow(WebhookConfigError);
  });

  it("BODY_ALREADY_PARSED is the same WebhookBodyError, with the same fix, from verifyWebhook, createHandler and the Node adapter", async () => {
    const fromVerify = await verifyWebhook({ body: { id: "x" } as never, headers: {}, secret: TEST_SECRET }).catch((e: unknown) => e);
    expect(fromVerify).toBeInstanceOf(WebhookBodyError);

    const errors: unknown[] = [];
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, onError: (e) => void errors.push(e), on: {} });
    const request = new Request("http://localhost/", { method: "POST", body: "{}" });
    await request.text();
    expect((await handler(request)).status).toBe(500);
    expect(errors[0]).toBeInstanceOf(WebhookBodyError);

    // An Express request whose body express.json() already parsed.
    const req = new IncomingMessage(new Socket()) as IncomingMessage & { body?: unknown };
    req.method = "POST";
    req.body = { id: "msg_1" };
    req.push("{\"id\":\"msg_1\"}");
    req.push(null);
    req.resume();
    await once(req, "end");
    const res = new ServerResponse(req);
    const chunks: string[] = [];
    res.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as never;
    res.end = ((chunk?: unknown) => {
      if (chunk) chunks.push(String(chunk));
      return res;
    }) as never;
    await toNodeHandler(handler)(req, res);
    expect(res.statusCode).toBe(500);
    const text = chunks.join("");
    expect(text).toContain("BODY_ALREADY_PARSED");
    for (const error of [fromVerify as Error, errors[0] as Error]) expect(error.message).toContain('express.raw({ type: "application/json" })');
    expect(text).toContain('express.raw({ type: \\"application/json\\" })');
  });

  it("payload errors are WebhookPayloadError", async () => {
    const errors: unknown[] = [];
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, onError: (e) => void errors.push(e), on: {} });
    const { signedRequest } = await import("../../helpers/sign.js");
    expect((await handler(signedRequest({ body: "not json", id: "msg_nj" }))).status).toBe(422);
    expect(errors[0]).toBeInstanceOf(WebhookPayloadError);
  });
});
