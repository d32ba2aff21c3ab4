import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import * as root from "agentref-webhooks";
import * as verifyEntry from "agentref-webhooks/verify";
import { moduleGraph } from "./module-graph.js";
import { V, ms, svixHeaders } from "./helpers.js";

describe('"agentref-webhooks/verify": verification without zod', () => {
  it.each(["src/verify-entry.ts", "src/verify/verify-webhook.ts", "src/verify/crypto-web.ts"])(
    "%s reaches no zod, no event catalog and no provider",
    async (entry) => {
      const graph = await moduleGraph(entry);
      expect(graph.some((path) => path.includes("src/verify/"))).toBe(true);
      expect(graph.filter((path) => path.includes("node_modules/"))).toEqual([]);
      expect(graph.filter((path) => /src\/(events|provider|providers)\//.test(path))).toEqual([]);
    },
  );

  it("exports verification, the schemes and the errors, and nothing else", () => {
    expect(Object.keys(verifyEntry).sort()).toEqual(
      [
        "createHexHmacScheme",
        "createHmacScheme",
        "createStandardWebhooksScheme",
        "createVerifier",
        "errorStatus",
        "isWebhookError",
        "standardWebhooksScheme",
        "verifyWebhook",
        "WebhookBodyError",
        "WebhookConfigError",
        "WebhookError",
        "WebhookPayloadError",
        "WebhookVerificationError",
      ].sort(),
    );
    // From the sources, the same objects as the root entry's. The built entry is a bundle of its own
    // with copies of them; scripts/check-package.mjs checks instanceof across the built entries.
    for (const [name, value] of Object.entries(verifyEntry)) expect(root[name as keyof typeof root]).toBe(value);
  });

  it("verifies what the standardwebhooks reference signed, and rejects a changed body", async () => {
    const now = Date.now();
    const id = "msg_verify_entry";
    const body = JSON.stringify({ id, type: "conversion.created" });
    const ts = Math.floor(now / 1000);
    const signature = new Webhook(V.secret).sign(id, new Date(ts * 1000), body);
    const headers = svixHeaders(id, ts, signature);
    await expect(verifyEntry.verifyWebhook({ body, headers, secret: V.secret, now })).resolves.toEqual({ id, timestamp: ts, body });
    const rejected = await verifyEntry.verifyWebhook({ body: `${body} `, headers, secret: V.secret, now }).catch((err: unknown) => err);
    expect(rejected).toBeInstanceOf(root.WebhookVerificationError);
    expect(rejected).toMatchObject({ code: "INVALID_SIGNATURE", status: 401 });
  });

  it("createVerifier checks the known-answer vector with an explicit scheme", async () => {
    const verifier = verifyEntry.createVerifier({ secret: V.secret, scheme: verifyEntry.standardWebhooksScheme });
    await expect(verifier.verify({ body: V.body, headers: svixHeaders(V.id, V.ts, V.sig), now: ms(V.ts) })).resolves.toMatchObject({ id: V.id });
  });
});
