// Starting, probing and stopping one runtime's server, each step within a deadline.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

/** A server process and what it printed, for the failure message. */
export interface RunningServer {
  origin: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** What to start: a command line and its environment, run in its own process group. */
export interface ServerCommand {
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

/** A free loopback port (asked of the OS, then released for the server to take). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Runs a command to completion (a build step), failing with its output after `timeoutMs`. */
export async function runToCompletion(cmd: ServerCommand, timeoutMs: number): Promise<string> {
  const child = spawnGroup(cmd);
  const output = collect(child);
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      killGroup(child, "SIGKILL");
      resolve(`timed out after ${timeoutMs} ms`);
    }, timeoutMs);
    child.once("exit", (exitCode, signal) => {
      clearTimeout(timer);
      resolve(exitCode ?? String(signal));
    });
  });
  if (code !== 0) throw new Error(`${cmd.command} ${cmd.args.join(" ")}: ${code}\n${output()}`);
  return output();
}

/**
 * Starts a server and waits until `probeUrl` answers anything at all (a GET: the receivers
 * answer 405), or fails with the server's output when it exits or `timeoutMs` passes.
 */
export async function startServer(cmd: ServerCommand, origin: string, probeUrl: string, timeoutMs: number): Promise<RunningServer> {
  if (!existsSync(cmd.command)) throw new Error(`not installed: ${cmd.command} (run npm ci --prefix test/runtimes)`);
  const child = spawnGroup(cmd);
  const output = collect(child);
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${code ?? signal}`));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await gone;
    clearTimeout(timer);
    // Children of the server (workerd under wrangler, Next's workers) share its group.
    killGroup(child, "SIGKILL");
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${cmd.command} ${cmd.args.join(" ")} ${exited} before answering:\n${output()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${cmd.command} ${cmd.args.join(" ")} did not answer ${probeUrl} within ${timeoutMs} ms:\n${output()}`);
    }
    try {
      await fetch(probeUrl, { signal: AbortSignal.timeout(2_000) });
      return { origin, output, stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function spawnGroup(cmd: ServerCommand): ChildProcess {
  return spawn(cmd.command, cmd.args, {
    cwd: cmd.cwd,
    env: { ...process.env, ...cmd.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function collect(child: ChildProcess): () => string {
  let text = "";
  const add = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return () => text;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}
