import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHandler, createMemoryStore } from "agentref-webhooks";
import { createSignedRequest, createTestEvent, generateSecret, simulateDelivery, webhookRoute } from "agentref-webhooks/testing";

const root = join(import.meta.dirname, "..", "..", "..");
const URL_ = "https://shop.example/webhooks/agentref";
const secret = generateSecret();
const failures: string[] = [];
let flaky = 0;
const handler = createHandler({
  secret,
  store: createMemoryStore(),
  logger: {},
  on: {
    "payout.failed": async (event) => {
      if (flaky-- > 0) throw new Error("ticketing system down");
      failures.push(event.data.failureReason);
    },
  },
});

const server = setupServer(
  await webhookRoute(URL_, handler),
  http.get(URL_, () => HttpResponse.text("health page")),
);
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  failures.length = 0;
  flaky = 0;
});
afterAll(() => server.close());

describe("webhookRoute (msw)", () => {
  it("routes the simulator's POSTs to a URL into the handler, without a server", async () => {
    flaky = 1;
    const event = createTestEvent("payout.failed", { data: { failureReason: "IBAN closed" } });
    const result = await simulateDelivery({ target: URL_, event, secret });
    expect(result.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(failures).toEqual(["IBAN closed"]);
  });

  it("serves the user's own fetch-based code, with the handler's real answers", async () => {
    const event = createTestEvent("payout.failed");
    const ok = await fetch(await createSignedRequest(event, { secret, url: URL_ }));
    expect(ok.status).toBe(200);
    const forged = await fetch(await createSignedRequest(createTestEvent("payout.failed"), { secret: generateSecret(), url: URL_ }));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: "INVALID_SIGNATURE" });
    expect(failures).toHaveLength(1);
  });

  it("only takes POSTs: other methods reach the other msw handlers", async () => {
    const response = await fetch(URL_);
    expect(await response.text()).toBe("health page");
  });
});

describe("msw stays optional", () => {
  it("no module of the testing kit imports msw statically", () => {
    const dir = join(root, "src", "testing");
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), "utf8");
      const staticImports = source.match(/^import\s+(?!type\b)[^;]*from\s+["']msw[^"']*["']/gm) ?? [];
      expect(staticImports, file).toEqual([]);
    }
  });

  it("agentref-webhooks/testing imports without msw; webhookRoute then says to install it", async () => {
    // A resolve hook makes "msw" unresolvable in a child process, as in an app without it.
    const hook = `export async function resolve(s, c, next) { if (s === "msw" || s.startsWith("msw/")) throw new Error("Cannot find package 'msw'"); return next(s, c); }`;
    const register = `import { register } from "node:module"; register("data:text/javascript,${encodeURIComponent(hook)}");`;
    const script = `
      const kit = await import("./src/testing/index.ts");
      const event = kit.createTestEvent("payout.failed");
      const request = await kit.createSignedRequest(event, { secret: kit.generateSecret() });
      console.log("imported", request.headers.get("svix-id"));
      await kit.webhookRoute("https://x.test/hook", async () => new Response()).catch((err) => console.log("route:", err.message));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--import", `data:text/javascript,${encodeURIComponent(register)}`, "--input-type=module", "-e", script],
      { cwd: root },
    );
    expect(stdout).toContain("imported msg_test_0001");
    expect(stdout).toMatch(/route: webhookRoute needs the "msw" package.*npm install --save-dev msw/);
  });
});
