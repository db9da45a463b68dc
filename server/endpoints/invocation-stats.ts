import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { addInto, bucketOf, emptyBuckets, percentileOf } from "@/lib/latency-histogram";
import type { EndpointStats, InvocationSummary } from "@/lib/endpoints";
import { getEndpoint } from "@/server/endpoints/manage-endpoints";

interface Pending {
  endpointId: string;
  variant: string;
  minute: number;
  count: number;
  clientErrors: number;
  serverErrors: number;
  latencySumMs: number;
  buckets: number[];
}

const MINUTE = 60_000;

/**
 * Counts invocations per endpoint, variant and minute in memory (the router's hot path does no
 * I/O for it) and adds them to `EndpointStat` rows on flush. The web process is the only writer.
 */
export class InvocationStats {
  private pending = new Map<string, Pending>();

  record(endpointId: string, variant: string, status: number, ms: number, now = Date.now()): void {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const key = `${endpointId}\u0000${variant}\u0000${minute}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { endpointId, variant, minute, count: 0, clientErrors: 0, serverErrors: 0, latencySumMs: 0, buckets: emptyBuckets() };
      this.pending.set(key, entry);
    }
    entry.count += 1;
    if (status >= 500) entry.serverErrors += 1;
    else if (status >= 400) entry.clientErrors += 1;
    entry.latencySumMs += ms;
    entry.buckets[bucketOf(ms)] += 1;
  }

  async flush(db: Db): Promise<void> {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const e of entries) {
      const id = { endpointId: e.endpointId, variant: e.variant, minute: new Date(e.minute) };
      try {
        // No interactive transaction: the web process is the only writer of these rows, and on
        // SQLite an open transaction holds the process's one connection (every other query of the
        // web process would run inside it) while it waits for the worker's writes.
        {
          const row = await db.endpointStat.findUnique({ where: { endpointId_variant_minute: id } });
          const buckets = row ? addInto(JSON.parse(row.buckets) as number[], e.buckets) : e.buckets;
          await db.endpointStat.upsert({
            where: { endpointId_variant_minute: id },
            create: { ...id, count: e.count, clientErrors: e.clientErrors, serverErrors: e.serverErrors, latencySumMs: e.latencySumMs, buckets: JSON.stringify(buckets) },
            update: {
              count: { increment: e.count },
              clientErrors: { increment: e.clientErrors },
              serverErrors: { increment: e.serverErrors },
              latencySumMs: { increment: e.latencySumMs },
              buckets: JSON.stringify(buckets),
            },
          });
        }
      } catch (error) {
        // A deleted endpoint's counts are dropped; anything else is kept for the next flush.
        if ((error as { code?: string }).code === "P2003") continue;
        const key = `${e.endpointId}\u0000${e.variant}\u0000${e.minute}`;
        const again = this.pending.get(key);
        if (again) {
          again.count += e.count;
          again.clientErrors += e.clientErrors;
          again.serverErrors += e.serverErrors;
          again.latencySumMs += e.latencySumMs;
          addInto(again.buckets, e.buckets);
        } else this.pending.set(key, e);
      }
    }
  }
}

function summarize(rows: { count: number; clientErrors: number; serverErrors: number; latencySumMs: number; buckets: number[] }[], seconds: number): InvocationSummary {
  const buckets = emptyBuckets();
  let count = 0;
  let errors = 0;
  let clientErrors = 0;
  let sum = 0;
  for (const r of rows) {
    count += r.count;
    errors += r.serverErrors;
    clientErrors += r.clientErrors;
    sum += r.latencySumMs;
    addInto(buckets, r.buckets);
  }
  return {
    count,
    rps: count / seconds,
    serverErrorRate: count ? errors / count : 0,
    clientErrorRate: count ? clientErrors / count : 0,
    meanMs: count ? sum / count : null,
    p50Ms: percentileOf(buckets, 50),
    p95Ms: percentileOf(buckets, 95),
    p99Ms: percentileOf(buckets, 99),
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
