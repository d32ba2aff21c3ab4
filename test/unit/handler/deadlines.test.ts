import { afterEach, describe, expect, it, vi } from "vitest";
import { startDeadline } from "../../../src/handler/deadlines.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("startDeadline: body-read deadlines on a shared timer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires a read that is not stopped, and only after its timeout", async () => {
    const expired = vi.fn();
    const started = Date.now();
    startDeadline(40, () => expired(Date.now() - started));
    await sleep(10);
    expect(expired).not.toHaveBeenCalled();
    await sleep(120);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(expired.mock.calls[0]![0]).toBeGreaterThanOrEqual(39);
  });

  it("never expires a read that was stopped in time", async () => {
    const expired = vi.fn();
    const stop = startDeadline(30, expired);
    stop();
    await sleep(100);
    expect(expired).not.toHaveBeenCalled();
  });

  it("expires each read at its own deadline when several share one timer", async () => {
    const order: string[] = [];
    const stopA = startDeadline(50, () => order.push("a"));
    await sleep(20);
    startDeadline(50, () => order.push("b"));
    stopA();
    await sleep(40); // a's deadline has passed, b's not yet
    expect(order).toEqual([]);
    await sleep(100);
    expect(order).toEqual(["b"]);
  });

  it("keeps timeouts of different lengths apart", async () => {
    const order: string[] = [];
    startDeadline(120, () => order.push("long"));
    startDeadline(20, () => order.push("short"));
    await sleep(70);
    expect(order).toEqual(["short"]);
    await sleep(150);
    expect(order).toEqual(["short", "long"]);
  });

  it("one throwing expiry does not keep the others from expiring", async () => {
    const after = vi.fn();
    startDeadline(20, () => {
      throw new Error("cleanup failed");
    });
    startDeadline(20, after);
    await sleep(100);
    expect(after).toHaveBeenCalledTimes(1);
  });

  it("recovers when its timer was lost (armed under fake timers that were then uninstalled)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const stop = startDeadline(25, () => {});
    stop();
    vi.useRealTimers();
    // The fake timer never fires; a read started once it is overdue arms a real one.
    await sleep(80);
    const expired = vi.fn();
    startDeadline(25, expired);
    await sleep(120);
    expect(expired).toHaveBeenCalledTimes(1);
  });
});
