import "server-only";
import type { Db } from "@/server/db";
import type { AuditAction } from "@/server/audit/audit-actions";

export interface AuditInput {
  action: AuditAction;
  actor?: { id: string; email: string } | null;
  /** For events without a signed-in actor, such as a failed sign-in. */
  actorEmail?: string;
  target?: { type: string; id: string };
  ip?: string | null;
  /** Never put secrets here: the audit log is shown to admins. */
  detail?: Record<string, unknown>;
}

/** Appends one event to the audit log. */
export async function recordAuditEvent(db: Db, input: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      action: input.action,
      actorId: input.actor?.id ?? null,
      actorEmail: input.actor?.email ?? input.actorEmail ?? null,
      targetType: input.target?.type ?? null,
      targetId: input.target?.id ?? null,
      ip: input.ip ?? null,
      detail: (input.detail ?? undefined) as never,
    },
  });
}
