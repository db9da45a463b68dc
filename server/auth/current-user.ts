import "server-only";
import { getServerSession } from "next-auth";
import type { Db } from "@/server/db";
import { authOptions } from "@/server/auth/auth-options";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import type { Principal } from "@/server/auth/principal";
import { principalForSession } from "@/server/auth/session-principal";

/** The signed-in browser user, or null. Reads the user row so roles and disabling apply at once. */
export async function sessionPrincipal(db: Db): Promise<Principal | null> {
  const session = await getServerSession(authOptions);
  const claims = session?.user as { id?: string; sessionVersion?: number } | undefined;
  if (!claims?.id) return null;
  return principalForSession(db, claims.id, claims.sessionVersion ?? 0);
}

/** The caller of an API request: an `Authorization: Bearer` token if present, else the session. */
export async function requestPrincipal(db: Db, headers: Headers): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    // A malformed or unknown bearer token is a failed authentication, never a fallback to the cookie.
    return match ? authenticateApiToken(db, match[1]) : null;
  }
  return sessionPrincipal(db);
}
