import { isWebhookError, type WebhookError } from "../../errors/index.js";
import type { AnyProvider } from "../../provider/define-provider.js";
import type { HeaderFamily } from "../../verify/scheme.js";
import { nowSeconds, parseTimestamp } from "../../verify/timestamp.js";
import { createVerifier, type Verifier } from "../../verify/verifier.js";
import { CliError } from "../cli-error.js";
import { defineCommand } from "../command.js";
import { table } from "../format.js";
import { parseHeadersFile } from "../headers-file.js";
import { readFileArg } from "../io.js";
import { intOption, secretsFrom } from "../options.js";

const help = `Usage: agentref-webhooks verify --secret SECRET --headers FILE|- --body FILE [options]

Checks a captured delivery and says which check fails: a missing header, a timestamp
outside the tolerance (and by how many seconds), or a signature that matches no secret.
When the signature fails, it also tries the body re-serialized as JSON (compact and
indented): a match there means a framework parsed the body before verification.

Options:
  --secret SECRET   the endpoint's secret; repeat for several (a rotation)
                    (default: $AGENTREF_WEBHOOK_SECRET, or $<PROVIDER>_WEBHOOK_SECRET)
  --headers FILE|-  the request headers: "Name: value" lines (as in a raw request or
                    curl -v output) or JSON; - reads stdin
  --body FILE|-     the body exactly as received
  --tolerance S     accepted clock difference in seconds (default 300)
  --now SECONDS     check the timestamp against this Unix time instead of now
  --provider NAME   agentref (default), agentsync, agiled, agentsend
  -h, --help        this help

Exit status: 0 when the delivery verifies, 1 when it does not, 2 on bad arguments.

Example:
  agentref-webhooks verify --secret whsec_... --headers headers.txt --body body.json`;

/** One line of the report; `ok` undefined when the check could not run. */
interface Outcome {
  ok: boolean | undefined;
  detail: string;
}

const seconds = (n: number): string => `${n} s`;

const failed = (err: WebhookError): Outcome => ({ ok: false, detail: err.message });

/** `run`'s result, or the WebhookError it threw (any other error propagates). */
async function attempt<T>(run: () => T | Promise<T>): Promise<T | WebhookError> {
  try {
    return await run();
  } catch (err) {
    if (!isWebhookError(err)) throw err;
    return err;
  }
}

function findFamily(provider: AnyProvider, get: (name: string) => string | undefined): { family?: HeaderFamily; detail: string } {
  const families = provider.scheme.headerFamilies.map((family) => {
    const names = [family.id, family.timestamp, family.signature];
    return { family, names, missing: names.filter((name) => !get(name)) };
  });
  const best = families.reduce((a, b) => (b.missing.length < a.missing.length ? b : a));
  if (best.missing.length === 0) return { family: best.family, detail: best.names.join(", ") };
  if (best.missing.length === 3) {
    return { detail: `none of the signature headers is present (expected ${families.map((f) => f.names.join(", ")).join("; or ")})` };
  }
  const present = best.names.filter((name) => !best.missing.includes(name));
  return { detail: `missing ${best.missing.join(" and ")} (${present.join(" and ")} present); a proxy may strip it, or the capture is incomplete` };
}

function timestampOutcome(timestamp: number, now: number, tolerance: number): Outcome {
  const age = now - timestamp;
  if (age > tolerance) {
    return { ok: false, detail: `stale by ${seconds(age - tolerance)}: signed ${seconds(age)} before now, the tolerance is ${seconds(tolerance)} (a captured delivery goes stale; --now ${timestamp} checks it as of its arrival)` };
  }
  if (-age > tolerance) {
    return { ok: false, detail: `${seconds(-age - tolerance)} beyond the tolerance in the future: signed ${seconds(-age)} after now (clock skew?${timestamp > 1e11 ? " the value looks like milliseconds" : ""})` };
  }
  return { ok: true, detail: `signed ${seconds(Math.abs(age))} ${age >= 0 ? "before" : "after"} now, within the ${seconds(tolerance)} tolerance` };
}

// Bodies a framework or a capture may have produced from the original: if a secret
// matches one of these, the bytes verified were not the bytes received.
function variants(text: string): [string, string][] {
  const out: [string, string][] = [];
  try {
    const value = JSON.parse(text) as unknown;
    for (const indent of [undefined, 2, 4, "\t"]) {
      const args = indent === undefined ? "" : `, null, ${JSON.stringify(indent)}`;
      out.push([`JSON.stringify(JSON.parse(body)${args})`, JSON.stringify(value, null, indent)]);
    }
  } catch {
    // Not JSON: only the whitespace variants below apply.
  }
  if (/\r?\n$/.test(text)) out.push(["the body without its trailing newline", text.replace(/\r?\n$/, "")]);
  else out.push(["the body with a trailing newline", `${text}\n`]);
  if (text.includes("\r\n")) out.push(["the body with CRLF line ends turned into LF", text.replaceAll("\r\n", "\n")]);
  return out.filter(([, variant]) => variant !== text);
}

type Verifiers = { index: number; secret: string; verifier: Verifier }[];

/** The numbers of the secrets whose signature the headers carry for `body`, at time `at` (so the time is no factor). */
async function matching(verifiers: Verifiers, body: string | Uint8Array, headers: Record<string, string[]>, at: number): Promise<number[]> {
  const found: number[] = [];
  for (const { index, verifier } of verifiers) {
    const result = await attempt(() => verifier.verify({ body, headers, now: at * 1000 }));
    // Correctly signed bytes that are not UTF-8 still match the signature.
    if (!isWebhookError(result) || result.code === "INVALID_JSON") found.push(index);
  }
  return found;
}

async function signatureOutcome(verifiers: Verifiers, body: Uint8Array, headers: Record<string, string[]>, at: number): Promise<Outcome> {
  const matched = await matching(verifiers, body, headers, at);
  if (matched.length > 0) return { ok: true, detail: `matches secret #${matched.join(", #")}` };
  for (const [label, variant] of variants(new TextDecoder().decode(body))) {
    const [index] = await matching(verifiers, variant, headers, at);
    if (index === undefined) continue;
    return {
      ok: false,
      detail: label.startsWith("JSON")
        ? `mismatch: no secret matches the body as given, but secret #${index} matches ${label}. The body was parsed and re-serialized before verification (e.g. express.json() or a framework body parser ran first): verify the raw bytes (express.raw({ type: "application/json" }), request.text()).`
        : `mismatch on the file as given, but secret #${index} matches ${label}: the capture changed the body (editors and shells add or strip a final newline); the delivery itself was probably fine.`,
    };
  }
  return {
    ok: false,
    detail: `mismatch: none of the ${verifiers.length} secret(s) matches, not even with the body re-serialized as JSON. The secret is not this endpoint's (during a rotation pass both), or the body was modified.`,
  };
}

export const verifyCommand = defineCommand({
  name: "verify",
  summary: "check a captured delivery and say exactly which check fails",
  help,
  options: {
    secret: { type: "string", multiple: true },
    headers: { type: "string" },
    body: { type: "string" },
    tolerance: { type: "string" },
    now: { type: "string" },
  },
  async run({ values, positionals, provider }, io) {
    if (positionals.length > 0) throw new CliError(`verify: unexpected argument ${JSON.stringify(positionals[0])}.`);
    const secrets = secretsFrom(values.secret, provider, io);
    if (values.headers === undefined) throw new CliError("verify: --headers FILE is required (the captured request headers; - for stdin).");
    if (values.body === undefined) throw new CliError("verify: --body FILE is required (the body exactly as received).");
    if (values.headers === "-" && values.body === "-") throw new CliError("verify: --headers and --body cannot both be read from stdin.");
    const tolerance = intOption("--tolerance", values.tolerance, 0, 10 ** 9, 300);
    const now = values.now === undefined ? nowSeconds() : intOption("--now", values.now, 0, 10 ** 15, 0);
    const headers = parseHeadersFile((await readFileArg(values.headers, io, "--headers")).toString("utf8"));
    const body = new Uint8Array(await readFileArg(values.body, io, "--body"));
    const get = (name: string): string | undefined => headers[name]?.join(", ") || undefined;
    const { scheme } = provider;

    const checks: [string, Outcome][] = [];
    const verifiers: Verifiers = [];
    for (const [i, secret] of secrets.entries()) {
      const verifier = await attempt(() => createVerifier({ secret, scheme, tolerance: 0 }));
      if (isWebhookError(verifier)) checks.push([`secret #${i + 1}`, failed(verifier)]);
      else verifiers.push({ index: i + 1, secret, verifier });
    }
    const { family, detail } = findFamily(provider, get);
    checks.push(["headers", { ok: family !== undefined, detail }]);
    if (family) {
      const timestamp = await attempt(() => parseTimestamp(get(family.timestamp)!, family.timestamp));
      checks.push(["timestamp", isWebhookError(timestamp) ? failed(timestamp) : timestampOutcome(timestamp, now, tolerance)]);
      if (isWebhookError(timestamp)) {
        checks.push(["signature", { ok: undefined, detail: "not checked: the timestamp header is unreadable, and it is part of the signed text" }]);
      } else if (verifiers.length > 0) {
        const signatures = await attempt(() => scheme.parseSignatures(get(family.signature)!));
        const outcome = isWebhookError(signatures)
          ? failed(signatures)
          : signatures.length === 0
            ? { ok: false, detail: `the ${family.signature} header holds no signature in the ${scheme.name} format` }
            : await signatureOutcome(verifiers, body, headers, timestamp);
        checks.push(["signature", outcome]);
      }
    }
    io.stdout.write(`${table(checks.map(([name, { ok, detail }]) => [name, ok === undefined ? "-" : ok ? "ok" : "FAIL", detail])).join("\n")}\n`);

    // The verdict comes from the real verifier, exactly as a receiver would decide (no usable secret: INVALID_SECRET).
    const secret = verifiers.map((v) => v.secret);
    const result = await attempt(() => createVerifier({ secret, scheme, tolerance }).verify({ body, headers, now: now * 1000 }));
    const verdict = isWebhookError(result) ? result.code : undefined;
    io.stdout.write(verdict === undefined ? "result: the delivery verifies\n" : `result: does not verify (${verdict})\n`);
    return verdict === undefined ? 0 : 1;
  },
});
