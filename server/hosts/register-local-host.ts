import "server-only";
import type { Db } from "@/server/db";
import { sealSecret } from "@/server/crypto/secret-box";

export const LOCAL_HOST_NAME = "local";

/**
 * Records the loopback gateway that `npm start` launched. Its port and token are new on every
 * start, so the row is updated each time and probed at once.
 */
export async function registerLocalHost(db: Db, gateway: { url: string; token: string }): Promise<void> {
  const existing = await db.computeHost.findFirst({ where: { kind: "local" } });
  const data = {
    url: gateway.url.replace(/\/+$/, ""),
    tokenCiphertext: sealSecret(gateway.token),
    probeRequestedAt: new Date(),
    status: "unknown",
    statusReason: "Starting…",
  };
  if (existing) {
    await db.computeHost.update({ where: { id: existing.id }, data: existing.enabled ? data : { ...data, status: "disabled", statusReason: "Disabled by an admin." } });
  } else {
    const nameTaken = await db.computeHost.findUnique({ where: { name: LOCAL_HOST_NAME }, select: { id: true } });
    await db.computeHost.create({ data: { ...data, name: nameTaken ? `${LOCAL_HOST_NAME} (this machine)` : LOCAL_HOST_NAME, kind: "local" } });
  }
}
