// A worker killed mid-job (SIGKILL: no cleanup, no lock release) loses nothing: BullMQ's
// stalled-job check hands the job to another worker, which completes it.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { bullmqEnqueue, bullmqJobId, createWorker } from "agentref-webhooks/bullmq";
import { sampleEvents } from "../../../src/events/samples.js";
import { redisUrl } from "../../helpers/services.js";
import { signedRequest, TEST_SECRET } from "../../helpers/sign.js";
import { createQueueKit } from "./queue-kit.js";

const url = redisUrl();
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/blocking-worker.ts", import.meta.url));

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code}) before ${pattern}; stderr: ${stderr}`));
    });
  });
}

describe.skipIf(url === undefined)("a worker process killed mid-job", () => {
  const kit = createQueueKit(url ?? "");
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await kit.cleanup();
  });

  it("SIGKILL while the handler runs: another worker retries the job after the stalled check, and it completes once", async () => {
    const queue = kit.queue("stalled");
    const event = { ...sampleEvents["conversion.created"], id: "msg_sigkill" };
    const handler = createHandler({ secret: TEST_SECRET, logger: {}, enqueue: bullmqEnqueue(queue) });
    expect((await handler(signedRequest({ body: JSON.stringify(event) }))).status).toBe(202);
    const jobId = (await bullmqJobId(event.id, { tenant: event.merchantId }));

    const child = spawn(process.execPath, ["--import", "tsx", fixture, queue.name, url ?? ""], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const started = await waitForLine(child, /^started /, 25_000);
    expect(started).toBe(`started ${jobId} attempt=1 ${event.id}`);
    expect(await queue.getJobState(jobId)).toBe("active");

    const exited = new Promise((r) => child.once("exit", (_code, signal) => r(signal)));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    // Dead worker, live lock: the job is still "active" until the lock expires.
    expect(await queue.getJobState(jobId)).toBe("active");

    const runs: { eventId: string; attempt: number }[] = [];
    const stalled: string[] = [];
    const worker = createWorker({
      queueName: queue.name,
      connection: kit.connection,
      logger: {},
      workerOptions: { stalledInterval: 300, lockDuration: 1_000 },
      on: {
        "conversion.created": (e, ctx) => void runs.push({ eventId: e.id, attempt: ctx.attempt }),
      },
    });
    worker.on("stalled", (id) => stalled.push(id));
    kit.defer(() => worker.close());

    await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe("completed"), { timeout: 15_000, interval: 100 });
    expect(stalled).toEqual([jobId]);
    expect(runs).toEqual([{ eventId: event.id, attempt: 1 }]);
    const counts = await queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
