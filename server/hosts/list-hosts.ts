import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { toHostView, type HostView } from "@/server/hosts/host-view";

/** Lists compute hosts, the local one first. */
export async function listHosts(db: Db): Promise<HostView[]> {
  const rows = await db.computeHost.findMany({ orderBy: [{ kind: "asc" }, { name: "asc" }] });
  return rows.map(toHostView);
}

/** One compute host by id. */
export async function getHost(db: Db, hostId: string): Promise<HostView> {
  const row = await db.computeHost.findUnique({ where: { id: hostId } });
  if (!row) throw new AppError("not_found", "No compute host with that id.");
  return toHostView(row);
}
