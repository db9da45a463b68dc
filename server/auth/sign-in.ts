import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { decoyHash, verifyPassword } from "@/server/auth/password";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { lockIfExhausted, lockedForSeconds, releaseSignInAttempt, reserveSignInAttempt, throttleKeys } from "@/server/auth/sign-in-throttle";
import { toUserView, type UserView } from "@/server/users/user-view";

/** The one message for every failed sign-in, so it never tells whether an email exists. */
export const SIGN_IN_FAILED = "Incorrect email or password.";

export function lockedMessage(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Checks an email and password, with rate limiting and audit; returns the user and its session version. */
export async function signIn(
  db: Db,
  input: { email: string; password: string; ip?: string | null },
): Promise<UserView & { sessionVersion: number }> {
  const email = input.email.trim().toLowerCase();
  // Longer than any email or password the studio accepts: refuse before touching the database.
  if (!email || email.length > 254 || !input.password || input.password.length > 256) {
    throw new AppError("unauthorized", SIGN_IN_FAILED);
  }
  const keys = throttleKeys(email, input.ip);
  const refuse = async () => {
    const wait = Math.max(60, await lockedForSeconds(db, keys));
    await recordAuditEvent(db, { action: "auth.sign_in_locked", actorEmail: email, ip: input.ip });
    throw new AppError("rate_limited", lockedMessage(wait), { retryAfterSeconds: wait });
  };
  if ((await lockedForSeconds(db, keys)) > 0) await refuse();
  if (!(await reserveSignInAttempt(db, keys))) await refuse();

  const user = await db.user.findUnique({ where: { email } });
  // Unknown emails still pay for one hash so response time does not reveal which emails exist.
  const ok = user ? await verifyPassword(input.password, user.passwordHash) : (await verifyPassword(input.password, await decoyHash()), false);

  if (!user || !ok || user.disabled) {
    const locked = await lockIfExhausted(db, keys);
    await recordAuditEvent(db, {
      action: "auth.sign_in_failed",
      actor: user ?? null,
      actorEmail: email,
      ip: input.ip,
      detail: { reason: !user ? "unknown_email" : !ok ? "wrong_password" : "disabled", locked },
    });
    throw new AppError("unauthorized", SIGN_IN_FAILED);
  }

  await releaseSignInAttempt(db, keys);
  const updated = await db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
  await recordAuditEvent(db, { action: "auth.sign_in", actor: user, target: { type: "user", id: user.id }, ip: input.ip });
  return { ...toUserView(updated), sessionVersion: updated.sessionVersion };
}
