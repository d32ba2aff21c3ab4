// msw is an optional peer dependency of this subpath only. It is loaded here, on the
// first call, with a dynamic import: `import "agentref-webhooks/testing"` works
// without msw installed, and only `webhookRoute` needs it. No type here names msw either,
// so that a project without msw type-checks these declarations (skipLibCheck: false).

/**
 * What `webhookRoute` resolves to: msw's `HttpHandler`, to pass to `setupServer` or
 * `server.use`. Typed `any` on purpose: the declarations of `agentref-webhooks/testing` must
 * not import msw, which only users of `webhookRoute` install, and msw's handler classes have
 * private members, so no type written without msw is assignable to what `setupServer` takes.
 *
 * @example
 * const route: WebhookRoute = await webhookRoute("https://app.test/webhooks/agentref", handler);
 * const server = setupServer(route);
 */
export type WebhookRoute = any;
let loading: Promise<typeof import("msw")> | undefined;

function loadMsw(): Promise<typeof import("msw")> {
  loading ??= import("msw").catch((cause: unknown) => {
    loading = undefined;
    throw new Error('webhookRoute needs the "msw" package (a peer dependency of agentref-webhooks/testing): npm install --save-dev msw', { cause });
  });
  return loading;
}

/**
 * An msw request handler that answers POSTs to `url` with your webhook handler (a
 * `createHandler` result or any `Request => Response` function): `fetch` calls in the
 * test, the delivery simulator's included, reach your receiver without a server or a
 * port. Other methods to the same URL fall through to your other msw handlers.
 * Async because msw is loaded on first use (see the note in the README).
 *
 * @example
 * import { setupServer } from "msw/node";
 * import { createHandler } from "agentref-webhooks";
 * import { createTestEvent, generateSecret, simulateDelivery, webhookRoute } from "agentref-webhooks/testing";
 *
 * const secret = generateSecret();
 * const handler = createHandler({ secret, on: { "payout.failed": onPayoutFailed } });
 * const server = setupServer(await webhookRoute("https://app.test/webhooks/agentref", handler));
 * beforeAll(() => server.listen());
 * afterAll(() => server.close());
 *
 * test("delivered", async () => {
 *   const result = await simulateDelivery({ target: "https://app.test/webhooks/agentref", event: createTestEvent("payout.failed"), secret });
 *   expect(result.delivered).toBe(true);
 * });
 */
export async function webhookRoute(
  url: string | RegExp,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<WebhookRoute> {
  const { http } = await loadMsw();
  return http.post(url, ({ request }) => handler(request));
}
