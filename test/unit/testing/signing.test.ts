import { createHmac } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { createHandler, createMemoryStore, createVerifier, verifyWebhook } from "agentref-webhooks";
import { decodeStandardWebhooksSecret } from "../../../src/verify/secret.js";
import { agiled } from "agentref-webhooks/agiled";
import { agentsync } from "agentref-webhooks/agentsync";
import { createSignedRequest, createTestEvent, generateSecret, GENERATED_SECRET_BYTES, signPayload } from "agentref-webhooks/testing";

const toBase64Url = (secret: string) => `whsec_${secret.slice(6).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;

// A secret whose base64 form contains both "+" and "/": its base64url form differs.
function secretWithUrlUnsafeChars(): string {
  for (;;) {
    const secret = generateSecret();
    if (/[+/]/.test(secret.slice(6))) return secret;
  }
}

const headersRecord = (request: Request): Record<string, string> => Object.fromEntries(request.headers);

describe("generateSecret", () => {
  it("is whsec_ + base64 of 24 random bytes, like Svix issues", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(GENERATED_SECRET_BYTES).toBe(24);
    expect(decodeStandardWebhooksSecret(secret)).toHaveLength(24);
    expect(new Set(Array.from({ length: 50 }, generateSecret)).size).toBe(50);
  });

  it("is accepted by the reference implementation and our verifier", () => {
    const secret = generateSecret();
    expect(() => new StandardWebhook(secret)).not.toThrow();
    expect(() => createVerifier({ secret })).not.toThrow();
  });
});

describe("signPayload", () => {
  const body = JSON.stringify(createTestEvent("conversion.created"));

  it("signs with svix-* headers by default; the standardwebhooks package verifies them", async () => {
    const secret = generateSecret();
    const headers = await signPayload({ body, secret });
    expect(Object.keys(headers).sort()).toEqual(["svix-id", "svix-signature", "svix-timestamp"]);
    expect(headers["svix-id"]).toBe(JSON.parse(body).id);
    expect(headers["svix-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const reference = new StandardWebhook(secret).verify(body, {
      "webhook-id": headers["svix-id"]!,
      "webhook-timestamp": headers["svix-timestamp"]!,
      "webhook-signature": headers["svix-signature"]!,
    });
    expect(reference).toEqual(JSON.parse(body));
  });

  it("writes webhook-* headers on request", async () => {
    const secret = generateSecret();
    const headers = await signPayload({ body, secret, headers: "webhook", id: "msg_given", timestamp: new Date() });
    expect(headers["webhook-id"]).toBe("msg_given");
    expect(new StandardWebhook(secret).verify(body, headers as never)).toEqual(JSON.parse(body));
  });

  it("uses the given timestamp (seconds or Date) and rejects milliseconds", async () => {
    const secret = generateSecret();
    expect((await signPayload({ body, secret, timestamp: 1_614_265_330 }))["svix-timestamp"]).toBe("1614265330");
    expect((await signPayload({ body, secret, timestamp: new Date(1_614_265_330_999) }))["svix-timestamp"]).toBe("1614265330");
    await expect(signPayload({ body, secret, timestamp: Date.now() })).rejects.toThrow(/milliseconds/);
  });

  it("decodes base64url secrets, which the reference package alone would decode wrongly", async () => {
    const secret = secretWithUrlUnsafeChars();
    const urlSecret = toBase64Url(secret);
    const headers = await signPayload({ body, secret: urlSecret });
    await expect(verifyWebhook({ body, headers, secret })).resolves.toMatchObject({ id: headers["svix-id"] });
    await expect(verifyWebhook({ body, headers, secret: urlSecret })).resolves.toBeDefined();
  });

  it("signs with every secret given (a rotation): each one verifies alone", async () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const headers = await signPayload({ body, secret: [newSecret, oldSecret] });
    expect(headers["svix-signature"]!.split(" ")).toHaveLength(2);
    await expect(verifyWebhook({ body, headers, secret: oldSecret })).resolves.toBeDefined();
    await expect(verifyWebhook({ body, headers, secret: newSecret })).resolves.toBeDefined();
  });

  it("uses the provider's own header names (AgentSync: webhook-*)", async () => {
    const secret = generateSecret();
    const event = createTestEvent("producersync.updates_available", undefined, { provider: agentsync });
    const headers = await signPayload({ body: JSON.stringify(event), secret, provider: agentsync });
    expect(headers["webhook-id"]).toBe(event.id);
    expect(new StandardWebhook(secret).verify(JSON.stringify(event), headers as never)).toEqual(event);
  });

  it("signs other schemes with provider.scheme.sign (Agiled: hex HMAC of timestamp.body)", async () => {
    const secret = "agiled-subscription-secret-0123456789";
    const agiledBody = JSON.stringify(createTestEvent("invoice.paid", undefined, { provider: agiled }));
    const headers = await signPayload({ body: agiledBody, secret, provider: agiled, timestamp: 1_700_000_000 });
    const expected = createHmac("sha256", secret).update(`1700000000.${agiledBody}`).digest("hex");
    expect(headers["x-agiled-webhook-signature"]).toBe(expected);
    expect(headers["x-agiled-webhook-timestamp"]).toBe("1700000000");
  });
});

describe("createSignedRequest", () => {
  it("builds a Request that our verifier and the svix package both accept", async () => {
    const secret = generateSecret();
    const event = createTestEvent("payout.failed");
    const request = await createSignedRequest(event, { secret, url: "https://shop.example/webhooks/agentref" });
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://shop.example/webhooks/agentref");
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(request.headers.get("svix-id")).toBe(event.id);
    const body = await request.clone().text();
    expect(body).toBe(JSON.stringify(event));
    await expect(verifyWebhook({ body, headers: request.headers, secret })).resolves.toMatchObject({ id: event.id, body });
    expect(new SvixWebhook(secret).verify(body, headersRecord(request))).toEqual(event);
  });

  it("is ready for handler(request): the typed handler runs", async () => {
    const secret = generateSecret();
    const seen: string[] = [];
    const handler = createHandler({
      secret,
      store: createMemoryStore(),
      on: { "conversion.created": (event) => void seen.push(`${event.id}:${event.data.commissionAmount}`) },
    });
    const event = createTestEvent("conversion.created", { data: { commissionAmount: 1234 } });
    const response = await handler(await createSignedRequest(event, { secret }));
    expect(response.status).toBe(200);
    expect(seen).toEqual([`${event.id}:1234`]);
  });

  it("sends a string body as given and signs webhook-* names on request", async () => {
    const secret = generateSecret();
    const body = `${JSON.stringify(createTestEvent("program.created"), null, 2)}\n`;
    const request = await createSignedRequest(body, { secret, headers: "webhook", id: "msg_raw", timestamp: new Date() });
    expect(await request.clone().text()).toBe(body);
    expect(request.headers.get("webhook-id")).toBe("msg_raw");
    expect(request.headers.has("svix-id")).toBe(false);
    expect(new StandardWebhook(secret).verify(body, headersRecord(request))).toEqual(JSON.parse(body));
  });

  it("lets extraHeaders win, so a test can tamper with a signature", async () => {
    const secret = generateSecret();
    const handler = createHandler({ secret, store: createMemoryStore() });
    const request = await createSignedRequest(createTestEvent("payout.created"), {
      secret,
      extraHeaders: { "svix-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "x-trace": "1" },
    });
    expect(request.headers.get("x-trace")).toBe("1");
    expect((await handler(request)).status).toBe(401);
  });

  it("a request signed with another secret, or too long ago, is rejected by the handler", async () => {
    const secret = generateSecret();
    const handler = createHandler({ secret, store: createMemoryStore() });
    const wrong = await createSignedRequest(createTestEvent("payout.created"), { secret: generateSecret() });
    expect((await handler(wrong)).status).toBe(401);
    const stale = await createSignedRequest(createTestEvent("payout.created"), { secret, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect((await handler(stale)).status).toBe(401);
  });

  it("works for other providers: an Agiled delivery reaches its typed handler", async () => {
    const secret = "agiled-subscription-secret-0123456789";
    const paid: unknown[] = [];
    const handler = createHandler({ provider: agiled, secret, store: createMemoryStore(), on: { "invoice.paid": (event) => void paid.push(event.data) } });
    const event = createTestEvent("invoice.paid", { data: { invoice_id: 7 } }, { provider: agiled });
    const response = await handler(await createSignedRequest(event, { secret, provider: agiled }));
    expect(response.status).toBe(200);
    expect(paid).toEqual([{ invoice_id: 7 }]);
  });
});
