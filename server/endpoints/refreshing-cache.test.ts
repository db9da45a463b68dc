// The endpoint router's caches: a warm request never waits for the database; entries are re-read
// in the background (on the router's database thread, router-database.ts).
import { afterEach, describe, expect, it } from "vitest";
import { RefreshingCache } from "@/server/endpoints/route-invocations";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const caches: RefreshingCache<number>[] = [];
afterEach(() => caches.splice(0).forEach((c) => c.close()));

function cache(options: { refreshMs: number; maxAgeMs: number; keepMs?: number }) {
  const made = new RefreshingCache<number>(options);
  caches.push(made);
  return made;
}

describe("RefreshingCache", () => {
  it("loads a key once however many ask, then answers from memory while the background re-reads it", async () => {
    let value = 1;
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(5);
      return value;
    };
    const c = cache({ refreshMs: 40, maxAgeMs: 1_000 });
    expect(await Promise.all([c.get("a", load), c.get("a", load)])).toEqual([1, 1]);
    expect(loads).toBe(1);
    expect(c.get("a", load)).toBe(1); // no promise: nothing to wait for
    value = 2;
    await sleep(100);
    expect(loads).toBeGreaterThanOrEqual(2);
    expect(c.get("a", load)).toBe(2);
  });

  it("answers from memory while a slow re-read runs, and makes a request wait only past maxAgeMs", async () => {
    let loads = 0;
    let slowMs = 0;
    const load = async () => {
      await sleep(slowMs);
      return ++loads;
    };
    const c = cache({ refreshMs: 20, maxAgeMs: 200 });
    expect(await c.get("a", load)).toBe(1);
    slowMs = 400; // re-reads now take longer than maxAgeMs
    await sleep(100);
    expect(c.get("a", load)).toBe(1); // a re-read is running: the request does not wait for it
    await sleep(150);
    // Past maxAgeMs with no re-read done: the entry is not used; the request waits for the one running.
    const answer = c.get("a", load);
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(2);
  });

  it("forgets keys nobody asked for in keepMs", async () => {
    let loads = 0;
    const c = cache({ refreshMs: 20, maxAgeMs: 1_000, keepMs: 50 });
    await c.get("a", async () => ++loads);
    await sleep(150);
    const settled = loads;
    await sleep(60);
    expect(loads).toBe(settled); // no longer refreshed
    expect(c.get("a", async () => 100)).toBeInstanceOf(Promise); // and loaded again when asked
  });
});
