import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { revokeJobTokens } from "@/server/tokens/scoped-tokens";
import { loadJobFor } from "@/server/jobs/list-training-jobs";
import { jobInputsSchema } from "@/server/jobs/job-view";
import { metricPointsFromLogs } from "@/server/jobs/log-metrics";
import { insertRows, writeRunBatchIn } from "@/server/tracking/ingest-run-batch";
import { parseSummary } from "@/server/tracking/metric-summary";
import { driverOf } from "@/server/db-driver";
import { terminalJobStatuses, type JobLogsInput, type JobStatus } from "@/server/jobs/job-schemas";
import { z } from "zod";
import { metricDefinitionSchema } from "@/server/jobs/job-schemas";

// What the job runner inside the job's kernel calls (server/jobs/run-training-jobs.ts starts it):
// the job's spec, its log lines, heartbeats and its outcome. Everything is idempotent, because the
// runner re-sends whatever the studio did not acknowledge (a restart of the web process, say).

// A heartbeat is a database write; once every few seconds is plenty to tell "alive" from "gone".
const HEARTBEAT_RESOLUTION_MS = 2_000;

async function runtimeJob(db: Db, jobId: string, principal: Principal) {
  return loadJobFor(db, jobId, principal, "training:write");
}

export interface JobSpec {
  id: string;
  name: string;
  attempt: number;
  runId: string | null;
  sourceType: string;
  entryPoint: string | null;
  codeFilename: string | null;
  algorithm: string | null;
  hyperparameters: Record<string, string>;
  inputs: { channel: string; datasetId: string; datasetVersionId: string; name: string; version: number; format: string; filename: string; downloadPath: string }[];
  codePath: string | null;
  maxRuntimeSeconds: number;
}

export async function getJobSpec(db: Db, jobId: string, principal: Principal): Promise<JobSpec> {
  const job = await runtimeJob(db, jobId, principal);
  const inputs = jobInputsSchema.parse(job.inputs);
  const versions = await db.datasetVersion.findMany({
    where: { id: { in: inputs.map((i) => i.datasetVersionId) } },
    select: { id: true, version: true, format: true, filename: true, datasetId: true, dataset: { select: { name: true } } },
  });
  return {
    id: job.id,
    name: job.name,
    attempt: job.attempt,
    runId: job.runId,
    sourceType: job.sourceType,
    entryPoint: job.entryPoint,
    codeFilename: job.codeFilename,
    algorithm: job.algorithm,
    hyperparameters: z.record(z.string(), z.string()).parse(job.hyperparameters),
    inputs: inputs.map((i) => {
      const v = versions.find((x) => x.id === i.datasetVersionId);
      if (!v) throw new AppError("conflict", `The dataset version of input "${i.channel}" was deleted.`);
      return {
        channel: i.channel,
        datasetId: v.datasetId,
        datasetVersionId: v.id,
        name: v.dataset.name,
        version: v.version,
        format: v.format,
        filename: v.filename,
        downloadPath: `/api/datasets/${v.datasetId}/versions/${v.version}/download`,
      };
    }),
    codePath: job.codeKey ? `/api/jobs/${job.id}/code` : null,
    maxRuntimeSeconds: job.maxRuntimeSeconds,
  };
}

export async function getJobCodeKey(db: Db, jobId: string, principal: Principal): Promise<{ key: string; filename: string }> {
  const job = await loadJobFor(db, jobId, principal, "training:read");
  if (!job.codeKey) throw new AppError("not_found", "This job runs a built-in algorithm; it has no code file.");
  return { key: job.codeKey, filename: job.codeFilename ?? "code" };
}

/** A stop request the runner should act on (a user's Stop, or the job's time limit). */
function stopWanted(job: { stopRequestedAt: Date | null }): boolean {
  return job.stopRequestedAt !== null;
}

/**
 * Stores log chunks (each (attempt, seq) once), turns lines matching the job's metric definitions
 * into metric points of its run in the same transaction, and notes the heartbeat.
 */
export async function appendJobLogs(db: Db, jobId: string, input: JobLogsInput, principal: Principal): Promise<{ stop: boolean; stored: number }> {
  const job = await runtimeJob(db, jobId, principal);
  if (input.attempt !== job.attempt) return { stop: true, stored: 0 };
  const definitions = z.array(metricDefinitionSchema).parse(job.metricDefinitions);
  const stored = await driverOf(db).transaction(async (tx) => {
    const seqs = [...new Set(input.chunks.map((c) => c.seq))];
    if (seqs.length === 0) return 0;
    const existing = await tx.all<{ seq: number }>(`SELECT "seq" FROM "JobLogChunk" WHERE "jobId" = ? AND "attempt" = ? AND "seq" IN (${seqs.map(() => "?").join(", ")})`, [jobId, input.attempt, ...seqs]);
    const seen = new Set(existing.map((e) => Number(e.seq)));
    // New chunks only, each once even if a request repeats one.
    const fresh: JobLogsInput["chunks"] = [];
    for (const chunk of input.chunks) {
      if (seen.has(chunk.seq)) continue;
      seen.add(chunk.seq);
      fresh.push(chunk);
    }
    if (fresh.length === 0) return 0;
    const now = new Date();
    await insertRows(
      tx,
      `INSERT INTO "JobLogChunk" ("jobId", "attempt", "seq", "stream", "text", "lineCount", "createdAt")`,
      fresh.map((c) => [jobId, input.attempt, c.seq, c.stream, c.text, c.text.split("\n").length - (c.text.endsWith("\n") ? 1 : 0), now]),
    );
    if (job.runId && definitions.length > 0) {
      const lines = fresh.filter((c) => c.stream !== "system").flatMap((c) => c.text.split("\n"));
      const found = metricPointsFromLogs(definitions, lines, now.getTime());
      if (found.length > 0) {
        const keys = [...new Set(found.map((f) => f.key))];
        const counts = await tx.all<{ key: string; summary: string }>(`SELECT "key", "summary" FROM "MetricSeries" WHERE "runId" = ? AND "key" IN (${keys.map(() => "?").join(", ")})`, [job.runId, ...keys]);
        const next = new Map(counts.map((c) => [c.key, parseSummary(c.summary).count]));
        const metrics = found.map((f) => {
          const step = next.get(f.key) ?? 0;
          next.set(f.key, step + 1);
          return { ...f, step };
        });
        // Source and seq make this batch as unique as the chunks it came from.
        await writeRunBatchIn(tx, job.runId, { source: `logs:${input.attempt}`, seq: fresh[0].seq, metrics, params: [], tags: [] });
      }
    }
    return fresh.length;
  });
  await noteHeartbeat(db, job);
  return { stop: stopWanted(job), stored };
}

async function noteHeartbeat(db: Db, job: { id: string; lastHeartbeatAt: Date | null }): Promise<void> {
  const now = new Date();
  if (job.lastHeartbeatAt && now.getTime() - job.lastHeartbeatAt.getTime() < HEARTBEAT_RESOLUTION_MS) return;
  await db.trainingJob.update({ where: { id: job.id }, data: { lastHeartbeatAt: now } });
}

export async function jobHeartbeat(db: Db, jobId: string, attempt: number, principal: Principal): Promise<{ stop: boolean }> {
  const job = await runtimeJob(db, jobId, principal);
  if (attempt !== job.attempt || terminalJobStatuses.includes(job.status as JobStatus)) return { stop: true };
  await noteHeartbeat(db, job);
  return { stop: stopWanted(job) };
}

/**
 * The runner's report: running once the code starts, then its outcome. A report for an older
 * attempt, or after the job already ended, changes nothing. The job's token is revoked at the end.
 */
export async function reportJobStatus(
  db: Db,
  jobId: string,
  report: { attempt: number; status: "running" | "completed" | "failed" | "stopped"; exitCode?: number; reason?: string },
  principal: Principal,
): Promise<{ ok: true }> {
  const job = await runtimeJob(db, jobId, principal);
  if (report.attempt !== job.attempt || terminalJobStatuses.includes(job.status as JobStatus)) return { ok: true };
  const now = new Date();
  if (report.status === "running") {
    await db.trainingJob.updateMany({ where: { id: jobId, status: { in: ["pending", "starting"] } }, data: { status: "running", statusReason: null, startedAt: job.startedAt ?? now, lastHeartbeatAt: now } });
    return { ok: true };
  }
  let status: JobStatus = report.status;
  let reason = report.reason?.trim() || null;
  if (status === "stopped" || (status === "failed" && job.stopRequestedAt)) {
    // The runner stopped because it was asked to: the request's reason says why (user or time limit).
    status = job.statusReason?.startsWith("MaxRuntimeExceeded") ? "failed" : "stopped";
    reason = job.statusReason ?? reason;
  } else if (status === "failed" && !reason) {
    reason = report.exitCode !== undefined ? `The job's code exited with code ${report.exitCode}.` : "The job failed.";
  }
  await finishJob(db, jobId, job.runId, { status, reason, exitCode: report.exitCode ?? null, at: now });
  return { ok: true };
}

/** Marks a job (and its run) ended. Shared with the worker, which ends jobs whose kernel vanished. */
export async function finishJob(db: Db, jobId: string, runId: string | null, outcome: { status: JobStatus; reason: string | null; exitCode: number | null; at: Date }): Promise<boolean> {
  const ended = await db.trainingJob.updateMany({
    where: { id: jobId, status: { notIn: [...terminalJobStatuses] } },
    data: { status: outcome.status, statusReason: outcome.reason, exitCode: outcome.exitCode, endedAt: outcome.at },
  });
  if (ended.count === 0) return false;
  if (runId) await db.run.updateMany({ where: { id: runId }, data: { status: outcome.status === "completed" ? "completed" : outcome.status === "stopped" ? "stopped" : "failed", endedAt: outcome.at } });
  await revokeJobTokens(db, jobId);
  return true;
}
