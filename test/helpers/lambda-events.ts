// The Lambda HTTP events AWS documents, one builder per source, in the shapes of the AWS
// Lambda and API Gateway developer guides' example events (REST API proxy integration, HTTP
// API payload format 2.0, Function URL request payload, ALB target group with and without
// multi-value headers). Typed with @types/aws-lambda, so the fixtures are what its users pass.
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, LambdaFunctionURLEvent } from "aws-lambda";

/** What one request carries; the builders put it into each source's shape. */
export interface HttpInput {
  method?: string;
  path?: string;
  /** Name → values; single-value shapes get the last value (REST `headers`), or all of them joined with "," (HTTP API). */
  headers?: Record<string, string[]>;
  /** Name → values. */
  query?: Record<string, string[]>;
  cookies?: string[];
  body?: string | Uint8Array;
  /** Force base64 for a text body (HTTP APIs and Function URLs do this for non-text content types). */
  base64?: boolean;
}

const bodyOf = (input: HttpInput): { body: string | null; isBase64Encoded: boolean } => {
  if (input.body === undefined) return { body: null, isBase64Encoded: false };
  if (input.body instanceof Uint8Array) return { body: Buffer.from(input.body).toString("base64"), isBase64Encoded: true };
  if (input.base64) return { body: Buffer.from(input.body, "utf8").toString("base64"), isBase64Encoded: true };
  return { body: input.body, isBase64Encoded: false };
};

const last = (record: Record<string, string[]>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v[v.length - 1]!]));
const joined = (record: Record<string, string[]>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.join(",")]));

/** API Gateway REST API, Lambda proxy integration (payload format 1.0). */
export function restApiEvent(input: HttpInput): APIGatewayProxyEvent {
  const headers = { host: ["id.execute-api.us-east-1.amazonaws.com"], "x-forwarded-proto": ["https"], ...input.headers };
  const path = input.path ?? "/webhooks/agentref";
  const query = input.query ?? {};
  return {
    resource: path,
    path,
    httpMethod: input.method ?? "POST",
    headers: last(headers),
    multiValueHeaders: headers,
    queryStringParameters: Object.keys(query).length ? last(query) : null,
    multiValueQueryStringParameters: Object.keys(query).length ? query : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "id",
      authorizer: {},
      domainName: "id.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "id",
      extendedRequestId: "request-id",
      httpMethod: input.method ?? "POST",
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "192.0.2.1",
        user: null,
        userAgent: "AgentRef-Webhooks/1.0",
        userArn: null,
      },
      path: `/prod${path}`,
      protocol: "HTTP/1.1",
      requestId: "id=",
      requestTime: "04/Mar/2020:19:15:17 +0000",
      requestTimeEpoch: 1583349317135,
      resourceId: "abc123",
      resourcePath: path,
      stage: "prod",
    },
    ...bodyOf(input),
  };
}

/** API Gateway HTTP API (payload format 2.0). */
export function httpApiEvent(input: HttpInput, domainName = "id.execute-api.us-east-1.amazonaws.com"): APIGatewayProxyEventV2 {
  const path = input.path ?? "/webhooks/agentref";
  const query = input.query ?? {};
  const { body, isBase64Encoded } = bodyOf(input);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: Object.entries(query).flatMap(([k, vs]) => vs.map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&"),
    ...(input.cookies ? { cookies: input.cookies } : {}),
    headers: joined({ host: [domainName], "x-forwarded-proto": ["https"], ...input.headers }),
    ...(Object.keys(query).length ? { queryStringParameters: joined(query) } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "api-id",
      domainName,
      domainPrefix: domainName.split(".")[0]!,
      http: { method: input.method ?? "POST", path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "AgentRef-Webhooks/1.0" },
      requestId: "id",
      routeKey: "$default",
      stage: "$default",
      time: "12/Mar/2020:19:03:58 +0000",
      timeEpoch: 1583348638390,
    },
    ...(body === null ? {} : { body }),
    isBase64Encoded,
  };
}

/** Lambda Function URL (the HTTP API 2.0 format, with the function URL's domain). */
export function functionUrlEvent(input: HttpInput): LambdaFunctionURLEvent {
  return httpApiEvent(input, "abcdefghijklmnopqrstuvwxyz0123.lambda-url.us-west-2.on.aws") as LambdaFunctionURLEvent;
}

/** Application Load Balancer, Lambda target group; `multiValue` as the target group's setting. */
export function albEvent(input: HttpInput, multiValue: boolean): ALBEvent {
  const headers = {
    host: ["lambda-alb-123578498.us-east-1.elb.amazonaws.com"],
    "x-amzn-trace-id": ["Root=1-5c536348-3d683b8b04734faae651f476"],
    "x-forwarded-for": ["72.12.164.125"],
    "x-forwarded-port": ["443"],
    "x-forwarded-proto": ["https"],
    ...input.headers,
  };
  // ALB passes the query string as it arrived on the wire: still URL-encoded.
  const query = Object.fromEntries(Object.entries(input.query ?? {}).map(([k, vs]) => [encodeURIComponent(k), vs.map(encodeURIComponent)]));
  const { body, isBase64Encoded } = bodyOf(input);
  return {
    requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a" } },
    httpMethod: input.method ?? "POST",
    path: input.path ?? "/webhooks/agentref",
    ...(multiValue ? { multiValueQueryStringParameters: query, multiValueHeaders: headers } : { queryStringParameters: last(query), headers: last(headers) }),
    body: body ?? "",
    isBase64Encoded,
  };
}
