import { createHmac, randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createHandler, createMemoryStore, type AnyProvider } from "../../../src/index.js";
import { agentsend, createAgentSendProvider } from "../../../src/providers/agentsend.js";
import agentsyncDefault, { agentsync, agentsyncGroups } from "../../../src/providers/agentsync.js";
import agiledDefault, { agiled, agiledEventNames } from "../../../src/providers/agiled.js";
import { createHexHmacScheme } from "../../../src/verify-entry.js";

const whsec = `whsec_${randomBytes(24).toString("base64")}`;
const agiledSecret = randomBytes(24).toString("hex");
const nowSeconds = () => Math.floor(Date.now() / 1000);

function bodyFor(provider: AnyProvider, type: string, id: string): string {
  if (provider === agiled) {
    return JSON.stringify({ id, event: type, organization_id: 42, occurred_at: "2026-04-01T10:00:00Z", data: { invoice_id: 7 } });
  }
  if (provider === agentsync) {
    const data = type === "producersync.updates_available" ? { runDate: "2026-04-01" } : { npn: "123" };
    return JSON.stringify({ id, type, timestamp: "2026-04-01T10:00:00Z", data });
  }
  return JSON.stringify({ id, type, data: { messageId: "m_1" } });
}

async function signedRequest(provider: AnyProvider, secret: string, body: string, id: string): Promise<Request> {
  const headers = await provider.scheme.sign({ id, body, secret, timestamp: nowSeconds() });
  return new Request("http://localhost/webhooks", { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
}

function recordingHandlers(provider: AnyProvider, seen: string[]) {
  return Object.fromEntries(
    provider.types.map((type) => [type, async (event: Record<string, unknown>) => void seen.push(`${type}=${String(event[provider.envelope.typeKey])}`)]),
  );
}

const presets = [
  { provider: agentsync as AnyProvider, secret: whsec, count: 20 },
  { provider: agiled as AnyProvider, secret: agiledSecret, count: 19 },
  { provider: agentsend as AnyProvider, secret: whsec, count: 6 },
];

describe.each(presets)("the $provider.name preset", ({ provider, secret, count }) => {
  it(`has its ${count} documented event names`, () => {
    expect(provider.types).toHaveLength(count);
  });

  it("routes a signed delivery of every event name to its typed handler", async () => {
    const seen: string[] = [];
    const handler = createHandler({ provider, secret, store: createMemoryStore(), on: recordingHandlers(provider, seen) as never });
    for (const [i, type] of provider.types.entries()) {
      const response = await handler(await signedRequest(provider, secret, bodyFor(provider, type, `evt_${i}`), `dlv_${i}`));
      expect(response.status, type).toBe(200);
      expect(await response.json()).toMatchObject({ outcome: "handled", type });
    }
    expect(seen).toEqual(provider.types.map((type) => `${type}=${type}`));
  });

  it("dedupes by event id across deliveries", async () => {
    let runs = 0;
    const type = provider.types[0]!;
    const handler = createHandler({ provider, secret, on: { [type]: () => void runs++ } as never });
    const body = bodyFor(provider, type, "evt_same");
    expect((await handler(await signedRequest(provider, secret, body, "dlv_a"))).status).toBe(200);
    const again = await handler(await signedRequest(provider, secret, body, "dlv_b"));
    expect(await again.json()).toMatchObject({ outcome: "duplicate" });
    expect(runs).toBe(1);
  });

  it("surfaces an event name it does not know as unknown, not a failure", async () => {
    const unknown: string[] = [];
    const handler = createHandler({ provider, secret, on: {}, onUnknown: (event) => void unknown.push(event.type) });
    const response = await handler(await signedRequest(provider, secret, bodyFor(provider, "brand.new", "evt_new"), "dlv_new"));
    expect(response.status).toBe(200);
    expect(unknown).toEqual(["brand.new"]);
  });
});

describe("wrong-scheme signatures are rejected", () => {
  it("a Standard Webhooks signature does not open the Agiled endpoint", async () => {
    const handler = createHandler({ provider: agiled, secret: agiledSecret, on: {} });
    const body = bodyFor(agiled, "invoice.paid", "1");
    const std = await agentsync.scheme.sign({ id: "dlv", body, secret: whsec, timestamp: nowSeconds() });
    const response = await handler(new Request("http://x/", { method: "POST", headers: std, body }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "MISSING_HEADERS" });
  });

  it("an Agiled-style signature does not open the AgentSync endpoint", async () => {
    const handler = createHandler({ provider: agentsync, secret: whsec, on: {} });
    const body = bodyFor(agentsync, "contract.updated", "whe_1");
    const hex = await agiled.scheme.sign({ id: "dlv", body, secret: agiledSecret, timestamp: nowSeconds() });
    const response = await handler(new Request("http://x/", { method: "POST", headers: hex, body }));
    expect(response.status).toBe(401);
  });

  it("an AgentSync signature made with another endpoint's secret is INVALID_SIGNATURE", async () => {
    const handler = createHandler({ provider: agentsync, secret: whsec, on: {} });
    const body = bodyFor(agentsync, "contract.updated", "whe_2");
    const other = `whsec_${randomBytes(24).toString("base64")}`;
    const response = await handler(await signedRequest(agentsync, other, body, "dlv"));
    expect(await response.json()).toMatchObject({ code: "INVALID_SIGNATURE" });
  });
});

describe("Agiled's scheme against an independent HMAC", () => {
  const body = bodyFor(agiled, "invoice.paid", "inv_evt_1");
  const headersFor = (payload: string, timestamp: number, signedBody = payload) => ({
    "X-Agiled-Webhook-Id": "dlv_1",
    "X-Agiled-Webhook-Event": "invoice.paid",
    "X-Agiled-Webhook-Timestamp": String(timestamp),
    "X-Agiled-Webhook-Signature": createHmac("sha256", agiledSecret).update(`${timestamp}.${signedBody}`).digest("hex"),
  });

  it("accepts a delivery signed with node:crypto as Agiled documents it", async () => {
    let paid: unknown;
    const handler = createHandler({ provider: agiled, secret: agiledSecret, on: { "invoice.paid": (event) => void (paid = event.data) } });
    const response = await handler(new Request("http://x/", { method: "POST", headers: headersFor(body, nowSeconds()), body }));
    expect(response.status).toBe(200);
    expect(paid).toEqual({ invoice_id: 7 });
  });

  it("our signer produces exactly the independent digest", async () => {
    const ts = nowSeconds();
    const ours = await agiled.scheme.sign({ id: "dlv_1", body, secret: agiledSecret, timestamp: ts });
    expect(ours["x-agiled-webhook-signature"]).toBe(headersFor(body, ts)["X-Agiled-Webhook-Signature"]);
  });

  it("rejects a tampered body", async () => {
    const handler = createHandler({ provider: agiled, secret: agiledSecret, on: {} });
    const tampered = body.replace('"invoice_id":7', '"invoice_id":8');
    const response = await handler(new Request("http://x/", { method: "POST", headers: headersFor(body, nowSeconds()), body: tampered }));
    expect(await response.json()).toMatchObject({ code: "INVALID_SIGNATURE" });
  });

  it("rejects a stale timestamp, and a timestamp that is not Unix seconds", async () => {
    const handler = createHandler({ provider: agiled, secret: agiledSecret, tolerance: 60, on: {} });
    const stale = await handler(new Request("http://x/", { method: "POST", headers: headersFor(body, nowSeconds() - 61), body }));
    expect(await stale.json()).toMatchObject({ code: "TIMESTAMP_TOO_OLD" });
    const iso = { ...headersFor(body, nowSeconds()), "X-Agiled-Webhook-Timestamp": new Date().toISOString() };
    const notSeconds = await handler(new Request("http://x/", { method: "POST", headers: iso, body }));
    expect(await notSeconds.json()).toMatchObject({ code: "INVALID_TIMESTAMP" });
  });
});

describe("AgentSync with the reference implementation", () => {
  it("verifies a delivery signed by the standardwebhooks package under webhook-* headers", async () => {
    const body = bodyFor(agentsync, "producersync.updates_available", "whe_ref");
    const ts = new Date();
    const signature = new Webhook(whsec).sign("msg_ref", ts, body);
    let runDate: string | undefined;
    const handler = createHandler({
      provider: agentsync,
      secret: whsec,
      on: { "producersync.updates_available": (event) => void (runDate = event.data.runDate) },
    });
    const headers = { "webhook-id": "msg_ref", "webhook-timestamp": String(Math.floor(ts.getTime() / 1000)), "webhook-signature": signature };
    const response = await handler(new Request("http://x/", { method: "POST", headers, body }));
    expect(response.status).toBe(200);
    expect(runDate).toBe("2026-04-01");
  });

  it("documents the producersync group as its three events", () => {
    expect(agentsyncGroups.producersync.every((t) => agentsync.has(t))).toBe(true);
    expect(agentsyncGroups.producersync).toHaveLength(3);
  });
});

describe("preset subpaths", () => {
  it("export the provider by name and as the default export", () => {
    expect(agiledDefault).toBe(agiled);
    expect(agentsyncDefault).toBe(agentsync);
    expect(agiledEventNames).toHaveLength(19);
  });

  it("AgentSend lets the user choose the scheme, and keys idempotency on the delivery id when the envelope has no id", async () => {
    const scheme = createHexHmacScheme({ name: "agentsend", headers: { id: "x-id", timestamp: "x-ts", signature: "x-sig" } });
    const custom = createAgentSendProvider({ scheme });
    let runs = 0;
    const handler = createHandler({ provider: custom, secret: agiledSecret, on: { "message.bounced": () => void runs++ } });
    const body = JSON.stringify({ type: "message.bounced", data: {} });
    const deliver = async () => handler(new Request("http://x/", { method: "POST", headers: await scheme.sign({ id: "dlv_same", body, secret: agiledSecret }), body }));
    expect((await deliver()).status).toBe(200);
    expect(await (await deliver()).json()).toMatchObject({ outcome: "duplicate", id: "dlv_same" });
    expect(runs).toBe(1);
  });
});
