import { randomBytes, scryptSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decoyHash, hashPassword, verifyPassword } from "@/server/auth/password";

describe("hashPassword / verifyPassword", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("s3cret passphrase");
    expect(await verifyPassword("s3cret passphrase", hash)).toBe(true);
    expect(await verifyPassword("s3cret passphrasE", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("embeds algorithm, parameters, a 16-byte salt and a 32-byte key", async () => {
    const hash = await hashPassword("pw-123456");
    const [alg, n, r, p, salt, key] = hash.split("$");
    expect(hash.split("$")).toHaveLength(6);
    expect([alg, n, r, p]).toEqual(["scrypt", String(2 ** 15), "8", "1"]);
    expect(Buffer.from(salt, "base64")).toHaveLength(16);
    expect(Buffer.from(key, "base64")).toHaveLength(32);
    expect(hash).not.toContain("pw-123456");
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password", b)).toBe(true);
  });

  it("verifies with the parameters stored in the hash, not the current defaults", async () => {
    const salt = randomBytes(16);
    const key = scryptSync("legacy password", salt, 24, { N: 1024, r: 4, p: 2 });
    const legacy = `scrypt$1024$4$2$${salt.toString("base64")}$${key.toString("base64")}`;
    expect(await verifyPassword("legacy password", legacy)).toBe(true);
    expect(await verifyPassword("other password", legacy)).toBe(false);
    // Same salt and key with different parameters must not verify.
    expect(await verifyPassword("legacy password", `scrypt$2048$4$2$${salt.toString("base64")}$${key.toString("base64")}`)).toBe(false);
  });

  it.each([
    ["empty", ""],
    ["other algorithm", "bcrypt$2b$10$abcdefghijklmnopqrstuv$abc"],
    ["too few parts", "scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA=="],
    ["too many parts", "scrypt$32768$8$1$c2FsdA==$a2V5$extra"],
    ["non-numeric N", "scrypt$abc$8$1$c2FsdA==$a2V5a2V5"],
    ["zero r", "scrypt$32768$0$1$c2FsdA==$a2V5a2V5"],
    ["empty key", "scrypt$32768$8$1$c2FsdA==$"],
  ])("returns false for a malformed hash (%s)", async (_label, stored) => {
    expect(await verifyPassword("anything at all", stored)).toBe(false);
  });

  it("returns false (does not throw) for parameters scrypt rejects", async () => {
    expect(await verifyPassword("anything at all", "scrypt$1000$8$1$c2FsdA==$a2V5a2V5")).toBe(false);
  });

  it("has a decoy hash that is a valid hash of an unknown random password", async () => {
    const decoy = await decoyHash();
    expect(decoy).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await decoyHash()).toBe(decoy);
    expect(await verifyPassword("", decoy)).toBe(false);
  });
});
