import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { can, type Permission, type Role } from "@/lib/roles";

export interface RunAccess {
  runId: string;
  projectId: string;
  experimentId: string;
  status: string;
  source: string;
  jobId: string | null;
  role: Role;
}

interface Row {
  projectId: string;
  experimentId: string;
  status: string;
  source: string;
  jobId: string | null;
  memberRole: string | null;
}

/**
 * The run, if the caller's role in its project allows `permission`. One SQL query: this sits on the
 * metric-ingest path, where each ORM query costs about a millisecond. Non-members get not_found.
 * A job's token may write only to its own job's run.
 */
export async function requireRunAccess(db: Db, runId: string, principal: Principal, permission: Permission): Promise<RunAccess> {
  const rows = await db.$queryRaw<Row[]>`
    SELECT r."projectId", r."experimentId", r."status", r."source", r."jobId", m."role" AS "memberRole"
    FROM "Run" r
    LEFT JOIN "ProjectMember" m ON m."projectId" = r."projectId" AND m."userId" = ${principal.id}
    WHERE r."id" = ${runId}`;
  const row = rows[0];
  const role: Role | null = principal.role === "admin" ? "admin" : ((row?.memberRole as Role | null) ?? null);
  const outOfScope = principal.scope !== undefined && principal.scope.projectId !== row?.projectId;
  if (!row || !role || outOfScope) throw new AppError("not_found", "No run with that id.");
  if (!can(role, permission)) throw new AppError("forbidden", "Your role in this project does not allow this.");
  if (permission.endsWith(":write") && principal.scope?.kind === "job" && row.jobId !== principal.scope.jobId) {
    throw new AppError("forbidden", "A training job's token writes only to that job's run.");
  }
  return { runId, ...row, role };
}
