// examples/queue runs as documented: one command starts a receiver process and a
// worker process; signed deliveries are answered 202 and then processed by the worker.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sampleEvents } from "../../../src/events/samples.js";
import { send } from "../../helpers/http.js";
import { redisUrl } from "../../helpers/services.js";
import { signDelivery, TEST_SECRET } from "../../helpers/sign.js";
import { uniqueQueueName } from "./queue-kit.js";

const url = redisUrl();
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const main = fileURLToPath(new URL("../../../examples/queue/main.ts", import.meta.url));

describe.skipIf(url === undefined)("examples/queue", () => {
  let child: ChildProcess | undefined;
  let queueName = "";
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    const queue = new Queue(queueName, { connection: { url: url ?? "" } });
    await queue.obliterate({ force: true });
    await queue.close();
    const redis = new Redis(url ?? "");
    const keys = await redis.keys(`${queueName}:effects:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("receiver + worker: three events (one delivered twice) answered 202, each processed once; SIGTERM stops both cleanly", async () => {
    queueName = uniqueQueueName("example");
    child = spawn(process.execPath, ["--import", "tsx", main], {
      cwd: repoRoot,
      env: { ...process.env, AGENTREF_WEBHOOK_SECRET: TEST_SECRET, REDIS_URL: url, QUEUE_NAME: queueName, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));

    await vi.waitFor(
      () => {
        if (child?.exitCode !== null) throw new Error(`example exited early: ${stderr}`);
        expect(lines.some((l) => l.startsWith("receiver on http://"))).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(lines.find((l) => l.startsWith("receiver on"))!)![1]);

    const events = [
      { ...sampleEvents["conversion.created"], id: "msg_example_1" },
      { ...sampleEvents["payout.failed"], id: "msg_example_2" },
      { ...sampleEvents["affiliate.joined"], id: "msg_example_3" },
    ];
    const deliveries = [...events, events[0]!];
    const answers = await Promise.all(
      deliveries.map((event) => {
        const body = JSON.stringify(event);
        return send(port, { path: "/webhooks/agentref", body, headers: signDelivery({ body }) });
      }),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);

    const processed = () => lines.filter((l) => l.startsWith("[worker] processed"));
    await vi.waitFor(() => expect(processed()).toHaveLength(3), { timeout: 15_000, interval: 100 });
    expect(processed().sort()).toEqual([
      "[worker] processed affiliate.joined msg_example_3 attempt=1",
      "[worker] processed conversion.created msg_example_1 attempt=1 credit=done",
      `[worker] processed payout.failed msg_example_2 attempt=1 reason=${sampleEvents["payout.failed"].data.failureReason}`,
    ]);

    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Nothing arrived after the three: the duplicate delivery made no second job.
    expect(processed()).toHaveLength(3);
  });
});
