import type { AnyProvider } from "../provider/define-provider.js";
import type { Decoded } from "./decode.js";

/** What the route step decided for one event: `unhandled` and `unknown` run `onUnhandled` / `onUnknown` if given. */
export interface Route<C> {
  outcome: "handled" | "ignored" | "unhandled" | "unknown";
  run: ((event: unknown, ctx: C) => unknown) | undefined;
}

/** A handler map and its fallbacks, as `createHandler` and `createWorker` take them. */
export interface Routes<C> {
  on?: Readonly<Record<string, ((event: never, ctx: C) => unknown) | "ignore" | undefined>> | undefined;
  onUnhandled?: ((event: never, ctx: C) => unknown) | undefined;
  onUnknown?: ((event: never, ctx: C) => unknown) | undefined;
}

/** The route step: checks the handler map against the catalog once (`who` names the caller), then picks what runs. */
export function createRouter<C>(provider: AnyProvider, who: string, routes: Routes<C>): (decoded: Decoded) => Route<C> {
  type Run = (event: unknown, ctx: C) => unknown;
  const handlers = (routes.on ?? {}) as Record<string, Run | "ignore" | undefined>;
  for (const key of Object.keys(handlers)) {
    if (!provider.has(key)) {
      throw new TypeError(`${who}: "${key}" is not a ${provider.name} event type (known: ${provider.types.join(", ")}).`);
    }
  }
  const onUnhandled = routes.onUnhandled as Run | undefined;
  const onUnknown = routes.onUnknown as Run | undefined;
  return (decoded) => {
    if (!decoded.known) return { outcome: "unknown", run: onUnknown };
    const handler = Object.hasOwn(handlers, decoded.type) ? handlers[decoded.type] : undefined;
    if (typeof handler === "function") return { outcome: "handled", run: handler };
    if (handler === "ignore") return { outcome: "ignored", run: undefined };
    return { outcome: "unhandled", run: onUnhandled };
  };
}
