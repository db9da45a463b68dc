import "server-only";
import type { Db } from "@/server/db";
import { driverOf, type DriverTx, type SqlValue } from "@/server/db-driver";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { requireRunAccess } from "@/server/tracking/run-access";
import { encodePoints, type MetricPoint } from "@/server/tracking/metric-chunks";
import { mergeSummary, parseSummary, serializeSummary } from "@/server/tracking/metric-summary";
import type { RunBatchInput } from "@/server/tracking/tracking-schemas";
import { fromWire } from "@/lib/metric-values";

/**
 * Stores one batch from the SDK (or from log lines matched by a job's metric definitions): metric
 * points as one binary chunk per key, params (write-once), tags, and the per-key summaries the
 * runs table reads. A batch whose (source, seq) was stored before is acknowledged and ignored, so
 * a client may re-send after any failure. All or nothing. Straight through the database driver
 * (server/db-driver.ts): through Prisma the chunks' bytes alone cost ~40 ms a batch.
 */
export async function ingestRunBatch(db: Db, runId: string, input: RunBatchInput, principal: Principal): Promise<{ duplicate: boolean }> {
  await requireRunAccess(db, runId, principal, "training:write");
  return driverOf(db).transaction((tx) => writeRunBatchIn(tx, runId, input));
}

/** Inserts rows in slices (SQLite allows 32,766 parameters a statement). */
export async function insertRows(tx: DriverTx, head: string, rows: SqlValue[][], tail = ""): Promise<void> {
  const slice = 500;
  for (let i = 0; i < rows.length; i += slice) {
    const part = rows.slice(i, i + slice);
    const placeholders = part.map((row) => `(${row.map(() => "?").join(", ")})`).join(", ");
    await tx.run(`${head} VALUES ${placeholders} ${tail}`, part.flat());
  }
}

const inList = (values: readonly unknown[]) => values.map(() => "?").join(", ");

/** The write inside a caller's transaction (job logs store their lines and the metrics in them together). */
export async function writeRunBatchIn(tx: DriverTx, runId: string, input: RunBatchInput): Promise<{ duplicate: boolean }> {
  const byKey = new Map<string, MetricPoint[]>();
  for (const m of input.metrics) {
    let points = byKey.get(m.key);
    if (!points) byKey.set(m.key, (points = []));
    points.push({ step: m.step, value: fromWire(m.value), timestamp: m.timestamp });
  }
  const now = new Date();
  // First a write on the run's row: PostgreSQL locks it, SQLite takes its write lock, so two
  // batches for one run never interleave their read-merge-write of the summaries below.
  const touched = await tx.run(`UPDATE "Run" SET "updatedAt" = ? WHERE "id" = ?`, [now, runId]);
  if (touched === 0) throw new AppError("not_found", "No run with that id.");
  const fresh = await tx.run(`INSERT INTO "IngestBatch" ("runId", "source", "seq", "createdAt") VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, [runId, input.source, input.seq, now]);
  if (fresh === 0) return { duplicate: true };

  if (input.params.length > 0) {
    const incoming = new Map(input.params.map((p) => [p.key, p.value]));
    const keys = [...incoming.keys()];
    const existing = await tx.all<{ key: string; value: string }>(`SELECT "key", "value" FROM "RunParam" WHERE "runId" = ? AND "key" IN (${inList(keys)})`, [runId, ...keys]);
    for (const row of existing) {
      if (row.value !== incoming.get(row.key)) {
        throw new AppError("conflict", `Param "${row.key}" was already logged as "${row.value}"; params cannot change (log a metric or a tag instead).`);
      }
      incoming.delete(row.key);
    }
    if (incoming.size > 0) await insertRows(tx, `INSERT INTO "RunParam" ("runId", "key", "value")`, [...incoming].map(([key, value]) => [runId, key, value]));
  }
  if (input.tags.length > 0) {
    const tags = new Map(input.tags.map((t) => [t.key, t.value]));
    await insertRows(tx, `INSERT INTO "RunTag" ("runId", "key", "value")`, [...tags].map(([key, value]) => [runId, key, value]), `ON CONFLICT ("runId", "key") DO UPDATE SET "value" = excluded."value"`);
  }
  if (byKey.size > 0) {
    await insertRows(
      tx,
      `INSERT INTO "MetricChunk" ("runId", "key", "firstStep", "lastStep", "count", "points")`,
      [...byKey].map(([key, points]) => [runId, key, points[0].step, points[points.length - 1].step, points.length, encodePoints(points)]),
    );
    const keys = [...byKey.keys()];
    const current = await tx.all<{ key: string; summary: string }>(`SELECT "key", "summary" FROM "MetricSeries" WHERE "runId" = ? AND "key" IN (${inList(keys)})`, [runId, ...keys]);
    const previous = new Map(current.map((row) => [row.key, parseSummary(row.summary)]));
    await insertRows(
      tx,
      `INSERT INTO "MetricSeries" ("runId", "key", "summary")`,
      keys.map((key) => [runId, key, serializeSummary(mergeSummary(previous.get(key) ?? null, byKey.get(key) ?? []))]),
      `ON CONFLICT ("runId", "key") DO UPDATE SET "summary" = excluded."summary"`,
    );
  }
  return { duplicate: false };
}
