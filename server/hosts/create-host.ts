import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { sealSecret } from "@/server/crypto/secret-box";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import type { Principal } from "@/server/auth/principal";
import type { createHostInput } from "@/server/hosts/host-schemas";
import { toHostView, type HostView } from "@/server/hosts/host-view";

/** Registers a remote gateway; the worker probes it right away and records what it finds. */
export async function createHost(
  db: Db,
  input: z.infer<typeof createHostInput>,
  actor: Principal,
  ip?: string | null,
): Promise<HostView> {
  if (await db.computeHost.findUnique({ where: { name: input.name }, select: { id: true } })) {
    throw new AppError("conflict", `A host named "${input.name}" already exists.`, { issues: [{ path: "name", message: "is taken" }] });
  }
  const row = await db.computeHost.create({
    data: {
      name: input.name,
      url: input.url,
      tokenCiphertext: input.token ? sealSecret(input.token) : null,
      kind: "remote",
      enabled: input.enabled,
      status: input.enabled ? "unknown" : "disabled",
      probeRequestedAt: input.enabled ? new Date() : null,
    },
  });
  await recordAuditEvent(db, {
    action: "host.create",
    actor,
    target: { type: "host", id: row.id },
    ip,
    detail: { name: row.name, url: row.url, withToken: Boolean(input.token) },
  });
  return toHostView(row);
}
