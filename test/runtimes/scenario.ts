// The receiver scenario every runtime must pass, written once and driven against a URL.
// It talks HTTP only, so what it checks is what AgentRef (the sender) would see.
import { createSignedRequest, createTestEvent, signPayload } from "agentref-webhooks/testing";

/** What one step of the scenario observed: the status and the answer's outcome or code. */
export interface Observed {
  step: string;
  status: number;
  answer: string | undefined;
}

/** The answers a working receiver gives, in order. */
export const expectedScenario: Observed[] = [
  { step: "valid delivery", status: 200, answer: "handled" },
  { step: "its retry", status: 200, answer: "duplicate" },
  { step: "tampered body", status: 401, answer: "INVALID_SIGNATURE" },
  { step: "unknown event type", status: 200, answer: "unknown" },
  { step: "oversize body", status: 413, answer: "BODY_TOO_LARGE" },
];

/** The default `maxBodyBytes` (1 MiB) plus one byte. */
const OVERSIZE_BYTES = 1024 * 1024 + 1;

/**
 * Runs the scenario against `url` (a receiver configured with `secret` and a handler for
 * `conversion.created`) and returns what each step observed. Each run uses fresh event ids, so
 * it can run twice against one server.
 */
export async function runReceiverScenario(url: string, secret: string): Promise<Observed[]> {
  const observed: Observed[] = [];
  const send = async (step: string, request: Request) => {
    const response = await fetch(request);
    const text = await response.text();
    let answer: string | undefined;
    try {
      const json = JSON.parse(text) as { outcome?: string; code?: string };
      answer = json.outcome ?? json.code;
    } catch {
      answer = `non-JSON answer: ${text.slice(0, 200)}`;
    }
    observed.push({ step, status: response.status, answer });
  };

  const event = createTestEvent("conversion.created", { id: `evt_runtime_${crypto.randomUUID()}` });
  await send("valid delivery", await createSignedRequest(event, { secret, url }));
  // AgentRef signs every attempt anew: same id and body, fresh timestamp and signature.
  await send("its retry", await createSignedRequest(event, { secret, url }));

  const body = JSON.stringify(createTestEvent("conversion.created", { id: `evt_runtime_${crypto.randomUUID()}` }));
  const headers = await signPayload({ body, secret });
  const tampered = body.replace(/"commissionAmount":(\d)/, (_, digit: string) => `"commissionAmount":${(Number(digit) + 1) % 10}`);
  if (tampered === body) throw new Error("the scenario could not tamper with the body");
  await send("tampered body", new Request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: tampered }));

  const unknown = { ...createTestEvent("conversion.created", { id: `evt_runtime_${crypto.randomUUID()}` }), type: "affiliate.teleported" };
  await send("unknown event type", await createSignedRequest(unknown, { secret, url }));

  const oversize = JSON.stringify({ ...createTestEvent("conversion.created", { id: `evt_runtime_${crypto.randomUUID()}` }), padding: "" });
  const padded = oversize.replace('"padding":""', `"padding":"${"x".repeat(OVERSIZE_BYTES - oversize.length)}"`);
  await send("oversize body", await createSignedRequest(padded, { secret, url }));
  return observed;
}
