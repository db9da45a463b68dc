import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { env } from "@/server/env";

// AES-256-GCM with the studio's secret key. Format: v1.<iv>.<tag>.<ciphertext>, base64url parts.
function key(): Buffer {
  const k = Buffer.from(env().STUDIO_SECRET_KEY, "base64");
  if (k.length !== 32) throw new Error("STUDIO_SECRET_KEY must decode to 32 bytes");
  return k;
}

/** Encrypts a secret (a gateway token) for storage in the database. */
export function sealSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), data].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** Decrypts what sealSecret produced; throws if it was tampered with or sealed with another key. */
export function openSecret(sealed: string): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || data === undefined) throw new Error("unrecognised sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}
