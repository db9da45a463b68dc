import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { LOCAL_HOST_NAME, registerLocalHost } from "@/server/hosts/register-local-host";
import { openSecret } from "@/server/crypto/secret-box";
import { toHostView } from "@/server/hosts/host-view";

const db = setupTestDb();
const locals = () => db.computeHost.findMany({ where: { kind: "local" } });

describe("registerLocalHost", () => {
  it("creates the local host with a sealed token and a pending probe", async () => {
    await registerLocalHost(db, { url: "http://127.0.0.1:40001/", token: "first-token-0123456789" });
    const [row] = await locals();
    expect(row).toMatchObject({ name: LOCAL_HOST_NAME, url: "http://127.0.0.1:40001", kind: "local", status: "unknown", enabled: true });
    expect(row.tokenCiphertext).not.toContain("first-token-0123456789");
    expect(openSecret(row.tokenCiphertext!)).toBe("first-token-0123456789");
    expect(toHostView(row).probePending).toBe(true);
  });

  it("updates the same row on every start (upsert)", async () => {
    await registerLocalHost(db, { url: "http://127.0.0.1:40001", token: "first-token-0123456789" });
    const [first] = await locals();
    await db.computeHost.update({
      where: { id: first.id },
      data: { status: "healthy", probeRequestedAt: new Date(Date.now() - 10_000), lastProbedAt: new Date(Date.now() - 5_000) },
    });
    expect(toHostView(await db.computeHost.findUniqueOrThrow({ where: { id: first.id } })).probePending).toBe(false);

    await registerLocalHost(db, { url: "http://127.0.0.1:40002", token: "second-token-0123456789" });

    const rows = await locals();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.id, url: "http://127.0.0.1:40002", status: "unknown" });
    expect(openSecret(rows[0].tokenCiphertext!)).toBe("second-token-0123456789");
    expect(toHostView(rows[0]).probePending).toBe(true);
  });

  it("keeps a local host that an admin disabled disabled", async () => {
    await registerLocalHost(db, { url: "http://127.0.0.1:40001", token: "first-token-0123456789" });
    await db.computeHost.updateMany({ where: { kind: "local" }, data: { enabled: false, status: "disabled" } });
    await registerLocalHost(db, { url: "http://127.0.0.1:40003", token: "third-token-0123456789" });
    const [row] = await locals();
    expect(row).toMatchObject({ enabled: false, status: "disabled", url: "http://127.0.0.1:40003" });
  });

  it("picks another name when a remote host is already called local", async () => {
    await db.computeHost.create({ data: { name: LOCAL_HOST_NAME, url: "http://elsewhere:8888" } });
    await registerLocalHost(db, { url: "http://127.0.0.1:40001", token: "first-token-0123456789" });
    const [row] = await locals();
    expect(row.name).toBe("local (this machine)");
    expect(await db.computeHost.count()).toBe(2);
  });
});
