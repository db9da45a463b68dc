import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { toHostView, type HostView } from "@/server/hosts/host-view";

/** Asks the worker to probe a host now (the "Probe now" button); the probe itself never runs here. */
export async function requestHostProbe(db: Db, hostId: string): Promise<HostView> {
  const host = await db.computeHost.findUnique({ where: { id: hostId }, select: { enabled: true } });
  if (!host) throw new AppError("not_found", "No compute host with that id.");
  if (!host.enabled) throw new AppError("conflict", "This host is disabled. Enable it to probe it.");
  return toHostView(await db.computeHost.update({ where: { id: hostId }, data: { probeRequestedAt: new Date() } }));
}
