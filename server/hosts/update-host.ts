import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { sealSecret } from "@/server/crypto/secret-box";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import type { updateHostInput } from "@/server/hosts/host-schemas";
import { toHostView, type HostView } from "@/server/hosts/host-view";

/** Edits a host (name, URL, token, enabled) and asks the worker to probe it again. */
export async function updateHost(
  db: Db,
  hostId: string,
  input: z.infer<typeof updateHostInput>,
  actor: Principal,
  ip?: string | null,
): Promise<HostView> {
  const host = await db.computeHost.findUnique({ where: { id: hostId } });
  if (!host) throw new AppError("not_found", "No compute host with that id.");
  if (host.kind === "local" && (input.url !== undefined || input.token !== undefined)) {
    throw new AppError("validation_failed", "The local host's URL and token are managed by `npm start`.", {
      issues: [{ path: input.url !== undefined ? "url" : "token", message: "cannot be changed on the local host" }],
    });
  }
  if (input.name && input.name !== host.name && (await db.computeHost.findUnique({ where: { name: input.name }, select: { id: true } }))) {
    throw new AppError("conflict", `A host named "${input.name}" already exists.`, { issues: [{ path: "name", message: "is taken" }] });
  }
  const enabled = input.enabled ?? host.enabled;
  const row = await db.computeHost.update({
    where: { id: hostId },
    data: {
      name: input.name,
      url: input.url,
      tokenCiphertext: input.token === undefined ? undefined : input.token ? sealSecret(input.token) : null,
      enabled,
      ...(enabled
        ? { probeRequestedAt: new Date(), ...(host.enabled ? {} : { status: "unknown", statusReason: null }) }
        : { status: "disabled", statusReason: "Disabled by an admin.", probeRequestedAt: null }),
    },
  });
  await recordAuditEvent(db, {
    action: "host.update",
    actor,
    target: { type: "host", id: hostId },
    ip,
    detail: {
      name: row.name,
      changed: Object.keys(input).filter((k) => k !== "token"),
      ...(input.token !== undefined ? { token: input.token ? "replaced" : "removed" } : {}),
    },
  });
  return toHostView(row);
}
