import "server-only";
import type { Db } from "@/server/db";

// Sign-in attempts are counted per email and per client address within a window. Five failures
// for one email (or 30 from one address, which may be a shared NAT) lock that key for 15 minutes:
// slow enough to stop guessing, short enough that a typo-prone user is not locked out for the day.
// The counters live in the database so every web process shares them.
export const throttlePolicy = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxFailuresPerEmail: 5,
  maxFailuresPerIp: 30,
};

export interface ThrottleKey {
  key: string;
  max: number;
}

export function throttleKeys(email: string, ip: string | null | undefined): ThrottleKey[] {
  const keys = [{ key: `email:${email.trim().toLowerCase()}`, max: throttlePolicy.maxFailuresPerEmail }];
  if (ip) keys.push({ key: `ip:${ip}`, max: throttlePolicy.maxFailuresPerIp });
  return keys;
}

/** Seconds until the latest lock on these keys expires, or 0 when none is locked. */
export async function lockedForSeconds(db: Db, keys: { key: string }[], now = new Date()): Promise<number> {
  const rows = await db.signInThrottle.findMany({ where: { key: { in: keys.map((k) => k.key) } } });
  const until = Math.max(0, ...rows.map((r) => (r.lockedUntil ? r.lockedUntil.getTime() - now.getTime() : 0)));
  return Math.ceil(until / 1000);
}

/**
 * Counts an attempt on every key *before* the password is checked, with an atomic increment, so a
 * burst of parallel guesses cannot all slip past the limit. Returns false when this attempt is over
 * a key's limit (the key is then locked); the caller refuses it without checking the password.
 */
export async function reserveSignInAttempt(db: Db, keys: ThrottleKey[], now = new Date()): Promise<boolean> {
  let allowed = true;
  for (const { key, max } of keys) {
    // A window that has run out (and is not locked) starts again from zero.
    await db.signInThrottle.updateMany({
      where: {
        key,
        windowStart: { lt: new Date(now.getTime() - throttlePolicy.windowMs) },
        OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
      },
      data: { failures: 0, windowStart: now, lockedUntil: null },
    });
    const row = await db.signInThrottle.upsert({
      where: { key },
      create: { key, failures: 1, windowStart: now },
      update: { failures: { increment: 1 } },
    });
    if (row.failures > max) {
      allowed = false;
      if (!row.lockedUntil || row.lockedUntil < now) {
        await db.signInThrottle.update({ where: { key }, data: { lockedUntil: new Date(now.getTime() + throttlePolicy.lockMs) } });
      }
    }
  }
  return allowed;
}

/** After a failed attempt: a key that has now reached its limit is locked. Returns true if any was. */
export async function lockIfExhausted(db: Db, keys: ThrottleKey[], now = new Date()): Promise<boolean> {
  let locked = false;
  for (const { key, max } of keys) {
    const { count } = await db.signInThrottle.updateMany({
      where: { key, failures: { gte: max }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
      data: { lockedUntil: new Date(now.getTime() + throttlePolicy.lockMs) },
    });
    locked ||= count > 0;
  }
  return locked;
}

/**
 * A successful sign-in was not a failure: it clears the email's counter and takes its attempt back
 * off the address's counter (others may share the address, so that one is not cleared).
 */
export async function releaseSignInAttempt(db: Db, keys: ThrottleKey[]): Promise<void> {
  for (const { key } of keys) {
    if (key.startsWith("email:")) await db.signInThrottle.deleteMany({ where: { key } });
    else await db.signInThrottle.updateMany({ where: { key, failures: { gt: 0 } }, data: { failures: { decrement: 1 } } });
  }
}
