import { isWebhookError } from "../../errors/index.js";
import { createTestEventFactory } from "../../testing/test-event-factory.js";
import { simulateDelivery, type DeliveryAttempt, type DeliveryResult } from "../../testing/simulate-delivery.js";
import { CliError } from "../cli-error.js";
import { defineCommand } from "../command.js";
import { ms, offsetLabel, percentile, statusLabel } from "../format.js";
import { readFileArg, type CliIo } from "../io.js";
import { eventTypeArg, headerNamesOption, intOption, numberOption, secretsFrom, urlOption } from "../options.js";

/** `--retry` waits this many real ms per virtual ms: 1 min → 6 ms, 24 h → 8.6 s, the whole schedule ≈ 17 s. */
const DEFAULT_TIME_SCALE = 1 / 10_000;

const help = `Usage: agentref-webhooks send <type> --url URL --secret SECRET [options]

Builds a valid <type> event (the documented example, a fresh id and the current time),
signs it like the provider does, POSTs it to URL and prints each attempt's status and time.

Options:
  --url URL            the endpoint, e.g. http://127.0.0.1:3000/webhooks/agentref (required)
  --secret SECRET      the endpoint's signing secret; repeat to sign with several
                       (default: $AGENTREF_WEBHOOK_SECRET, or $<PROVIDER>_WEBHOOK_SECRET)
  --data JSON|@FILE    fields to change, deep-merged into the event (arrays replace);
                       @- reads them from stdin. E.g. --data '{"data":{"amount":4900}}'
  --id ID              the event id and svix-id (default: a fresh random id)
  --times N            send the same event N times (default 1): a duplicate-delivery test
  --fresh-ids          with --times, give every delivery its own event id instead
  --concurrency N      deliveries in flight at once (default 1)
  --retry              on a non-2xx answer, a timeout or a network error, retry on the
                       provider's schedule (AgentRef: 0, 1m, 5m, 15m, 1h, 3h, 6h, 12h, 24h)
                       compressed in time (see --time-scale)
  --time-scale F       real ms waited per scheduled ms with --retry (default 0.0001:
                       1m -> 6 ms, 24h -> 8.6 s; 0 retries at once)
  --timeout MS         an attempt without an answer by then counts as failed (default 30000)
  --headers NAMES      signature header names: svix (AgentRef's) or webhook
  --provider NAME      agentref (default), agentsync, agiled, agentsend
  --verbose            print every attempt even with --times
  -h, --help           this help

Exit status: 0 when every delivery got a 2xx answer, 1 when one never did, 2 on bad arguments.

Examples:
  agentref-webhooks send conversion.created --url http://127.0.0.1:3000/webhooks/agentref --secret whsec_...
  agentref-webhooks send payout.failed --url $URL --data '{"data":{"failureReason":"IBAN closed"}}' --retry
  agentref-webhooks send conversion.created --url $URL --times 20 --concurrency 5`;

/** `--data JSON|@FILE`: the overrides, a JSON object. */
async function overridesFrom(data: string | undefined, io: CliIo): Promise<object | undefined> {
  if (data === undefined) return undefined;
  const text = data.startsWith("@") ? (await readFileArg(data.slice(1), io, "--data")).toString("utf8") : data;
  let overrides: unknown;
  try {
    overrides = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--data is not valid JSON (${(err as Error).message}). Quote it for the shell: --data '{"data":{"amount":4900}}'.`);
  }
  if (typeof overrides === "object" && overrides !== null && !Array.isArray(overrides)) return overrides;
  throw new CliError(`--data must be a JSON object (the fields to change), e.g. '{"data":{"amount":4900}}'.`);
}

function attemptLine(a: DeliveryAttempt, total: number): string {
  const why = a.timedOut ? "  (timed out)" : a.error ? `  (${a.error})` : "";
  const body = !a.ok && a.responseBody ? `  ${a.responseBody.replaceAll(/\s+/g, " ").slice(0, 200)}` : "";
  return `  attempt ${a.attempt}/${total}  ${offsetLabel(a.scheduledAt).padEnd(7)}  ${statusLabel(a.status).padEnd(24)}  ${ms(a.durationMs).padStart(10)}${why}${body}\n`;
}

function summary(results: DeliveryResult[], type: string): string {
  const attempts = results.flatMap((r) => r.attempts);
  const durations = attempts.map((a) => a.durationMs).sort((x, y) => x - y);
  const statuses = new Map<string, number>();
  for (const a of attempts) {
    const key = a.status === undefined ? (a.timedOut ? "timeout" : "error") : String(a.status);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  const delivered = results.filter((r) => r.delivered).length;
  const counts = [...statuses].map(([status, n]) => `${status} x${n}`).join(", ");
  return (
    `${results.length} deliveries of ${type}: ${delivered} delivered, ${results.length - delivered} never got a 2xx\n` +
    `  ${attempts.length} attempts: ${counts}\n` +
    `  time per attempt: p50 ${ms(percentile(durations, 0.5))}, p95 ${ms(percentile(durations, 0.95))}, max ${ms(durations.at(-1) ?? 0)}\n`
  );
}

export const sendCommand = defineCommand({
  name: "send",
  summary: "sign and POST a test event to a URL (with --times, --concurrency, --retry)",
  help,
  options: {
    url: { type: "string" },
    secret: { type: "string", multiple: true },
    data: { type: "string" },
    id: { type: "string" },
    times: { type: "string" },
    "fresh-ids": { type: "boolean" },
    concurrency: { type: "string" },
    retry: { type: "boolean" },
    "time-scale": { type: "string" },
    timeout: { type: "string" },
    headers: { type: "string" },
    verbose: { type: "boolean" },
  },
  async run({ values, positionals, provider }, io) {
    const type = eventTypeArg("send", positionals, provider);
    const url = urlOption("send", "--url", values.url);
    const secret = secretsFrom(values.secret, provider, io);
    const times = intOption("--times", values.times, 1, 1_000_000, 1);
    const concurrency = intOption("--concurrency", values.concurrency, 1, 1000, 1);
    const timeoutMs = intOption("--timeout", values.timeout, 1, 3_600_000, provider.timeoutMs);
    const timeScale = numberOption("--time-scale", values["time-scale"], DEFAULT_TIME_SCALE);
    const headers = headerNamesOption(values.headers);
    if (values.id !== undefined && values["fresh-ids"]) throw new CliError("send: --id and --fresh-ids contradict each other: one id for every delivery, or a fresh one each.");
    const overrides = await overridesFrom(values.data, io);
    const { idKey } = provider.envelope;
    const withId = values.id !== undefined && idKey !== undefined ? { ...overrides, [idKey]: values.id } : overrides;

    // Fresh random ids and the real time: a second `send` is a new event, not a duplicate.
    const { createTestEvent } = createTestEventFactory({ random: true });
    const build = () => {
      try {
        return createTestEvent(type as never, withId as never, { provider }) as Record<string, unknown>;
      } catch (err) {
        if (isWebhookError(err)) throw new CliError(`send: ${err.message.replace(/^createTestEvent\([^)]*\): /, `--data makes the ${type} event invalid: `)}`);
        throw err;
      }
    };
    const shared = build();
    const schedule = values.retry ? provider.retrySchedule : [0];
    const single = times === 1;
    const verbose = single || values.verbose === true;

    const results: DeliveryResult[] = [];
    let failed = 0;
    const progress = (final: boolean) => {
      const line = `[${String(results.length).padStart(String(times).length)}/${times}] delivered ${results.length - failed}, failed ${failed}`;
      if (io.stderr.isTTY) io.stderr.write(`\r${line}${final ? "\n" : ""}`);
      else if (final || results.length % Math.max(1, Math.floor(times / 10)) === 0) io.stderr.write(`${line}\n`);
    };
    const deliver = async (index: number) => {
      const result = await simulateDelivery({
        target: url,
        event: values["fresh-ids"] ? build() : shared,
        secret,
        schedule,
        timeScale,
        timeoutMs,
        provider,
        id: values.id,
        headers,
        onAttempt: verbose ? (a) => io.stdout.write(`${single ? "" : `#${index + 1}`}${attemptLine(a, schedule.length)}`) : undefined,
      });
      results.push(result);
      if (!result.delivered) failed++;
      if (!single) progress(false);
    };

    const eventId = idKey !== undefined ? shared[idKey] : undefined;
    io.stdout.write(
      `POST ${url}  ${type}${values["fresh-ids"] ? " (a fresh id each)" : eventId !== undefined ? `  id ${String(eventId)}` : ""}` +
        `${times > 1 ? `  x${times}, ${concurrency} at a time` : ""}${values.retry ? "  with retries" : ""}\n`,
    );
    let next = 0;
    const worker = async () => {
      while (next < times) await deliver(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, times) }, worker));

    if (single) {
      const { delivered, attempts } = results[0]!;
      io.stdout.write(delivered ? `delivered (attempt ${attempts.length})\n` : `not delivered: no 2xx answer in ${attempts.length} attempt(s)\n`);
    } else {
      progress(true);
      io.stdout.write(summary(results, type));
    }
    if (failed > 0) {
      io.stderr.write(`error: ${failed === times && single ? "the endpoint never answered 2xx" : `${failed} of ${times} deliveries never got a 2xx answer`}${values.retry ? "" : " (add --retry to follow the retry schedule)"}.\n`);
      return 1;
    }
    return 0;
  },
});
