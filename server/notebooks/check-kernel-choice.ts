import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { KernelSpecSummary } from "@/server/hosts/host-status";

/** Checks that a chosen host exists and, once the host has been probed, offers the chosen kernel spec. */
export async function checkKernelChoice(db: Db, hostId: string | null | undefined, kernelName: string | null | undefined): Promise<void> {
  if (!hostId) return;
  const host = await db.computeHost.findUnique({ where: { id: hostId }, select: { name: true, kernelSpecs: true } });
  if (!host) throw new AppError("validation_failed", "No compute host with that id.", { issues: [{ path: "hostId", message: "unknown host" }] });
  const specs = (host.kernelSpecs as KernelSpecSummary[] | null) ?? [];
  if (kernelName && specs.length > 0 && !specs.some((k) => k.name === kernelName)) {
    throw new AppError("validation_failed", `Host ${host.name} has no kernel spec "${kernelName}" (it offers ${specs.map((k) => k.name).join(", ")}).`, {
      issues: [{ path: "kernelName", message: "not offered by this host" }],
    });
  }
}
