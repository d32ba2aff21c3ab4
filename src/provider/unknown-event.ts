/**
 * An event whose type is not in the provider's catalog (added after this SDK version). Its
 * envelope was validated; `data` is left as sent.
 * @example
 * const event = parseEvent(body);
 * if (event instanceof UnknownEvent) console.warn("upgrade agentref-webhooks for", event.type);
 */
export class UnknownEvent {
  readonly known = false as const;
  constructor(
    /** The event id from the envelope (undefined when the provider's envelope has none). */
    readonly id: string | undefined,
    /** The event type as sent. */
    readonly type: string,
    /** The event's `data`, unvalidated. */
    readonly data: unknown,
    /** The whole envelope as sent. */
    readonly raw: Readonly<Record<string, unknown>>,
  ) {}
}

/**
 * True for an event whose type is not in the catalog.
 * @example if (isUnknownEvent(event)) return; // else: switch (event.type) narrows
 */
export function isUnknownEvent(value: unknown): value is UnknownEvent {
  return value instanceof UnknownEvent;
}
