// The structural Lambda types of agentref-webhooks/aws-lambda against @types/aws-lambda: its
// events go in, its handler types accept toLambdaHandler's function, its result types accept
// the answer. (A project without @types/aws-lambda is covered by the consumer matrix,
// test/consumers.)
import type {
  ALBEvent,
  ALBHandler,
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  LambdaFunctionURLEvent,
  LambdaFunctionURLHandler,
  LambdaFunctionURLResult,
} from "aws-lambda";
import { describe, expectTypeOf, it } from "vitest";
import { createHandler } from "agentref-webhooks";
import { toLambdaHandler, type LambdaHttpEvent, type LambdaHttpHandler, type LambdaHttpResult } from "agentref-webhooks/aws-lambda";

const lambda = toLambdaHandler(createHandler({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", on: {} }));

describe("agentref-webhooks/aws-lambda and @types/aws-lambda", () => {
  it("accepts every HTTP event type of @types/aws-lambda", () => {
    expectTypeOf<APIGatewayProxyEvent>().toExtend<LambdaHttpEvent>();
    expectTypeOf<APIGatewayProxyEventV2>().toExtend<LambdaHttpEvent>();
    expectTypeOf<LambdaFunctionURLEvent>().toExtend<LambdaHttpEvent>();
    expectTypeOf<ALBEvent>().toExtend<LambdaHttpEvent>();
    expectTypeOf<{ body: string }>().not.toExtend<LambdaHttpEvent>();
  });

  it("answers a result each source's result type accepts", () => {
    expectTypeOf<LambdaHttpResult>().toExtend<APIGatewayProxyResult>();
    expectTypeOf<LambdaHttpResult>().toExtend<APIGatewayProxyStructuredResultV2>();
    expectTypeOf<LambdaHttpResult>().toExtend<LambdaFunctionURLResult>();
    expectTypeOf<LambdaHttpResult>().toExtend<ALBResult>();
  });

  it("is a handler of each source's handler type", () => {
    expectTypeOf(lambda).toEqualTypeOf<LambdaHttpHandler>();
    const rest: APIGatewayProxyHandler = lambda;
    const http: APIGatewayProxyHandlerV2 = lambda;
    const url: LambdaFunctionURLHandler = lambda;
    const alb: ALBHandler = lambda;
    expectTypeOf([rest, http, url, alb]).not.toBeAny();
  });

  it("takes any Request => Response function, sync or async, and nothing else", () => {
    toLambdaHandler(() => new Response("ok"));
    toLambdaHandler(async (request: Request) => new Response(await request.text()));
    // @ts-expect-error a handler must answer a Response
    toLambdaHandler(() => "ok");
  });
});
