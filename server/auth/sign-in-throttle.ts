import "server-only";
import type { Db } from "@/server/db";

// Failed sign-ins are counted per email and per client address within a sliding window. Five
// failures for one email (or 30 from one address, which may be a shared NAT) lock that key for
// 15 minutes: slow enough to stop guessing, short enough that a typo-prone user is not locked out
// for the day. The counters live in the database so every web process shares them.
export const throttlePolicy = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxFailuresPerEmail: 5,
  maxFailuresPerIp: 30,
};

export function throttleKeys(email: string, ip: string | null | undefined): { key: string; max: number }[] {
  const keys = [{ key: `email:${email.trim().toLowerCase()}`, max: throttlePolicy.maxFailuresPerEmail }];
  if (ip) keys.push({ key: `ip:${ip}`, max: throttlePolicy.maxFailuresPerIp });
  return keys;
}

/** Seconds until the earliest lock on these keys expires, or 0 when none is locked. */
export async function lockedForSeconds(db: Db, keys: { key: string }[], now = new Date()): Promise<number> {
  const rows = await db.signInThrottle.findMany({ where: { key: { in: keys.map((k) => k.key) } } });
  const until = Math.max(0, ...rows.map((r) => (r.lockedUntil ? r.lockedUntil.getTime() - now.getTime() : 0)));
  return Math.ceil(until / 1000);
}

/** Counts one failure on each key; returns true when this failure locked a key. */
export async function recordSignInFailure(db: Db, keys: { key: string; max: number }[], now = new Date()): Promise<boolean> {
  let locked = false;
  for (const { key, max } of keys) {
    const row = await db.signInThrottle.findUnique({ where: { key } });
    const fresh = !row || now.getTime() - row.windowStart.getTime() > throttlePolicy.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= max ? new Date(now.getTime() + throttlePolicy.lockMs) : null;
    locked ||= lockedUntil !== null;
    await db.signInThrottle.upsert({
      where: { key },
      create: { key, failures, windowStart: now, lockedUntil },
      update: { failures, windowStart: fresh ? now : row.windowStart, lockedUntil },
    });
  }
  return locked;
}

/** A successful sign-in clears the email's counter (not the address's: others may share it). */
export async function clearSignInFailures(db: Db, email: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key: `email:${email.trim().toLowerCase()}` } });
}
