// GET /api/audit – security-relevant events, newest first (admins)
import { route } from "@/server/http/route";
import { listAuditEvents, listAuditEventsQuery } from "@/server/audit/list-audit-events";

export const GET = route({ access: "audit:read", query: listAuditEventsQuery }, async ({ db, query }) => listAuditEvents(db, query));
