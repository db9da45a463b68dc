import "server-only";
import { getServerSession } from "next-auth";
import type { Db } from "@/server/db";
import type { Role } from "@/lib/roles";
import { authOptions } from "@/server/auth/auth-options";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import type { Principal } from "@/server/auth/principal";

/** The signed-in browser user, or null. Reads the user row so roles and disabling apply at once. */
export async function sessionPrincipal(db: Db): Promise<Principal | null> {
  const session = await getServerSession(authOptions);
  const claims = session?.user as { id?: string; sessionVersion?: number } | undefined;
  if (!claims?.id) return null;
  const user = await db.user.findUnique({ where: { id: claims.id } });
  // A password change bumps sessionVersion, which ends every session signed before it.
  if (!user || user.disabled || user.sessionVersion !== (claims.sessionVersion ?? 0)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role as Role, via: "session" };
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
