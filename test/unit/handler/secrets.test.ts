import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler, type SecretHints } from "agentref-webhooks";
import { sampleEvents } from "../../../src/events/samples.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";

const secretOf = (label: string) => `whsec_${Buffer.from(label.padEnd(32, "-")).toString("base64")}`;
const OLD = secretOf("old secret");
const NEW = secretOf("new secret");
const PREVIEW = secretOf("preview endpoint secret");

const conversion = sampleEvents["conversion.created"];
const asBody = (environment: string, id: string) => JSON.stringify({ ...conversion, id, environment });

afterEach(() => vi.restoreAllMocks());

describe("secret rotation", () => {
  it("accepts deliveries signed with either secret of the list, and rejects others", async () => {
    const handler = createHandler({ secret: [NEW, OLD], logger: {}, on: { "conversion.created": () => {} } });
    expect((await handler(signedRequest({ body: asBody("production", "msg_a"), secret: OLD }))).status).toBe(200);
    expect((await handler(signedRequest({ body: asBody("production", "msg_b"), secret: NEW }))).status).toBe(200);
    const stranger = await handler(signedRequest({ body: asBody("production", "msg_c"), secret: TEST_SECRET }));
    expect([stranger.status, (await stranger.json()).code]).toEqual([401, "INVALID_SIGNATURE"]);
  });

  it("one bad secret in the list fails at creation", () => {
    expect(() => createHandler({ secret: [NEW, "whsec_"], on: {} })).toThrow(expect.objectContaining({ code: "INVALID_SECRET" }));
  });
});

describe("an async secret resolver", () => {
  it("picks the secret per environment from hints.envelope(), and the JSON is parsed once", async () => {
    const seen: (string | undefined)[] = [];
    const handled = vi.fn();
    const handler = createHandler({
      logger: {},
      secret: async (hints: SecretHints) => {
        seen.push(hints.deliveryId);
        await new Promise((r) => setTimeout(r, 1)); // e.g. a secrets manager
        return hints.envelope()?.environment === "production" ? TEST_SECRET : PREVIEW;
      },
      on: { "conversion.created": (event) => void handled(event.environment) },
    });

    const production = signedRequest({ body: asBody("production", "msg_prod"), secret: TEST_SECRET });
    const preview = signedRequest({ body: asBody("preview", "msg_prev"), secret: PREVIEW });
    const parse = vi.spyOn(JSON, "parse");
    expect((await handler(production)).status).toBe(200);
    expect(parse).toHaveBeenCalledTimes(1);
    parse.mockClear();
    expect((await handler(preview)).status).toBe(200);
    expect(parse).toHaveBeenCalledTimes(1);
    parse.mockRestore();

    expect(handled.mock.calls).toEqual([["production"], ["preview"]]);
    expect(seen).toEqual(["msg_prod", "msg_prev"]);

    // The envelope is an unverified hint: claiming "production" with the preview secret fails verification.
    const forged = await handler(signedRequest({ body: asBody("production", "msg_forged"), secret: PREVIEW }));
    expect([forged.status, (await forged.json()).code]).toEqual([401, "INVALID_SIGNATURE"]);
  });

  it("a resolver returning an invalid secret answers 500 INVALID_SECRET (our misconfiguration, the sender retries)", async () => {
    const handler = createHandler({ logger: {}, secret: () => "not-a-secret", on: {} });
    const response = await handler(signedRequest({ body: asBody("production", "msg_1") }));
    expect([response.status, (await response.json()).code]).toEqual([500, "INVALID_SECRET"]);
  });

  it("a body that is not JSON gives the resolver no envelope, and the delivery is still verified first", async () => {
    const envelopes: unknown[] = [];
    const handler = createHandler({
      logger: {},
      secret: (hints) => {
        envelopes.push(hints.envelope());
        return TEST_SECRET;
      },
    });
    const response = await handler(signedRequest({ body: "not json", id: "msg_nj" }));
    expect(envelopes).toEqual([undefined]);
    expect([response.status, (await response.json()).code]).toEqual([422, "INVALID_JSON"]);
  });
});
