// Over 200 lines: one command whose job is to explain a failure: each check (headers,
// timestamp, secrets, signature, body re-serialization) and its message are kept together.
import type { AnyProvider } from "../../provider/define-provider.js";
import { isWebhookError } from "../../errors/index.js";
import type { HeaderFamily } from "../../verify/scheme.js";
import { parseTimestamp } from "../../verify/timestamp.js";
import { createVerifier, type Verifier } from "../../verify/verifier.js";
import { CliError } from "../cli-error.js";
import type { Command } from "../command.js";
import { table } from "../format.js";
import { parseHeadersFile } from "../headers-file.js";
import { readFileArg } from "../io.js";
import { intOption, parseCommand, secretsFrom } from "../options.js";
import { nowSeconds } from "../../verify/timestamp.js";

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

interface Check {
  name: string;
  ok: boolean | undefined;
  detail: string;
}

const seconds = (n: number): string => `${n} s`;

function findFamily(provider: AnyProvider, get: (name: string) => string | undefined): { family?: HeaderFamily; detail: string } {
  let best: { missing: string[]; family: HeaderFamily } | undefined;
  for (const family of provider.scheme.headerFamilies) {
    const names = [family.id, family.timestamp, family.signature];
    const missing = names.filter((name) => !get(name));
    if (missing.length === 0) return { family, detail: names.join(", ") };
    if (!best || missing.length < best.missing.length) best = { missing, family };
  }
  const expected = provider.scheme.headerFamilies.map((f) => `${f.id}, ${f.timestamp}, ${f.signature}`).join("; or ");
  if (!best || best.missing.length === 3) return { detail: `none of the signature headers is present (expected ${expected})` };
  const present = [best.family.id, best.family.timestamp, best.family.signature].filter((n) => !best!.missing.includes(n));
  return { detail: `missing ${best.missing.join(" and ")} (${present.join(" and ")} present); a proxy may strip it, or the capture is incomplete` };
}

// Bodies a framework or a capture may have produced from the original: if a secret
// matches one of these, the bytes verified were not the bytes received.
function variants(text: string): [string, string][] {
  const out: [string, string][] = [];
  try {
    const value = JSON.parse(text) as unknown;
    out.push(
      ["JSON.stringify(JSON.parse(body))", JSON.stringify(value)],
      ["JSON.stringify(JSON.parse(body), null, 2)", JSON.stringify(value, null, 2)],
      ["JSON.stringify(JSON.parse(body), null, 4)", JSON.stringify(value, null, 4)],
      ["JSON.stringify(JSON.parse(body), null, \"\\t\")", JSON.stringify(value, null, "\t")],
    );
  } catch {
    // Not JSON: only the whitespace variants below apply.
  }
  if (/\r?\n$/.test(text)) out.push(["the body without its trailing newline", text.replace(/\r?\n$/, "")]);
  else out.push(["the body with a trailing newline", `${text}\n`]);
  if (text.includes("\r\n")) out.push(["the body with CRLF line ends turned into LF", text.replaceAll("\r\n", "\n")]);
  return out.filter(([, variant]) => variant !== text);
}

async function matches(verifier: Verifier, body: string | Uint8Array, headers: Record<string, string[]>, at: number): Promise<boolean> {
  try {
    await verifier.verify({ body, headers, now: at * 1000 });
    return true;
  } catch (err) {
    // Correctly signed bytes that are not UTF-8 still match the signature.
    if (isWebhookError(err) && err.code === "INVALID_JSON") return true;
    if (isWebhookError(err)) return false;
    throw err;
  }
}

/** `agentref-webhooks verify`: diagnoses a captured delivery check by check. */
export const verifyCommand: Command = {
  name: "verify",
  summary: "check a captured delivery and say exactly which check fails",
  help,
  async run(args, io) {
    const { values, positionals, provider } = await parseCommand("verify", args, {
      secret: { type: "string", multiple: true },
      headers: { type: "string" },
      body: { type: "string" },
      tolerance: { type: "string" },
      now: { type: "string" },
    });
    if (values.help) {
      io.stdout.write(`${help}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new CliError(`verify: unexpected argument ${JSON.stringify(positionals[0])}.`);
    const secrets = secretsFrom(values.secret, provider, io);
    if (values.headers === undefined) throw new CliError("verify: --headers FILE is required (the captured request headers; - for stdin).");
    if (values.body === undefined) throw new CliError("verify: --body FILE is required (the body exactly as received).");
    if (values.headers === "-" && values.body === "-") throw new CliError("verify: --headers and --body cannot both be read from stdin.");
    const tolerance = intOption("--tolerance", values.tolerance, 0, 10 ** 9, 300);
    const now = values.now === undefined ? nowSeconds() : intOption("--now", values.now, 0, 10 ** 15, 0);
    const headers = parseHeadersFile((await readFileArg(values.headers, io, "--headers")).toString("utf8"));
    const body = new Uint8Array(await readFileArg(values.body, io, "--body"));
    const text = new TextDecoder().decode(body);
    const get = (name: string): string | undefined => headers[name]?.join(", ") || undefined;

    const checks: Check[] = [];
    const verifiers: { index: number; verifier: Verifier }[] = [];
    secrets.forEach((secret, i) => {
      try {
        verifiers.push({ index: i + 1, verifier: createVerifier({ secret, scheme: provider.scheme, tolerance: 0 }) });
      } catch (err) {
        if (!isWebhookError(err)) throw err;
        checks.push({ name: `secret #${i + 1}`, ok: false, detail: err.message });
      }
    });

    const found = findFamily(provider, get);
    checks.push({ name: "headers", ok: found.family !== undefined, detail: found.detail });
    let timestamp: number | undefined;
    if (found.family) {
      const family = found.family;
      try {
        timestamp = parseTimestamp(get(family.timestamp)!, family.timestamp);
        const age = now - timestamp;
        if (age > tolerance) {
          checks.push({ name: "timestamp", ok: false, detail: `stale by ${seconds(age - tolerance)}: signed ${seconds(age)} before now, the tolerance is ${seconds(tolerance)} (a captured delivery goes stale; --now ${timestamp} checks it as of its arrival)` });
        } else if (-age > tolerance) {
          checks.push({ name: "timestamp", ok: false, detail: `${seconds(-age - tolerance)} beyond the tolerance in the future: signed ${seconds(-age)} after now (clock skew?${timestamp > 1e11 ? " the value looks like milliseconds" : ""})` });
        } else {
          checks.push({ name: "timestamp", ok: true, detail: `signed ${seconds(Math.abs(age))} ${age >= 0 ? "before" : "after"} now, within the ${seconds(tolerance)} tolerance` });
        }
      } catch (err) {
        if (!isWebhookError(err)) throw err;
        checks.push({ name: "timestamp", ok: false, detail: err.message });
      }
    }

    if (found.family && timestamp !== undefined && verifiers.length > 0) {
      let candidates = 0;
      let formatProblem: string | undefined;
      try {
        candidates = provider.scheme.parseSignatures(get(found.family.signature)!).length;
      } catch (err) {
        if (!isWebhookError(err)) throw err;
        formatProblem = err.message;
      }
      if (formatProblem !== undefined || candidates === 0) {
        checks.push({ name: "signature", ok: false, detail: formatProblem ?? `the ${found.family.signature} header holds no signature in the ${provider.scheme.name} format` });
      } else {
        const matched: number[] = [];
        for (const { index, verifier } of verifiers) if (await matches(verifier, body, headers, timestamp)) matched.push(index);
        if (matched.length > 0) {
          checks.push({ name: "signature", ok: true, detail: `matches secret #${matched.join(", #")}` });
        } else {
          let explained: string | undefined;
          search: for (const [label, variant] of variants(text)) {
            for (const { index, verifier } of verifiers) {
              if (await matches(verifier, variant, headers, timestamp)) {
                explained = label.startsWith("JSON")
                  ? `mismatch: no secret matches the body as given, but secret #${index} matches ${label}. The body was parsed and re-serialized before verification (e.g. express.json() or a framework body parser ran first): verify the raw bytes (express.raw({ type: "application/json" }), request.text()).`
                  : `mismatch on the file as given, but secret #${index} matches ${label}: the capture changed the body (editors and shells add or strip a final newline); the delivery itself was probably fine.`;
                break search;
              }
            }
          }
          checks.push({
            name: "signature",
            ok: false,
            detail:
              explained ??
              `mismatch: none of the ${verifiers.length} secret(s) matches, not even with the body re-serialized as JSON. The secret is not this endpoint's (during a rotation pass both), or the body was modified.`,
          });
        }
      }
    } else if (found.family && timestamp === undefined) {
      checks.push({ name: "signature", ok: undefined, detail: "not checked: the timestamp header is unreadable, and it is part of the signed text" });
    }

    io.stdout.write(`${table(checks.map((c) => [c.name, c.ok === undefined ? "-" : c.ok ? "ok" : "FAIL", c.detail])).join("\n")}\n`);

    // The verdict comes from the real verifier, exactly as a receiver would decide.
    let verdict: string | undefined;
    const usable = secrets.filter((_, i) => verifiers.some((v) => v.index === i + 1));
    if (usable.length === 0) verdict = "INVALID_SECRET";
    else {
      try {
        await createVerifier({ secret: usable, scheme: provider.scheme, tolerance }).verify({ body, headers, now: now * 1000 });
      } catch (err) {
        if (!isWebhookError(err)) throw err;
        verdict = err.code;
      }
    }
    if (verdict === undefined) {
      io.stdout.write("result: the delivery verifies\n");
      return 0;
    }
    io.stdout.write(`result: does not verify (${verdict})\n`);
    return 1;
  },
};
