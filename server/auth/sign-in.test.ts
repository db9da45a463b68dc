import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { PASSWORD, auditEvents, expectAppError, makeUser } from "@/test/fixtures";
import { SIGN_IN_FAILED, signIn } from "@/server/auth/sign-in";
import { throttlePolicy } from "@/server/auth/sign-in-throttle";

const db = setupTestDb();
const IP = "203.0.113.7";

describe("signIn", () => {
  it("signs in with the right password, updates lastSignInAt and audits auth.sign_in", async () => {
    const user = await makeUser(db, { email: "ada@example.com", role: "admin" });
    expect(user.lastSignInAt).toBeNull();
    const before = Date.now();

    const view = await signIn(db, { email: "  Ada@Example.COM ", password: PASSWORD, ip: IP });

    expect(view).toMatchObject({ id: user.id, email: "ada@example.com", role: "admin" });
    expect(view).not.toHaveProperty("passwordHash");
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.lastSignInAt).not.toBeNull();
    expect(row.lastSignInAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(view.lastSignInAt).toBe(row.lastSignInAt!.toISOString());
    const events = await auditEvents(db, "auth.sign_in");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, actorEmail: "ada@example.com", targetType: "user", targetId: user.id, ip: IP });
  });

  it("rejects a wrong password and an unknown email with the same unauthorized error", async () => {
    const user = await makeUser(db, { email: "bob@example.com" });

    const wrong = await expectAppError(signIn(db, { email: "bob@example.com", password: "not the password", ip: IP }), "unauthorized");
    const unknown = await expectAppError(signIn(db, { email: "nobody@example.com", password: PASSWORD, ip: IP }), "unauthorized");

    expect(wrong.message).toBe(SIGN_IN_FAILED);
    expect(unknown.message).toBe(wrong.message);
    expect(wrong.status).toBe(401);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt).toBeNull();
    expect(await auditEvents(db, "auth.sign_in")).toHaveLength(0);

    const failures = await auditEvents(db, "auth.sign_in_failed");
    expect(failures.map((e) => [e.actorEmail, e.actorId, e.ip, (e.detail as { reason: string }).reason])).toEqual([
      ["bob@example.com", user.id, IP, "wrong_password"],
      ["nobody@example.com", null, IP, "unknown_email"],
    ]);
  });

  it("does not let a disabled user sign in, even with the right password", async () => {
    const user = await makeUser(db, { email: "gone@example.com", disabled: true });
    const error = await expectAppError(signIn(db, { email: "gone@example.com", password: PASSWORD }), "unauthorized");
    expect(error.message).toBe(SIGN_IN_FAILED);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt).toBeNull();
    const [event] = await auditEvents(db, "auth.sign_in_failed");
    expect(event.detail).toMatchObject({ reason: "disabled" });
  });

  it("locks an email after 5 failures: the 6th attempt is rate_limited even with the right password", async () => {
    expect(throttlePolicy.maxFailuresPerEmail).toBe(5);
    await makeUser(db, { email: "carol@example.com" });
    for (let i = 1; i <= 5; i++) {
      await expectAppError(signIn(db, { email: "carol@example.com", password: `guess-${i}`, ip: `198.51.100.${i}` }), "unauthorized");
    }
    const failures = await auditEvents(db, "auth.sign_in_failed");
    expect(failures).toHaveLength(5);
    expect(failures.map((e) => (e.detail as { locked: boolean }).locked)).toEqual([false, false, false, false, true]);

    const locked = await expectAppError(signIn(db, { email: "Carol@example.com", password: PASSWORD, ip: "198.51.100.99" }), "rate_limited");
    expect(locked.status).toBe(429);
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    expect(locked.retryAfterSeconds).toBeLessThanOrEqual(throttlePolicy.lockMs / 1000);
    expect(locked.message).toMatch(/Too many failed sign-ins/);
    expect(await auditEvents(db, "auth.sign_in")).toHaveLength(0);
    expect(await auditEvents(db, "auth.sign_in_locked")).toHaveLength(1);

    // The lock is per email: another account still signs in.
    await makeUser(db, { email: "dave@example.com" });
    await expect(signIn(db, { email: "dave@example.com", password: PASSWORD })).resolves.toMatchObject({ email: "dave@example.com" });
  });

  it("clears an email's failure count after a successful sign-in", async () => {
    await makeUser(db, { email: "erin@example.com" });
    for (let i = 0; i < 4; i++) await expectAppError(signIn(db, { email: "erin@example.com", password: "nope-nope" }), "unauthorized");
    await signIn(db, { email: "erin@example.com", password: PASSWORD });
    // Had the counter not been cleared, this failure would be the 5th and lock the account.
    await expectAppError(signIn(db, { email: "erin@example.com", password: "nope-nope" }), "unauthorized");
    await expect(signIn(db, { email: "erin@example.com", password: PASSWORD })).resolves.toMatchObject({ email: "erin@example.com" });
  });

  it("counts a burst of parallel guesses atomically: only 5 passwords are ever checked", async () => {
    await makeUser(db, { email: "frank@example.com" });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => signIn(db, { email: "frank@example.com", password: `burst-${i}`, ip: "203.0.113.7" })),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : "ok"));
    expect(codes.filter((c) => c === "unauthorized")).toHaveLength(5);
    expect(codes.filter((c) => c === "rate_limited")).toHaveLength(15);
    expect(await auditEvents(db, "auth.sign_in_failed")).toHaveLength(5);
    // And the right password is refused while the lock holds.
    await expectAppError(signIn(db, { email: "frank@example.com", password: PASSWORD }), "rate_limited");
  });

  it("refuses absurdly long input without touching the database", async () => {
    await expectAppError(signIn(db, { email: `${"a".repeat(3000)}@example.com`, password: "x".repeat(10) }), "unauthorized");
    await expectAppError(signIn(db, { email: "a@example.com", password: "x".repeat(300) }), "unauthorized");
    expect(await db.signInThrottle.count()).toBe(0);
  });
});
