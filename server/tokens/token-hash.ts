import "server-only";
import { createHash, randomBytes } from "node:crypto";

/** Personal API tokens look like `sst_<43 base64url chars>` (256 random bits). */
export const TOKEN_PREFIX = "sst_";

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
