import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";

/** Removes a remote host from the studio (the gateway itself keeps running). */
export async function deleteHost(db: Db, hostId: string, actor: Principal, ip?: string | null): Promise<void> {
  const host = await db.computeHost.findUnique({ where: { id: hostId } });
  if (!host) throw new AppError("not_found", "No compute host with that id.");
  if (host.kind === "local") throw new AppError("conflict", "The local host is managed by `npm start`; disable it instead.");
  await db.computeHost.delete({ where: { id: hostId } });
  await recordAuditEvent(db, { action: "host.delete", actor, target: { type: "host", id: hostId }, ip, detail: { name: host.name, url: host.url } });
}
