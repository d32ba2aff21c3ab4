import { createHmac } from "node:crypto";
import { sampleEvents } from "../src/events/samples.js";

/**
 * The bench's signing secret (made up).
 *
 * @example
 * createHandler({ secret: BENCH_SECRET, on: {} });
 */
export const BENCH_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// An AgentRef conversion.created envelope, pretty-printed as sent (~0.4 KB), with a
// fixed-width id so every delivery has the same size.
const template = JSON.stringify(
  { ...sampleEvents["conversion.created"], id: "@ID@" },
  null,
  2,
);
const [head, tail] = template.split("@ID@") as [string, string];

/**
 * Pre-signed deliveries, each with its own event id (so every one runs the handler
 * instead of being answered as a duplicate). Only ids and signatures are stored;
 * bodies are rebuilt on use, the same way for every candidate.
 *
 * @example
 * const pool = signedPool(1 << 16, "a");
 * const { body, headers } = pool.delivery(0);
 */
export function signedPool(size: number, prefix: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(BENCH_SECRET.slice("whsec_".length), "base64");
  const ids: string[] = new Array(size);
  const signatures: string[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const id = `msg_${prefix}${String(i).padStart(9, "0")}`;
    ids[i] = id;
    signatures[i] = `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${head}${id}${tail}`).digest("base64")}`;
  }
  return {
    size,
    bodyBytes: Buffer.byteLength(`${head}${ids[0]}${tail}`),
    delivery(i: number) {
      const id = ids[i]!;
      return {
        body: `${head}${id}${tail}`,
        headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": timestamp, "svix-signature": signatures[i]! },
      };
    },
  };
}
