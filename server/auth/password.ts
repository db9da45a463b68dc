import "server-only";
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

// scrypt N=2^15, r=8, p=1: ~100 ms and 32 MiB per hash on a 2-core host, slow enough to make
// offline guessing expensive without letting a burst of sign-ins exhaust memory. The parameters
// are stored in each hash so they can be raised later without invalidating existing passwords.
const N = 2 ** 15;
const r = 8;
const p = 1;
const KEY_LENGTH = 32;
const maxmem = 128 * N * r * 2;

/** Hashes a password with scrypt; the result embeds its parameters and salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Checks a password against a stored hash in constant time; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, rr, pp] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], "base64");
  const expected = Buffer.from(parts[5], "base64");
  // scrypt needs N a power of two; the upper bounds keep a corrupted row from costing gigabytes.
  const sane = n > 1 && n <= 2 ** 20 && (n & (n - 1)) === 0 && rr >= 1 && rr <= 32 && pp >= 1 && pp <= 16;
  if (!sane || expected.length === 0) return false;
  try {
    const key = await scrypt(password, salt, expected.length, { N: n, r: rr, p: pp, maxmem: 128 * n * rr * 2 });
    return timingSafeEqual(key, expected);
  } catch {
    return false;
  }
}

/** A hash of a random password, used to spend the same time when an email is unknown. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString("hex"));
  return decoy;
}
