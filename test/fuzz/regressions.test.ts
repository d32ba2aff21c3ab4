// Counterexamples found by the long fuzz run (`npm run fuzz`), kept as plain tests.
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createHandler } from "agentref-webhooks";
import { sampleEvents } from "../../src/events/samples.js";

const body = JSON.stringify(sampleEvents["program.created"]);

async function deliver(secretForHandler: string, keyBytes: Uint8Array): Promise<number> {
  const handler = createHandler({ secret: secretForHandler, logger: {}, on: { "program.created": () => {} } });
  const at = new Date();
  const signature = new Webhook(`whsec_${Buffer.from(keyBytes).toString("base64")}`).sign("msg_001", at, body);
  const response = await handler(
    new Request("http://localhost/webhooks/agentref", {
      method: "POST",
      headers: { "content-type": "application/json", "svix-id": "msg_001", "svix-timestamp": String(Math.floor(at.getTime() / 1000)), "svix-signature": signature },
      body,
    }),
  );
  return response.status;
}

describe("secrets written without the whsec_ prefix", () => {
  const key = Uint8Array.from([192, 112, 0, 252, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

  it("the same key in standard base64 verifies", async () => {
    expect(await deliver(Buffer.from(key).toString("base64"), key)).toBe(200);
  });

  it("the same key with whsec_ in base64url verifies", async () => {
    expect(await deliver(`whsec_${Buffer.from(key).toString("base64url")}`, key)).toBe(200);
  });

  // Found by `npm run fuzz` (seed 271828): a bare base64url key may start like a key
  // prefix ("wHAA_…"); only known foreign prefixes are refused before decoding.
  it("a bare base64url key starting with wHAA_ verifies", async () => {
    expect(Buffer.from(key).toString("base64url")).toBe("wHAA_AAAAAAAAAAAAAAAAAA");
    expect(await deliver(Buffer.from(key).toString("base64url"), key)).toBe(200);
  });
});
