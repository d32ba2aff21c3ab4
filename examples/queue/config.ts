// Settings shared by the receiver and the worker, from the environment.
export interface QueueExampleConfig {
  /** The endpoint's signing secret (whsec_…). */
  secret: string;
  redisUrl: string;
  /** The BullMQ queue both processes use. */
  queueName: string;
  port: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): QueueExampleConfig {
  const secret = env.AGENTREF_WEBHOOK_SECRET;
  if (!secret) throw new Error("Set AGENTREF_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…).");
  return {
    secret,
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    queueName: env.QUEUE_NAME ?? "agentref-webhooks",
    port: Number(env.PORT ?? 3000),
  };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handle = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("shutdown failed", err);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", handle);
  process.once("SIGINT", handle);
}
