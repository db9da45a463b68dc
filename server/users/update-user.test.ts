import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { PASSWORD, auditEvents, expectAppError, makePrincipal, makeUser, principalOf } from "@/test/fixtures";
import { updateUser } from "@/server/users/update-user";
import { verifyPassword } from "@/server/auth/password";

const db = setupTestDb();

describe("updateUser", () => {
  it("changes a role and audits user.role_change with from and to", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    const user = await makeUser(db, { role: "viewer" });

    const view = await updateUser(db, user.id, { role: "data_scientist" }, admin, "192.0.2.9");

    expect(view.role).toBe("data_scientist");
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe("data_scientist");
    const events = await auditEvents(db, "user.role_change");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: admin.id, targetType: "user", targetId: user.id, ip: "192.0.2.9" });
    expect(events[0].detail).toEqual({ email: user.email, from: "viewer", to: "data_scientist" });
  });

  it("does not audit a role change when the role stays the same", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    const user = await makeUser(db, { role: "viewer" });
    await updateUser(db, user.id, { role: "viewer" }, admin);
    expect(await auditEvents(db, "user.role_change")).toHaveLength(0);
  });

  it("refuses to demote or disable the only active admin (conflict)", async () => {
    const { user: admin, principal } = await makePrincipal(db, "admin");
    // A disabled admin does not count as an active one.
    await makeUser(db, { role: "admin", disabled: true });

    await expectAppError(updateUser(db, admin.id, { role: "viewer" }, principal), "conflict");
    const error = await expectAppError(updateUser(db, admin.id, { disabled: true }, principal), "conflict");
    expect(error.message).toMatch(/only active admin/);

    const row = await db.user.findUniqueOrThrow({ where: { id: admin.id } });
    expect(row).toMatchObject({ role: "admin", disabled: false });
    expect(await auditEvents(db, "user.role_change")).toHaveLength(0);
    expect(await auditEvents(db, "user.disable")).toHaveLength(0);
  });

  it("lets an admin be demoted or disabled while another active admin remains", async () => {
    const { user: first, principal } = await makePrincipal(db, "admin");
    const second = await makeUser(db, { role: "admin" });

    await updateUser(db, second.id, { disabled: true }, principal);
    expect(await auditEvents(db, "user.disable")).toHaveLength(1);
    // Now `first` is the only active admin again.
    await expectAppError(updateUser(db, first.id, { role: "labeler" }, principal), "conflict");

    await updateUser(db, second.id, { disabled: false }, principal);
    expect(await auditEvents(db, "user.enable")).toHaveLength(1);
    await expect(updateUser(db, first.id, { role: "labeler" }, principalOf(second))).resolves.toMatchObject({ role: "labeler" });
  });

  it("renames and resets a password, auditing each", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    const user = await makeUser(db, { role: "labeler", name: "Old" });

    await updateUser(db, user.id, { name: "New", password: "brand new password" }, admin);

    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.name).toBe("New");
    expect(await verifyPassword("brand new password", row.passwordHash)).toBe(true);
    expect(await verifyPassword(PASSWORD, row.passwordHash)).toBe(false);
    // A new password ends every session signed with the old one (the JWT carries the version).
    expect(row.sessionVersion).toBe(user.sessionVersion + 1);
    await updateUser(db, user.id, { role: "viewer" }, admin);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).sessionVersion).toBe(user.sessionVersion + 1);
    expect((await auditEvents(db, "user.update"))[0].detail).toEqual({ email: user.email, name: "New" });
    const [reset] = await auditEvents(db, "user.password_reset");
    expect(JSON.stringify(reset)).not.toContain("brand new password");
  });

  it("answers not_found for an unknown user", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    await expectAppError(updateUser(db, "no-such-user", { name: "x" }, admin), "not_found");
  });
});
