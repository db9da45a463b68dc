import "server-only";
import { z } from "zod";
import type { Db } from "@/server/db";

export const listAuditEventsQuery = z.object({
  action: z.string().max(64).optional(),
  actor: z.string().max(200).optional(),
  before: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export type ListAuditEventsQuery = z.infer<typeof listAuditEventsQuery>;

/** Lists audit events, newest first, filtered by action prefix and actor email. */
export async function listAuditEvents(db: Db, query: ListAuditEventsQuery) {
  const events = await db.auditEvent.findMany({
    where: {
      ...(query.action ? { action: { startsWith: query.action } } : {}),
      // Emails are stored lowercase; lowercasing the filter makes it case-insensitive on both databases.
      ...(query.actor ? { actorEmail: { contains: query.actor.trim().toLowerCase() } } : {}),
      ...(query.before ? { at: { lt: new Date(query.before) } } : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: query.limit,
  });
  return events.map((e) => ({
    id: e.id,
    at: e.at.toISOString(),
    action: e.action,
    actorEmail: e.actorEmail,
    targetType: e.targetType,
    targetId: e.targetId,
    ip: e.ip,
    detail: e.detail as Record<string, unknown> | null,
  }));
}
