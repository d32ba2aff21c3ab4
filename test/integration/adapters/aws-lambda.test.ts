// toLambdaHandler over every Lambda HTTP event source, each invocation run by lambda-local (a
// local Lambda runner) the way the Lambda runtime calls an exported handler.
import { createHash, randomBytes } from "node:crypto";
import lambdaLocal from "lambda-local";
import { describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { toLambdaHandler, type LambdaHttpEvent, type LambdaHttpResult } from "agentref-webhooks/aws-lambda";
import { createTestEvent, generateSecret, signPayload } from "agentref-webhooks/testing";
import { albEvent, functionUrlEvent, httpApiEvent, restApiEvent, type HttpInput } from "../../helpers/lambda-events.js";

lambdaLocal.setLogger({ log() {}, info() {}, warn() {}, error() {}, transports: [] });

async function invoke(handler: (event: LambdaHttpEvent) => Promise<LambdaHttpResult>, event: unknown): Promise<LambdaHttpResult> {
  return (await lambdaLocal.execute({ event, lambdaFunc: { handler }, lambdaHandler: "handler", timeoutMs: 10_000, verboseLevel: 0 })) as LambdaHttpResult;
}

const sources: [string, (input: HttpInput) => unknown][] = [
  ["API Gateway REST API (v1)", restApiEvent],
  ["API Gateway HTTP API (v2)", (input) => httpApiEvent(input)],
  ["Lambda Function URL", functionUrlEvent],
  ["ALB", (input) => albEvent(input, false)],
  ["ALB with multi-value headers", (input) => albEvent(input, true)],
];

const bodyText = (result: LambdaHttpResult) => (result.isBase64Encoded ? Buffer.from(result.body, "base64").toString("utf8") : result.body);
const header = (result: LambdaHttpResult, name: string) => result.headers?.[name] ?? result.multiValueHeaders?.[name]?.join(", ");

describe.each(sources)("toLambdaHandler: %s", (source, eventOf) => {
  it("a signed delivery: handled, its retry a duplicate, a tampered copy 401 (plain and base64 bodies)", async () => {
    for (const base64 of [false, true]) {
      const secret = generateSecret();
      const ran: string[] = [];
      const lambda = toLambdaHandler(createHandler({ secret, on: { "conversion.created": async (event) => void ran.push(event.id) } }));
      const event = createTestEvent("conversion.created", { id: `evt_lambda_${randomBytes(6).toString("hex")}` });
      const body = JSON.stringify(event);
      const signed = async () => Object.fromEntries(Object.entries(await signPayload({ body, secret })).map(([k, v]) => [k, [v]]));
      const headers = { "content-type": ["application/json"] };

      const first = await invoke(lambda, eventOf({ body, base64, headers: { ...headers, ...(await signed()) } }));
      expect([first.statusCode, JSON.parse(bodyText(first))]).toMatchObject([200, { outcome: "handled", id: event.id }]);
      const retry = await invoke(lambda, eventOf({ body, base64, headers: { ...headers, ...(await signed()) } }));
      expect([retry.statusCode, JSON.parse(bodyText(retry)).outcome]).toEqual([200, "duplicate"]);
      const tampered = await invoke(lambda, eventOf({ body: body.replace('"commissionAmount":2', '"commissionAmount":3'), base64, headers: { ...headers, ...(await signed()) } }));
      expect([tampered.statusCode, JSON.parse(bodyText(tampered)).code]).toEqual([401, "INVALID_SIGNATURE"]);
      expect(ran).toEqual([event.id]);
      expect(header(first, "content-type")).toMatch(/^application\/json/);
    }
  });

  it("hands the handler the raw bytes unchanged (a base64 body that is not UTF-8), the method, URL and headers", async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28, ...randomBytes(64)]);
    let seen: { method: string; url: string; sha: string; signature: string | null; custom: string | null } | undefined;
    const lambda = toLambdaHandler(async (request) => {
      const raw = new Uint8Array(await request.arrayBuffer());
      seen = { method: request.method, url: request.url, sha: createHash("sha256").update(raw).digest("hex"), signature: request.headers.get("svix-signature"), custom: request.headers.get("x-custom") };
      return new Response("ok", { headers: { "content-type": "text/plain" } });
    });
    const result = await invoke(lambda, eventOf({ body: bytes, path: "/hooks/in", query: { a: ["1 2"] }, headers: { "svix-signature": ["v1,abc"], "x-custom": ["one", "two"] } }));
    expect(result.statusCode).toBe(200);
    expect(seen!.method).toBe("POST");
    expect(seen!.sha).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(seen!.signature).toBe("v1,abc");
    const url = new URL(seen!.url);
    expect([url.protocol, url.pathname, url.searchParams.get("a")]).toEqual(["https:", "/hooks/in", "1 2"]);
    expect(url.host).toMatch(/amazonaws\.com|on\.aws/);
    // Repeated headers: every value where the source keeps them all, else the last one.
    expect(["one, two", "one,two", "two"]).toContain(seen!.custom);
  });

  it("answers binary bodies base64-encoded and text bodies as text", async () => {
    const bytes = new Uint8Array(randomBytes(300));
    const binary = await invoke(
      toLambdaHandler(() => new Response(bytes, { headers: { "content-type": "application/octet-stream" } })),
      eventOf({ body: "{}" }),
    );
    expect(binary.isBase64Encoded).toBe(true);
    expect(new Uint8Array(Buffer.from(binary.body, "base64"))).toEqual(bytes);
    const text = await invoke(toLambdaHandler(() => new Response("héllo", { headers: { "content-type": "text/plain; charset=utf-8" } })), eventOf({ body: "{}" }));
    expect([text.isBase64Encoded, text.body]).toEqual([false, "héllo"]);
  });

  it("answers a method other than POST 405 with Allow: POST, through createHandler", async () => {
    const result = await invoke(toLambdaHandler(createHandler({ secret: generateSecret(), on: {} })), eventOf({ method: "GET" }));
    expect(result.statusCode).toBe(405);
    expect(header(result, "allow")).toBe("POST");
  });

  it("answers 500 HANDLER_FAILED when the handler throws, instead of failing the invocation", async () => {
    const result = await invoke(toLambdaHandler(() => { throw new Error("secret detail"); }), eventOf({ body: "{}" }));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).code).toBe("HANDLER_FAILED");
    expect(result.body).not.toContain("secret detail");
  });
});

describe("toLambdaHandler: the answer in each source's shape", () => {
  const answer = () => {
    const headers = new Headers({ "content-type": "application/json", "retry-after": "30" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    return new Response('{"ok":false}', { status: 409, headers });
  };
  const lambda = toLambdaHandler(answer);

  it("REST API: headers, and every Set-Cookie in multiValueHeaders", async () => {
    const result = await invoke(lambda, restApiEvent({ body: "{}" }));
    expect(result).toEqual({
      statusCode: 409,
      headers: { "content-type": "application/json", "retry-after": "30" },
      multiValueHeaders: { "set-cookie": ["a=1", "b=2"] },
      body: '{"ok":false}',
      isBase64Encoded: false,
    });
  });

  it("HTTP API and Function URL: headers and cookies", async () => {
    for (const event of [httpApiEvent({ body: "{}" }), functionUrlEvent({ body: "{}" })]) {
      expect(await invoke(lambda, event)).toEqual({
        statusCode: 409,
        headers: { "content-type": "application/json", "retry-after": "30" },
        cookies: ["a=1", "b=2"],
        body: '{"ok":false}',
        isBase64Encoded: false,
      });
    }
  });

  it("ALB: a statusDescription, and multiValueHeaders only when the target group sends them", async () => {
    expect(await invoke(lambda, albEvent({ body: "{}" }, true))).toEqual({
      statusCode: 409,
      statusDescription: "409 Conflict",
      multiValueHeaders: { "content-type": ["application/json"], "retry-after": ["30"], "set-cookie": ["a=1", "b=2"] },
      body: '{"ok":false}',
      isBase64Encoded: false,
    });
    expect(await invoke(lambda, albEvent({ body: "{}" }, false))).toEqual({
      statusCode: 409,
      statusDescription: "409 Conflict",
      headers: { "content-type": "application/json", "retry-after": "30", "set-cookie": "b=2" },
      body: '{"ok":false}',
      isBase64Encoded: false,
    });
  });

  it("a Host header no URL accepts still reaches the handler; a header no Request accepts is a 500, not a failed invocation", async () => {
    let url = "";
    const echo = toLambdaHandler((request) => ((url = request.url), new Response("")));
    const badHost = await invoke(echo, restApiEvent({ body: "{}", path: "/hook", headers: { host: ["bad host/"] } }));
    expect([badHost.statusCode, url]).toEqual([200, "https://localhost/hook"]);
    const badHeader = await invoke(echo, restApiEvent({ body: "{}", headers: { "x-bad": ["a\nb"] } }));
    expect([badHeader.statusCode, JSON.parse(badHeader.body).code]).toEqual([500, "HANDLER_FAILED"]);
  });

  it("HTTP API cookies reach the handler as one Cookie header", async () => {
    let cookie: string | null = null;
    await invoke(toLambdaHandler((request) => ((cookie = request.headers.get("cookie")), new Response(""))), httpApiEvent({ body: "{}", cookies: ["a=1", "b=2"] }));
    expect(cookie).toBe("a=1; b=2");
  });
});

describe("examples/aws-lambda/handler.ts, loaded and invoked as Lambda does", () => {
  it("handles a signed delivery from an HTTP API once, and answers its retry as a duplicate", async () => {
    const secret = generateSecret();
    process.env.AGENTREF_WEBHOOK_SECRET = secret;
    const logged: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(line));
    try {
      const example = await import("../../../examples/aws-lambda/handler.js");
      const body = JSON.stringify(createTestEvent("conversion.created", { id: "evt_lambda_example", data: { commissionAmount: 1234, affiliateId: "aff_1" } }));
      const headersOf = async () => Object.fromEntries(Object.entries(await signPayload({ body, secret })).map(([k, v]) => [k, [v]]));
      const first = await invoke(example.handler, httpApiEvent({ body, headers: { "content-type": ["application/json"], ...(await headersOf()) } }));
      const retry = await invoke(example.handler, httpApiEvent({ body, base64: true, headers: { "content-type": ["application/json"], ...(await headersOf()) } }));
      expect([first.statusCode, JSON.parse(first.body).outcome, retry.statusCode, JSON.parse(retry.body).outcome]).toEqual([200, "handled", 200, "duplicate"]);
      expect(logged).toEqual(["commission 1234 for aff_1"]);
    } finally {
      log.mockRestore();
      delete process.env.AGENTREF_WEBHOOK_SECRET;
    }
  });
});
