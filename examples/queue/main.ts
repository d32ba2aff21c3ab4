// One command for the whole example: a receiver process and a worker process sharing Redis.
//   AGENTREF_WEBHOOK_SECRET=whsec_… npx tsx examples/queue/main.ts          (Ctrl-C stops both)
//   npx tsx examples/queue/main.ts --demo    (a generated secret, and three signed sample deliveries)
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createSignedRequest, generateSecret, sampleEvents } from "agentref-webhooks/testing";

const demo = process.argv.includes("--demo");
const env = { ...process.env };
if (!env.AGENTREF_WEBHOOK_SECRET) {
  if (!demo) throw new Error("Set AGENTREF_WEBHOOK_SECRET (whsec_…), or run with --demo to use a generated one.");
  env.AGENTREF_WEBHOOK_SECRET = generateSecret();
}

interface Started {
  child: ChildProcess;
  /** Resolves with the first output line matching `pattern` (every line is printed anyway). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function start(name: string): Started {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  // The same node flags as this process (tsx's loader included), so TypeScript runs as is.
  const child = spawn(process.execPath, [...process.execArgv, file], { env, stdio: ["ignore", "pipe", "inherit"] });
  const waiters = new Set<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    console.log(`[${name}] ${line}`);
    for (const waiter of waiters) {
      const match = line.match(waiter.pattern);
      if (match) {
        waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  });
  return {
    child,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.add({ pattern, resolve });
        child.once("exit", () => reject(new Error(`${name} exited before printing ${pattern}`)));
      }),
  };
}

const receiver = start("receiver");
const worker = start("worker");
const children = [receiver.child, worker.child];
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  // SIGTERM: the receiver stops accepting, the worker finishes its in-flight jobs.
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((r) => (child.once("exit", r), child.kill("SIGTERM")))),
  );
  process.exit(code);
};
process.once("SIGINT", () => void stop(0));
process.once("SIGTERM", () => void stop(0));
for (const child of children) child.once("exit", (code) => void stop(code ?? 1));

const [[, url]] = await Promise.all([receiver.waitFor(/^listening on (\S+)/), worker.waitFor(/^ready$/)]);
console.log(`receiver on ${url}, worker ready`);

if (demo) {
  for (const type of ["conversion.created", "payout.failed", "affiliate.joined"] as const) {
    // A fresh id per run: a rerun with the same ids would be (correctly) deduplicated.
    const event = { ...sampleEvents[type], id: `msg_demo_${type.replace(".", "_")}_${Date.now()}` };
    const request = await createSignedRequest(event, { secret: env.AGENTREF_WEBHOOK_SECRET, url });
    const response = await fetch(request);
    console.log(`[demo] delivered ${type}: ${response.status}`);
  }
}
