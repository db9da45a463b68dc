import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makeUser } from "@/test/fixtures";
import { ensureInitialAdmin } from "@/server/users/ensure-initial-admin";
import { setupFirstAdmin, setupFirstAdminInput } from "@/server/users/setup-first-admin";
import { verifyPassword } from "@/server/auth/password";

const db = setupTestDb();

describe("ensureInitialAdmin", () => {
  it("answers needs_setup without both variables, and creates nobody", async () => {
    expect(await ensureInitialAdmin(db, {})).toBe("needs_setup");
    expect(await ensureInitialAdmin(db, { email: "root@example.com" })).toBe("needs_setup");
    expect(await ensureInitialAdmin(db, { password: "long enough pw" })).toBe("needs_setup");
    expect(await db.user.count()).toBe(0);
  });

  it("creates the admin once, then answers exists", async () => {
    expect(await ensureInitialAdmin(db, { email: "Root@Example.com", password: "long enough pw" })).toBe("created");
    const admin = await db.user.findFirstOrThrow();
    expect(admin).toMatchObject({ email: "root@example.com", role: "admin", name: "Administrator", disabled: false });
    expect(await verifyPassword("long enough pw", admin.passwordHash)).toBe(true);

    expect(await ensureInitialAdmin(db, { email: "other@example.com", password: "another password" })).toBe("exists");
    expect(await db.user.count()).toBe(1);
  });

  it("answers exists as soon as any user exists", async () => {
    await makeUser(db, { role: "viewer" });
    expect(await ensureInitialAdmin(db, { email: "root@example.com", password: "long enough pw" })).toBe("exists");
    expect(await db.user.count({ where: { role: "admin" } })).toBe(0);
  });

  it("rejects invalid variables instead of creating a weak admin", async () => {
    await expect(ensureInitialAdmin(db, { email: "root@example.com", password: "short" })).rejects.toBeInstanceOf(ZodError);
    expect(await db.user.count()).toBe(0);
  });
});

describe("setupFirstAdmin", () => {
  it("creates an admin while there are no users, and audits auth.setup_admin", async () => {
    const input = setupFirstAdminInput.parse({ email: " First@Example.com", name: "First", password: "first password" });
    const view = await setupFirstAdmin(db, input, "::ffff:127.0.0.1");
    expect(view).toMatchObject({ email: "first@example.com", name: "First", role: "admin" });
    const [event] = await auditEvents(db, "auth.setup_admin");
    expect(event).toMatchObject({ actorId: view.id, targetId: view.id, ip: "::ffff:127.0.0.1" });
  });

  it("refuses with conflict once any user exists", async () => {
    await makeUser(db, { role: "viewer" });
    const input = setupFirstAdminInput.parse({ email: "late@example.com", name: "Late", password: "late password" });
    await expectAppError(setupFirstAdmin(db, input, "127.0.0.1"), "conflict");
    expect(await db.user.count({ where: { role: "admin" } })).toBe(0);
    expect(await auditEvents(db, "auth.setup_admin")).toHaveLength(0);
  });

  it("succeeds only once", async () => {
    await setupFirstAdmin(db, setupFirstAdminInput.parse({ email: "a@example.com", name: "A", password: "password-a" }), "::1");
    await expectAppError(setupFirstAdmin(db, setupFirstAdminInput.parse({ email: "b@example.com", name: "B", password: "password-b" }), "::1"), "conflict");
    expect(await db.user.count()).toBe(1);
  });

  it("only works from the machine itself: a visitor from the network cannot claim the studio", async () => {
    const input = setupFirstAdminInput.parse({ email: "lan@example.com", name: "LAN", password: "lan password" });
    for (const ip of ["192.0.2.50", "10.0.0.8", "::ffff:192.168.1.2", null]) {
      await expectAppError(setupFirstAdmin(db, input, ip), "forbidden");
    }
    expect(await db.user.count()).toBe(0);
  });
});
