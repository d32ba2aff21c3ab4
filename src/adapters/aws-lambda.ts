// agentref-webhooks/aws-lambda: Lambda HTTP events to a Web Request and the Response back. Over
// 200 lines: four event sources (API Gateway v1 and v2, Function URLs, ALB), each with its quirks.
// The event types are structural, so no @types/aws-lambda is needed (test/types/aws-lambda.test-d.ts
// checks that its types fit).
import { adapterFailure } from "../lifecycle/answer.js";
import { decodeBase64, encodeBytes } from "../verify/encoding.js";

/**
 * The headers of a Lambda HTTP event: one value per name.
 *
 * @example
 * const headers: LambdaEventHeaders = { "content-type": "application/json", "svix-id": "msg_1" };
 */
export type LambdaEventHeaders = Record<string, string | undefined>;

/**
 * Every value of each header (API Gateway REST APIs, ALB with multi-value headers).
 *
 * @example
 * const headers: LambdaEventMultiValueHeaders = { "svix-signature": ["v1,abc", "v1,def"] };
 */
export type LambdaEventMultiValueHeaders = Record<string, string[] | undefined>;

/**
 * An API Gateway REST API (payload format 1.0) proxy event: the fields this adapter reads.
 * `APIGatewayProxyEvent` from `@types/aws-lambda` is one.
 *
 * @example
 * const event: ApiGatewayV1Event = { httpMethod: "POST", path: "/webhooks", headers: {}, multiValueHeaders: {}, body: "{}", isBase64Encoded: false, requestContext: {} };
 */
export interface ApiGatewayV1Event {
  httpMethod: string;
  path: string;
  headers?: LambdaEventHeaders | null | undefined;
  multiValueHeaders?: LambdaEventMultiValueHeaders | null | undefined;
  queryStringParameters?: Record<string, string | undefined> | null | undefined;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null | undefined;
  body: string | null;
  isBase64Encoded: boolean;
  requestContext: { domainName?: string | undefined };
}

/**
 * An API Gateway HTTP API (payload format 2.0) or Lambda Function URL event: the fields this
 * adapter reads. `APIGatewayProxyEventV2` and `LambdaFunctionURLEvent` are ones.
 *
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
 * An Application Load Balancer event: the fields this adapter reads. `ALBEvent` from
 * `@types/aws-lambda` is one.
 *
 * @example
 * const event: AlbEvent = { httpMethod: "POST", path: "/webhooks", headers: {}, body: "{}", isBase64Encoded: false, requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:…" } } };
 */
export interface AlbEvent {
  httpMethod: string;
  path: string;
  headers?: LambdaEventHeaders | undefined;
  multiValueHeaders?: LambdaEventMultiValueHeaders | undefined;
  queryStringParameters?: Record<string, string | undefined> | undefined;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | undefined;
  body: string | null;
  isBase64Encoded: boolean;
  requestContext: { elb: { targetGroupArn: string } };
}

/**
 * The events `toLambdaHandler`'s function accepts: API Gateway REST (v1) and HTTP API (v2) proxy
 * events, Lambda Function URL events and ALB events.
 *
 * @example
 * function method(event: LambdaHttpEvent) { return "httpMethod" in event ? event.httpMethod : event.requestContext.http.method; }
 */
export type LambdaHttpEvent = ApiGatewayV1Event | ApiGatewayV2Event | AlbEvent;

/**
 * The answer, in the shape the event's source expects. Assignable to `@types/aws-lambda`'s
 * `APIGatewayProxyResult`, `APIGatewayProxyStructuredResultV2`, `LambdaFunctionURLResult` and `ALBResult`.
 *
 * @example
 * const result: LambdaHttpResult = { statusCode: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}', isBase64Encoded: false };
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
 *
 * @example
 * export const handler: LambdaHttpHandler = toLambdaHandler(webhooks);
 */
export type LambdaHttpHandler = (event: LambdaHttpEvent, context?: unknown) => Promise<LambdaHttpResult>;

/**
 * Runs a webhook handler (a `createHandler` result, or any `(Request) => Response` function) on
 * AWS Lambda behind API Gateway (REST v1, HTTP API v2), a Function URL or an ALB. The body
 * reaches the handler as the bytes the sender signed. A handler that throws is answered 500
 * `HANDLER_FAILED` rather than failing the invocation (API Gateway would answer 502).
 * Use a shared store (Redis, PostgreSQL): the memory store forgets on every cold start.
 *
 * @example
 * // handler.ts: API Gateway (REST or HTTP API), Function URL or ALB
 * import { createHandler } from "agentref-webhooks";
 * import { toLambdaHandler } from "agentref-webhooks/aws-lambda";
 *
 * export const handler = toLambdaHandler(
 *   createHandler({
 *     secret: process.env.AGENTREF_WEBHOOK_SECRET!,
 *     on: { "conversion.created": async (event) => creditAffiliate(event.data.affiliateId) },
 *   }),
 * );
 */
export function toLambdaHandler(handler: (request: Request) => Response | Promise<Response>): LambdaHttpHandler {
  return async (event) => {
    const source = sourceOf(event);
    try {
      return await toResult(await handler(toRequest(event)), source, event);
    } catch {
      // The handler threw, or the event could not be converted (a header value no Request accepts).
      return toResult(failure(), source, event);
    }
  };
}

const failure = () => {
  const { status, headers, body } = adapterFailure();
  return new Response(body, { status, headers });
};

type Source = "v1" | "v2" | "alb";

function sourceOf(event: LambdaHttpEvent): Source {
  if ("rawPath" in event && typeof event.rawPath === "string") return "v2";
  if (typeof event.requestContext === "object" && event.requestContext !== null && "elb" in event.requestContext) return "alb";
  return "v1";
}

function toRequest(event: LambdaHttpEvent): Request {
  const headers = new Headers();
  let method: string;
  let pathAndQuery: string;
  let domainName: string | undefined;
  if ("rawPath" in event && typeof event.rawPath === "string") {
    const v2 = event as ApiGatewayV2Event;
    method = v2.requestContext.http.method;
    pathAndQuery = v2.rawPath + (v2.rawQueryString ? `?${v2.rawQueryString}` : "");
    domainName = v2.requestContext.domainName;
    addHeaders(headers, v2.headers);
    if (v2.cookies?.length) headers.set("cookie", v2.cookies.join("; "));
  } else {
    const v1 = event as ApiGatewayV1Event | AlbEvent;
    method = v1.httpMethod;
    // ALB passes the query string as it arrived (still URL-encoded); API Gateway decodes it.
    const encoded = sourceOf(v1) === "alb";
    pathAndQuery = v1.path + queryOf(v1.multiValueQueryStringParameters, v1.queryStringParameters, encoded);
    domainName = (v1.requestContext as { domainName?: string } | undefined)?.domainName;
    if (v1.multiValueHeaders && Object.keys(v1.multiValueHeaders).length > 0) {
      for (const [name, values] of Object.entries(v1.multiValueHeaders)) for (const value of values ?? []) headers.append(name, value);
    } else {
      addHeaders(headers, v1.headers);
    }
  }
  const host = headers.get("host") ?? domainName ?? "localhost";
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "http" ? "http" : "https";
  const body = event.body === null || event.body === undefined || event.body === "" ? undefined : bodyBytes(event.body, event.isBase64Encoded);
  const hasBody = body !== undefined && method !== "GET" && method !== "HEAD";
  return new Request(urlOf(proto, host, pathAndQuery), {
    method,
    headers,
    ...(hasBody ? { body: body as BodyInit } : {}),
  });
}

// A Host header no URL accepts (only a hand-made request sends one) must not cost the delivery.
function urlOf(proto: string, host: string, pathAndQuery: string): URL {
  const path = pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`;
  try {
    return new URL(`${proto}://${host}${path}`);
  } catch {
    return new URL(path, "https://localhost");
  }
}

function addHeaders(target: Headers, source: LambdaEventHeaders | null | undefined): void {
  for (const [name, value] of Object.entries(source ?? {})) if (value !== undefined) target.set(name, value);
}

function queryOf(
  multi: Record<string, string[] | undefined> | null | undefined,
  single: Record<string, string | undefined> | null | undefined,
  alreadyEncoded: boolean,
): string {
  const encode = alreadyEncoded ? (text: string) => text : encodeURIComponent;
  const pairs: string[] = [];
  if (multi && Object.keys(multi).length > 0) {
    for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) pairs.push(`${encode(name)}=${encode(value)}`);
  } else {
    for (const [name, value] of Object.entries(single ?? {})) if (value !== undefined) pairs.push(`${encode(name)}=${encode(value)}`);
  }
  return pairs.length ? `?${pairs.join("&")}` : "";
}

function bodyBytes(body: string, base64: boolean): Uint8Array | string {
  if (!base64) return body;
  const bytes = decodeBase64(body);
  // AWS only ever sends valid base64 here; anything else is passed on as it came, and fails verification.
  return typeof bytes === "string" ? body : bytes;
}

const TEXT = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|x-www-form-urlencoded)\b)/i;

async function toResult(response: Response, source: Source, event: LambdaHttpEvent): Promise<LambdaHttpResult> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const contentType = response.headers.get("content-type") ?? "";
  const asText = bytes.length === 0 || TEXT.test(contentType);
  const body = asText ? new TextDecoder().decode(bytes) : encodeBytes(bytes, "base64");
  const result: LambdaHttpResult = { statusCode: response.status, body, isBase64Encoded: !asText };

  const cookies = response.headers.getSetCookie();
  const single: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") single[name] = value;
  });

  if (source === "v2") {
    result.headers = single;
    if (cookies.length) result.cookies = cookies;
    return result;
  }
  if (source === "alb") {
    result.statusDescription = `${response.status} ${response.statusText || REASONS[response.status] || ""}`.trim();
    // A target group with multi-value headers reads only multiValueHeaders, one without only headers.
    if ((event as AlbEvent).multiValueHeaders !== undefined) {
      const multi: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(single)) multi[name] = [value];
      if (cookies.length) multi["set-cookie"] = cookies;
      result.multiValueHeaders = multi;
    } else {
      // Without multi-value headers ALB can send one Set-Cookie only.
      if (cookies.length) single["set-cookie"] = cookies[cookies.length - 1]!;
      result.headers = single;
    }
    return result;
  }
  result.headers = single;
  if (cookies.length) result.multiValueHeaders = { "set-cookie": cookies };
  return result;
}

// The reason phrases of the statuses a webhook handler answers (ALB wants one in statusDescription).
const REASONS: Record<number, string> = {
  200: "OK",
  202: "Accepted",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};
