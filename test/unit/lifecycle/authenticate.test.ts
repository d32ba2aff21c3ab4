// The authenticate step: a static secret and a resolver give the same answers for the same
// bodies (the resolver's envelope hint and decoding share one parse), and a resolver's
// own failure is told apart from the store's.
import { describe, expect, it } from "vitest";
import { createHandler, WebhookConfigError } from "agentref-webhooks";
import { createTestEvent } from "agentref-webhooks/testing";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const event = createTestEvent("conversion.created", { id: "msg_auth" });
const withBom = `\uFEFF${JSON.stringify(event)}`;
const withExtra = JSON.stringify({ ...event, data: { ...event.data, surprise: true } });

function handlers(strict: boolean) {
  let hintSeen: unknown;
  const on = { "conversion.created": () => {} };
  return {
    static: createHandler({ secret: TEST_SECRET, strict, logger: {}, on }),
    resolver: createHandler({
      secret: (hints) => {
        hintSeen = hints.envelope()?.merchantId;
        return TEST_SECRET;
      },
      strict,
      logger: {},
      on,
    }),
    hint: () => hintSeen,
  };
}

describe("a static secret and a resolver using envelope() answer alike", () => {
  for (const strict of [false, true]) {
    for (const [name, body] of [
      ["a body starting with a UTF-8 BOM", withBom],
      ["a body with an unknown field", withExtra],
      ["the plain body", JSON.stringify(event)],
    ] as const) {
      it(`${name}${strict ? " (strict)" : ""}`, async () => {
        const h = handlers(strict);
        const a = await h.static(signedRequest({ body, id: `msg_static_${name}` }));
        const b = await h.resolver(signedRequest({ body, id: `msg_resolver_${name}` }));
        expect(b.status).toBe(a.status);
      });
    }
  }

  it("the resolver still sees the envelope as a hint", async () => {
    const h = handlers(false);
    await h.resolver(signedRequest({ body: JSON.stringify(event) }));
    expect(h.hint()).toBe(event.merchantId);
  });
});

describe("a resolver's own failure", () => {
  it("a resolver that throws is answered 500 SECRET_RESOLVER_FAILED, with its error kept for onError", async () => {
    const errors: unknown[] = [];
    const handler = createHandler({
      secret: () => {
        throw new Error("secrets table unreachable at db.internal:5432");
      },
      logger: {},
      onError: (error) => void errors.push(error),
      on: { "conversion.created": () => {} },
    });
    const response = await handler(signedRequest({ body: JSON.stringify(event) }));
    expect(response.status).toBe(500);
    const json = (await response.json()) as Record<string, string>;
    expect(json.code).toBe("SECRET_RESOLVER_FAILED");
    // The sender's delivery log does not learn internal hostnames.
    expect(JSON.stringify(json)).not.toContain("db.internal");
    expect(errors[0]).toBeInstanceOf(WebhookConfigError);
    expect(((errors[0] as Error).cause as Error).message).toContain("db.internal");
  });

  it("a resolver that returns nothing is INVALID_SECRET (500), a configuration error", async () => {
    const errors: unknown[] = [];
    const handler = createHandler({ secret: () => undefined as never, logger: {}, onError: (e) => void errors.push(e), on: {} });
    const response = await handler(signedRequest({ body: JSON.stringify(event) }));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { code: string }).code).toBe("INVALID_SECRET");
    expect(errors[0]).toBeInstanceOf(WebhookConfigError);
  });
});
