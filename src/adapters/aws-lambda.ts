// agentref-webhooks/aws-lambda: four event sources (API Gateway v1 and v2, Function URLs, ALB), each with its quirks.
// Structural event types, so no @types/aws-lambda is needed (test/types/aws-lambda.test-d.ts checks they fit).
import { STATUS_CODES } from "node:http";
import { adapterFailure } from "../lifecycle/answer.js";
import { decodeBase64, encodeBytes } from "../verify/encoding.js";
import { requestUrl } from "./request-url.js";

/**
 * The headers of a Lambda HTTP event: one value per name.
 * @example const headers: LambdaEventHeaders = { "content-type": "application/json", "svix-id": "msg_1" };
 */
export type LambdaEventHeaders = Record<string, string | undefined>;

/**
 * Every value of each header (API Gateway REST APIs, ALB with multi-value headers).
 * @example const headers: LambdaEventMultiValueHeaders = { "svix-signature": ["v1,abc", "v1,def"] };
 */
export type LambdaEventMultiValueHeaders = Record<string, string[] | undefined>;

/** The fields this adapter reads that REST API (v1) and ALB events share. */
interface V1Fields {
  httpMethod: string;
  path: string;
  headers?: LambdaEventHeaders | null | undefined;
  multiValueHeaders?: LambdaEventMultiValueHeaders | null | undefined;
  queryStringParameters?: Record<string, string | undefined> | null | undefined;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null | undefined;
  body: string | null;
  isBase64Encoded: boolean;
}

/**
 * An API Gateway REST API (payload format 1.0) proxy event, such as `APIGatewayProxyEvent` from `@types/aws-lambda`.
 * @example const event: ApiGatewayV1Event = { httpMethod: "POST", path: "/webhooks", headers: {}, multiValueHeaders: {}, body: "{}", isBase64Encoded: false, requestContext: {} };
 */
export interface ApiGatewayV1Event extends V1Fields {
  requestContext: { domainName?: string | undefined };
}

/**
 * An API Gateway HTTP API (payload 2.0) or Function URL event, such as `APIGatewayProxyEventV2` or `LambdaFunctionURLEvent`.
 * @example
 * const event: ApiGatewayV2Event = { version: "2.0", rawPath: "/webhooks", rawQueryString: "", headers: {}, isBase64Encoded: false, body: "{}", requestContext: { domainName: "abc.lambda-url.eu-west-1.on.aws", http: { method: "POST" } } };
 */
export interface ApiGatewayV2Event {
  version: string;
  rawPath: string;
  rawQueryString: string;
  headers: LambdaEventHeaders;
  cookies?: string[] | undefined;
  body?: string | undefined;
  isBase64Encoded: boolean;
  requestContext: { domainName: string; http: { method: string } };
}

/**
 * An Application Load Balancer event, such as `ALBEvent` from `@types/aws-lambda`.
 * @example const event: AlbEvent = { httpMethod: "POST", path: "/webhooks", headers: {}, body: "{}", isBase64Encoded: false, requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:…" } } };
 */
export interface AlbEvent extends V1Fields {
  requestContext: { elb: { targetGroupArn: string } };
}

/**
 * The events `toLambdaHandler`'s function accepts: API Gateway REST (v1) and HTTP API (v2), Function URLs and ALB.
 * @example function method(event: LambdaHttpEvent) { return "httpMethod" in event ? event.httpMethod : event.requestContext.http.method; }
 */
export type LambdaHttpEvent = ApiGatewayV1Event | ApiGatewayV2Event | AlbEvent;

/**
 * The answer in the event source's shape: fits `APIGatewayProxyResult`, `APIGatewayProxyStructuredResultV2`, `ALBResult`.
 * @example const result: LambdaHttpResult = { statusCode: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}', isBase64Encoded: false };
 */
export interface LambdaHttpResult {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/**
 * The Lambda function `toLambdaHandler` returns, for any of the HTTP event sources. It never rejects.
 * @example export const handler: LambdaHttpHandler = toLambdaHandler(webhooks);
 */
export type LambdaHttpHandler = (event: LambdaHttpEvent, context?: unknown) => Promise<LambdaHttpResult>;

/**
 * Runs a `(Request) => Response` handler on Lambda behind API Gateway, a Function URL or an ALB, with the signed bytes
 * as body. A throw is answered 500 `HANDLER_FAILED`, not a failed invocation (API Gateway: 502). Use a shared store
 * (Redis, PostgreSQL): the memory store forgets on every cold start.
 * @example export const handler = toLambdaHandler(createHandler({ secret: process.env.AGENTREF_WEBHOOK_SECRET!, on: {} }));
 */
export function toLambdaHandler(handler: (request: Request) => Response | Promise<Response>): LambdaHttpHandler {
  return async (event) => {
    try {
      return await toResult(await handler(toRequest(event)), event);
    } catch {
      // The handler threw, or the event could not be converted (a header value no Request accepts).
      const { status, headers, body } = adapterFailure();
      return toResult(new Response(body, { status, headers }), event);
    }
  };
}

const isV2 = (event: LambdaHttpEvent): event is ApiGatewayV2Event => "rawPath" in event && typeof event.rawPath === "string";

const isAlb = (event: LambdaHttpEvent): event is AlbEvent =>
  typeof event.requestContext === "object" && event.requestContext !== null && "elb" in event.requestContext;

function toRequest(event: LambdaHttpEvent): Request {
  const headers = new Headers();
  let method: string;
  let url: string;
  if (isV2(event)) {
    method = event.requestContext.http.method;
    for (const [name, value] of definedOf(event.headers)) headers.set(name, value);
    if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
    url = urlOf(headers, event.requestContext.domainName, event.rawPath, event.rawQueryString);
  } else {
    method = event.httpMethod;
    if (event.multiValueHeaders && Object.keys(event.multiValueHeaders).length > 0) {
      for (const [name, value] of valuesOf(event.multiValueHeaders)) headers.append(name, value);
    } else {
      for (const [name, value] of definedOf(event.headers)) headers.set(name, value);
    }
    // ALB passes the query string as it arrived (still URL-encoded); API Gateway decodes it.
    const encode = isAlb(event) ? (text: string) => text : encodeURIComponent;
    const multi = event.multiValueQueryStringParameters;
    const query = (multi && Object.keys(multi).length > 0 ? valuesOf(multi) : definedOf(event.queryStringParameters))
      .map(([name, value]) => `${encode(name)}=${encode(value)}`)
      .join("&");
    url = urlOf(headers, (event.requestContext as { domainName?: string } | undefined)?.domainName, event.path, query);
  }
  // AWS only ever sends valid base64; anything else is passed on as it came, and fails verification.
  const decoded = event.body && event.isBase64Encoded ? decodeBase64(event.body) : undefined;
  const body = decoded instanceof Uint8Array ? decoded : event.body || undefined;
  const hasBody = body !== undefined && method !== "GET" && method !== "HEAD";
  return new Request(url, { method, headers, ...(hasBody ? { body: body as BodyInit } : {}) });
}

function urlOf(headers: Headers, domainName: string | undefined, path: string, query: string): string {
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "http" ? "http" : "https";
  return requestUrl(proto, headers.get("host") ?? domainName ?? "localhost", path + (query ? `?${query}` : ""));
}

const valuesOf = (multi: Record<string, string[] | undefined>): [string, string][] =>
  Object.entries(multi).flatMap(([name, values]) => (values ?? []).map((value): [string, string] => [name, value]));

const definedOf = (single: Record<string, string | undefined> | null | undefined): [string, string][] =>
  Object.entries(single ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);

const TEXT = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|x-www-form-urlencoded)\b)/i;

async function toResult(response: Response, event: LambdaHttpEvent): Promise<LambdaHttpResult> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const asText = bytes.length === 0 || TEXT.test(response.headers.get("content-type") ?? "");
  const body = asText ? new TextDecoder().decode(bytes) : encodeBytes(bytes, "base64");
  const result: LambdaHttpResult = { statusCode: response.status, body, isBase64Encoded: !asText };
  const cookies = response.headers.getSetCookie();
  const headers: Record<string, string> = Object.fromEntries([...response.headers].filter(([name]) => name !== "set-cookie"));

  if (isV2(event)) return { ...result, headers, ...(cookies.length ? { cookies } : {}) };
  if (!isAlb(event)) return { ...result, headers, ...(cookies.length ? { multiValueHeaders: { "set-cookie": cookies } } : {}) };
  // ALB wants a reason phrase in statusDescription.
  result.statusDescription = `${response.status} ${response.statusText || STATUS_CODES[response.status] || ""}`.trim();
  // A target group with multi-value headers reads only multiValueHeaders, one without only headers.
  if (event.multiValueHeaders !== undefined) {
    const multi = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
    return { ...result, multiValueHeaders: cookies.length ? { ...multi, "set-cookie": cookies } : multi };
  }
  // Without multi-value headers ALB can send one Set-Cookie only.
  return { ...result, headers: cookies.length ? { ...headers, "set-cookie": cookies[cookies.length - 1]! } : headers };
}
