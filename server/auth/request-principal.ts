import "server-only";
import type { IncomingMessage } from "node:http";
import { getToken } from "next-auth/jwt";
import type { Db } from "@/server/db";
import { env } from "@/server/env";
import type { Principal } from "@/server/auth/principal";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import { principalForSession } from "@/server/auth/session-principal";
import { originMatchesHost } from "@/server/http/same-origin";

// Who sent a request that reaches the web process outside Next's route handlers (the notebook
// socket, endpoint invocations): a personal API token, or a same-origin browser session.

export interface Caller {
  principal: Principal;
  /** The session's version claim (null for tokens): a password change ends the session. */
  sessionVersion: number | null;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/**
 * The caller, or null. Kernel and job tokens (the SDK's) are refused here. A cookie counts only
 * with an Origin naming this host: another site's page cannot use a signed-in browser.
 */
export async function authenticateRequest(db: Db, req: IncomingMessage): Promise<Caller | null> {
  const authorization = req.headers.authorization;
  if (authorization) return authenticateAuthorization(db, authorization);
  if (!originMatchesHost(req.headers.origin, req.headers.host)) return null;
  return authenticateSessionCookies(db, req.headers.cookie);
}

/** The signed-in user a request's Cookie header carries, or null (the Origin is the caller's to check). */
export async function authenticateSessionCookies(db: Db, cookieHeader: string | undefined): Promise<Caller | null> {
  // next-auth's own reader (cookie name, chunking, decryption); it is given only the cookies.
  const claims = await getToken({ req: { cookies: parseCookies(cookieHeader), headers: {} } as unknown as Parameters<typeof getToken>[0]["req"], secret: env().NEXTAUTH_SECRET });
  if (!claims?.sub) return null;
  const sessionVersion = typeof claims.sv === "number" ? claims.sv : 0;
  const principal = await principalForSession(db, claims.sub, sessionVersion);
  return principal ? { principal, sessionVersion } : null;
}

/** The owner of a personal API token sent as `Authorization: Bearer …`, or null (kernel and job tokens too). */
export async function authenticateAuthorization(db: Db, authorization: string): Promise<Caller | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const principal = match ? await authenticateApiToken(db, match[1]) : null;
  return principal && !principal.scope ? { principal, sessionVersion: null } : null;
}
