import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { addInto, bucketOf, emptyBuckets, percentileOf } from "@/lib/latency-histogram";
import type { EndpointStats, InvocationSummary } from "@/lib/endpoints";
import { getEndpoint } from "@/server/endpoints/manage-endpoints";

/** One endpoint, variant and minute's counts, not saved yet (plain data: it crosses to the router's database thread). */
export interface PendingStats {
  endpointId: string;
  variant: string;
  minute: number;
  count: number;
  clientErrors: number;
  serverErrors: number;
  latencySumMs: number;
  buckets: number[];
  overheadSumMs: number;
  /** Null until an answer of this minute reached a model (e.g. only 4xx answers so far). */
  overheadBuckets: number[] | null;
}

const MINUTE = 60_000;

/** Two histograms that may not exist yet (no answer reached a model), added. */
const mergedBuckets = (into: number[] | null, from: number[] | null): number[] | null => (from ? (into ? addInto(into, from) : from) : into);

/**
 * Counts invocations per endpoint, variant and minute in memory (the router's hot path does no
 * I/O for it); `saveInvocationStats` adds them to `EndpointStat` rows. The web process is the only writer.
 */
export class InvocationStats {
  private pending = new Map<string, PendingStats>();

  /**
   * One answer: its whole latency as the router saw it and, when a model computed it, the model's
   * share (its server's answer time, loopback hop included): the rest is the router's overhead.
   */
  record(endpointId: string, variant: string, status: number, ms: number, modelMs: number | null = null, now = Date.now()): void {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const key = `${endpointId}\u0000${variant}\u0000${minute}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { endpointId, variant, minute, count: 0, clientErrors: 0, serverErrors: 0, latencySumMs: 0, buckets: emptyBuckets(), overheadSumMs: 0, overheadBuckets: null };
      this.pending.set(key, entry);
    }
    entry.count += 1;
    if (status >= 500) entry.serverErrors += 1;
    else if (status >= 400) entry.clientErrors += 1;
    entry.latencySumMs += ms;
    entry.buckets[bucketOf(ms)] += 1;
    if (modelMs !== null) {
      const overhead = Math.max(0, ms - modelMs);
      entry.overheadSumMs += overhead;
      (entry.overheadBuckets ??= emptyBuckets())[bucketOf(overhead)] += 1;
    }
  }

  /** What was counted since the last call (the entries are handed over: the next answers start new ones). */
  take(): PendingStats[] {
    const entries = [...this.pending.values()];
    this.pending.clear();
    return entries;
  }

  /** Puts back entries that could not be saved, adding them to what was counted meanwhile. */
  restore(entries: PendingStats[]): void {
    for (const e of entries) {
      const key = `${e.endpointId}\u0000${e.variant}\u0000${e.minute}`;
      const again = this.pending.get(key);
      if (!again) {
        this.pending.set(key, e);
        continue;
      }
      again.count += e.count;
      again.clientErrors += e.clientErrors;
      again.serverErrors += e.serverErrors;
      again.latencySumMs += e.latencySumMs;
      addInto(again.buckets, e.buckets);
      again.overheadSumMs += e.overheadSumMs;
      again.overheadBuckets = mergedBuckets(again.overheadBuckets, e.overheadBuckets);
    }
  }
}

/**
 * Adds counted entries to their `EndpointStat` rows; returns those to try again at the next flush
 * (a deleted endpoint's counts are dropped).
 */
export async function saveInvocationStats(db: Db, entries: PendingStats[]): Promise<PendingStats[]> {
  const failed: PendingStats[] = [];
  for (const e of entries) {
    const id = { endpointId: e.endpointId, variant: e.variant, minute: new Date(e.minute) };
    try {
      // No interactive transaction: the web process is the only writer of these rows, and on
      // SQLite an open transaction holds the connection (every other query on it would run inside
      // it) while it waits for the worker's writes.
      const row = await db.endpointStat.findUnique({ where: { endpointId_variant_minute: id } });
      const buckets = row ? addInto(JSON.parse(row.buckets) as number[], e.buckets) : e.buckets;
      const merged = mergedBuckets(row?.overheadBuckets ? (JSON.parse(row.overheadBuckets) as number[]) : null, e.overheadBuckets);
      const overhead = merged && JSON.stringify(merged);
      await db.endpointStat.upsert({
        where: { endpointId_variant_minute: id },
        create: { ...id, count: e.count, clientErrors: e.clientErrors, serverErrors: e.serverErrors, latencySumMs: e.latencySumMs, buckets: JSON.stringify(buckets), overheadSumMs: e.overheadSumMs, overheadBuckets: overhead },
        update: {
          count: { increment: e.count },
          clientErrors: { increment: e.clientErrors },
          serverErrors: { increment: e.serverErrors },
          latencySumMs: { increment: e.latencySumMs },
          buckets: JSON.stringify(buckets),
          overheadSumMs: { increment: e.overheadSumMs },
          overheadBuckets: overhead,
        },
      });
    } catch (error) {
      if ((error as { code?: string }).code !== "P2003") failed.push(e);
    }
  }
  return failed;
}

/** A stored or counted row's numbers. */
type StatRow = Omit<PendingStats, "endpointId" | "variant" | "minute">;

function summarize(rows: StatRow[], seconds: number): InvocationSummary {
  const buckets = emptyBuckets();
  const overheadBuckets = emptyBuckets();
  let count = 0;
  let errors = 0;
  let clientErrors = 0;
  let sum = 0;
  let overheadSum = 0;
  for (const r of rows) {
    count += r.count;
    errors += r.serverErrors;
    clientErrors += r.clientErrors;
    sum += r.latencySumMs;
    addInto(buckets, r.buckets);
    overheadSum += r.overheadSumMs;
    if (r.overheadBuckets) addInto(overheadBuckets, r.overheadBuckets);
  }
  const modelAnswers = overheadBuckets.reduce((a, b) => a + b, 0);
  return {
    count,
    rps: count / seconds,
    serverErrorRate: count ? errors / count : 0,
    clientErrorRate: count ? clientErrors / count : 0,
    meanMs: count ? sum / count : null,
    p50Ms: percentileOf(buckets, 50),
    p95Ms: percentileOf(buckets, 95),
    p99Ms: percentileOf(buckets, 99),
    overhead: modelAnswers ? { count: modelAnswers, meanMs: overheadSum / modelAnswers, p50Ms: percentileOf(overheadBuckets, 50), p99Ms: percentileOf(overheadBuckets, 99) } : null,
  };
}

/** The last `minutes` of an endpoint's invocations: per minute, and the last 5 minutes per variant. */
export async function getEndpointStats(db: Db, endpointId: string, principal: Principal, minutes = 60, now = Date.now()): Promise<EndpointStats> {
  const endpoint = await getEndpoint(db, endpointId, principal);
  if (minutes < 1 || minutes > 24 * 60) throw new AppError("validation_failed", "minutes: between 1 and 1440.", { issues: [{ path: "minutes", message: "between 1 and 1440" }] });
  const current = Math.floor(now / MINUTE) * MINUTE;
  const from = current - (minutes - 1) * MINUTE;
  const rows = (await db.endpointStat.findMany({ where: { endpointId, minute: { gte: new Date(from) } }, orderBy: { minute: "asc" } })).map((r) => ({
    ...r,
    minute: r.minute.getTime(),
    buckets: JSON.parse(r.buckets) as number[],
    overheadBuckets: r.overheadBuckets ? (JSON.parse(r.overheadBuckets) as number[]) : null,
  }));
  const series = Array.from({ length: minutes }, (_, i) => {
    const minute = from + i * MINUTE;
    const inMinute = rows.filter((r) => r.minute === minute);
    return { minute: new Date(minute).toISOString(), ...summarize(inMinute, 60) };
  });
  // The current minute is partial: rates over the last 5 minutes count only the seconds gone by.
  const recentFrom = current - 4 * MINUTE;
  const seconds = (now - recentFrom) / 1000;
  const recent = rows.filter((r) => r.minute >= recentFrom);
  return {
    series,
    last5Minutes: summarize(recent, seconds),
    // By name: an update's old and new variant of one name count together.
    variants: [...new Set(endpoint.variants.map((v) => v.name))].map((name) => ({ variant: name, ...summarize(recent.filter((r) => r.variant === name), seconds) })),
  };
}
