// msw is an optional peer: loaded on the first call, and named by no exported type, so that
// the testing entry imports and type-checks without it.

/**
 * What `webhookRoute` resolves to: msw's `HttpHandler`. Typed `any` because msw's classes have
 * private members, so no type written without importing msw fits `setupServer`.
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
 * An msw handler that answers POSTs to `url` with your webhook handler, so `fetch` calls in a
 * test reach your receiver without a server. Async because msw is loaded on first use.
 * @example
 * import { setupServer } from "msw/node";
 * const server = setupServer(await webhookRoute("https://app.test/webhooks/agentref", handler));
 * beforeAll(() => server.listen());
 */
export async function webhookRoute(
  url: string | RegExp,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<WebhookRoute> {
  const { http } = await loadMsw();
  return http.post(url, ({ request }) => handler(request));
}
