// The receiver scenario every runtime must pass, written once and driven against a URL.
// It talks HTTP only, so what it checks is what AgentRef (the sender) would see.
import net from "node:net";
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
  const { status, text } = await sendLikeASender(url, await createSignedRequest(padded, { secret, url }));
  observed.push({ step: "oversize body", status, answer: answerOf(text) });
  return observed;
}

function answerOf(text: string): string {
  try {
    const json = JSON.parse(text) as { outcome?: string; code?: string };
    return json.outcome ?? json.code ?? text;
  } catch {
    return `non-JSON answer: ${text.slice(0, 200)}`;
  }
}

/**
 * Sends a request the way a sender with a large body meets a receiver that refuses it: the
 * headers first, the body only if no answer came within half a second, and the answer read
 * even when the receiver closes the connection while the body is still being written (a
 * receiver that answers 413 never reads the body; fetch would report the write's reset
 * instead of the answer).
 */
async function sendLikeASender(url: string, request: Request): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const body = Buffer.from(await request.arrayBuffer());
  const head = [`POST ${target.pathname} HTTP/1.1`, `Host: ${target.host}`, "Connection: close", `Content-Length: ${body.length}`];
  request.headers.forEach((value, name) => {
    if (name !== "content-length") head.push(`${name}: ${value}`);
  });
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname);
    let received = "";
    const timer = setTimeout(() => finish(new Error(`no answer within 20 s: ${received.slice(0, 200)}`)), 20_000);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(received);
      if (match) {
        const chunked = /transfer-encoding: chunked/i.test(match[2]!);
        resolve({ status: Number(match[1]), text: chunked ? dechunk(match[3]!) : match[3]! });
      } else reject(error ?? new Error(`no HTTP answer: ${received.slice(0, 200)}`));
    };
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => {}); // a reset while writing: judged by what was received
    socket.on("close", () => finish());
    socket.write(`${head.join("\r\n")}\r\n\r\n`);
    setTimeout(() => {
      if (received === "" && !socket.destroyed) socket.write(body);
    }, 500);
  });
}

function dechunk(text: string): string {
  let out = "";
  for (let rest = text; ; ) {
    const line = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}
