import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { createUser } from "@/server/users/create-user";
import { createUserInput } from "@/server/users/user-schemas";
import { listUsers } from "@/server/users/list-users";
import { verifyPassword } from "@/server/auth/password";

const db = setupTestDb();

describe("createUser", () => {
  it("creates a user with a normalised email and a hashed password, and audits user.create", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    const input = createUserInput.parse({ email: "  Grace.Hopper@Example.COM ", name: " Grace ", role: "labeler", password: "a long password" });

    const view = await createUser(db, input, admin, "192.0.2.1");

    expect(view).toMatchObject({ email: "grace.hopper@example.com", name: "Grace", role: "labeler", disabled: false, lastSignInAt: null });
    expect(view).not.toHaveProperty("passwordHash");
    const row = await db.user.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.email).toBe("grace.hopper@example.com");
    expect(row.passwordHash).not.toContain("a long password");
    expect(await verifyPassword("a long password", row.passwordHash)).toBe(true);

    const [event] = await auditEvents(db, "user.create");
    expect(event).toMatchObject({ actorId: admin.id, targetType: "user", targetId: view.id, ip: "192.0.2.1" });
    expect(event.detail).toEqual({ email: "grace.hopper@example.com", role: "labeler" });
  });

  it("rejects a duplicate email, whatever its case, with conflict", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    await createUser(db, createUserInput.parse({ email: "dup@example.com", name: "One", role: "viewer", password: "password-1" }), admin);

    const error = await expectAppError(
      createUser(db, createUserInput.parse({ email: "DUP@example.com", name: "Two", role: "viewer", password: "password-2" }), admin),
      "conflict",
    );
    expect(error.message).toContain("dup@example.com");
    expect(await db.user.count({ where: { email: "dup@example.com" } })).toBe(1);
    expect(await auditEvents(db, "user.create")).toHaveLength(1);
  });

  it("validates input: email, role and password length", () => {
    expect(createUserInput.safeParse({ email: "not-an-email", name: "x", role: "viewer", password: "password-1" }).success).toBe(false);
    expect(createUserInput.safeParse({ email: "a@example.com", name: "x", role: "root", password: "password-1" }).success).toBe(false);
    expect(createUserInput.safeParse({ email: "a@example.com", name: "x", role: "viewer", password: "short" }).success).toBe(false);
  });
});

describe("listUsers", () => {
  it("lists admins first, then by email", async () => {
    const { principal: admin } = await makePrincipal(db, "admin");
    for (const [email, role] of [["zed@example.com", "admin"], ["amy@example.com", "viewer"], ["bea@example.com", "labeler"]] as const) {
      await db.user.create({ data: { email, name: email, role, passwordHash: "x" } });
    }
    const users = await listUsers(db);
    const admins = users.filter((u) => u.role === "admin").map((u) => u.email);
    expect(users.map((u) => u.email)).toEqual([...[admin.email, "zed@example.com"].sort(), "amy@example.com", "bea@example.com"]);
    expect(admins).toHaveLength(2);
    for (const u of users) expect(u).not.toHaveProperty("passwordHash");
  });
});
