import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { loadJobFor, getTrainingJob } from "@/server/jobs/list-training-jobs";
import { finishJob } from "@/server/jobs/job-runtime";
import { terminalJobStatuses, type JobStatus } from "@/server/jobs/job-schemas";
import type { JobView } from "@/server/jobs/job-view";

/**
 * Stops a job. One that has not started yet ends at once; a running one is asked to stop (its
 * runner sees the request on its next heartbeat, stops the code and reports), and the worker kills
 * its kernel if it has not stopped within half a minute.
 */
export async function stopTrainingJob(db: Db, jobId: string, actor: Principal, ip?: string | null): Promise<JobView> {
  const job = await loadJobFor(db, jobId, actor, "training:write");
  if (!terminalJobStatuses.includes(job.status as JobStatus) && !job.stopRequestedAt) {
    const reason = `Stopped by ${actor.name}.`;
    const now = new Date();
    if (job.status === "pending") {
      await db.trainingJob.updateMany({ where: { id: jobId, status: "pending" }, data: { stopRequestedAt: now } });
      await finishJob(db, jobId, job.runId, { status: "stopped", reason, exitCode: null, at: now });
    } else {
      await db.trainingJob.updateMany({ where: { id: jobId, stopRequestedAt: null }, data: { stopRequestedAt: now, statusReason: reason } });
    }
    await recordAuditEvent(db, { action: "job.stop", actor, target: { type: "training_job", id: jobId }, ip, detail: { name: job.name } });
  }
  return getTrainingJob(db, jobId, actor);
}
