import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { requireRunAccess } from "@/server/tracking/run-access";
import type { RunStatus } from "@/server/tracking/tracking-schemas";

/**
 * Ends a notebook's or script's run. A job's run ends with its job (the job runner reports the
 * outcome), so ending it here is ignored; ending an ended run keeps its first outcome.
 */
export async function endRun(db: Db, runId: string, status: Exclude<RunStatus, "running">, principal: Principal): Promise<{ status: string }> {
  const run = await requireRunAccess(db, runId, principal, "training:write");
  if (run.jobId || run.status !== "running") return { status: run.status };
  await db.run.updateMany({ where: { id: runId, status: "running" }, data: { status, endedAt: new Date() } });
  return { status };
}
