import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { NextResponse, type NextRequest } from "next/server";
import { db, type Db } from "@/server/db";
import { AppError, errorCodes, validationError, type ErrorCode, type ErrorEnvelope } from "@/server/errors";
import { can, type Permission } from "@/lib/roles";
import { requestPrincipal } from "@/server/auth/current-user";
import type { Principal } from "@/server/auth/principal";
import { clientIpFromHeaders } from "@/server/http/client-ip";
import { originMatchesHost } from "@/server/http/same-origin";

type Access = Permission | "signed-in";

interface RouteConfig<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  /** What the caller needs; checked on the server before anything else runs. */
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Largest JSON body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * The route is one the Python SDK uses, so the project-scoped tokens handed to kernels and jobs
   * may call it (the domain function still checks the project). Every other route refuses them.
   * "labeling-round": only the token of a round of automated labeling may (its code on the host);
   * "onnx-export": only the token of an ONNX export's kernel may.
   */
  sdk?: boolean | "labeling-round" | "onnx-export";
}

/** The `sdk` value of the routes each kind of scoped token may call. */
const SCOPED_ROUTES = { kernel: true, job: true, labeling: "labeling-round", export: "onnx-export" } as const;

// Most bodies are a few fields; endpoints that take documents (notebooks) raise this.
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface RouteContext<P, Q, B> {
  db: Db;
  user: Principal;
  params: P;
  query: Q;
  body: B;
  ip: string | null;
  req: NextRequest;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

/**
 * Wraps a route handler: authentication (session cookie or bearer token), permission check,
 * parsing of params, query and JSON body with zod, and one error envelope for every failure.
 * A handler returns data (sent as 200 JSON) or a Response.
 */
export function route<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  config: RouteConfig<P, Q, B>,
  handler: (ctx: RouteContext<Infer<P>, Infer<Q>, Infer<B>>) => Promise<unknown>,
) {
  return async (req: NextRequest, segment: { params: Promise<Record<string, string | string[]>> }): Promise<Response> => {
    try {
      const database = db();
      const user = await requestPrincipal(database, req.headers);
      if (!user) throw new AppError("unauthorized", "Sign in, or send a valid API token as `Authorization: Bearer <token>`.");
      // Bearer tokens cannot be attached by another site; session cookies can.
      if (user.via === "session") assertSameOrigin(req);
      if (user.scope && config.sdk !== SCOPED_ROUTES[user.scope.kind]) {
        const owner = { job: "a training job", kernel: "a notebook kernel", labeling: "a round of automated labeling", export: "an ONNX export" }[user.scope.kind];
        const works = { job: "the studio SDK", kernel: "the studio SDK", labeling: "that round", export: "that export" }[user.scope.kind];
        throw new AppError("forbidden", `This token belongs to ${owner} and only works for ${works}.`);
      }
      if (config.access !== "signed-in" && !can(user.role, config.access)) {
        throw new AppError("forbidden", "Your role does not allow this.");
      }
      const params = config.params ? parseWith(config.params, await segment.params, "URL") : undefined;
      const query = config.query ? parseWith(config.query, Object.fromEntries(req.nextUrl.searchParams), "Query") : undefined;
      const body = config.body ? parseWith(config.body, await readJson(req, config.maxBodyBytes), "Body") : undefined;
      const result = await handler({
        db: database,
        user,
        params: params as Infer<P>,
        query: query as Infer<Q>,
        body: body as Infer<B>,
        ip: clientIpFromHeaders(req.headers),
        req,
      });
      return result instanceof Response ? result : NextResponse.json(result ?? { ok: true });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    // A malformed id in the URL names nothing that exists.
    if (what === "URL") throw new AppError("not_found", "Nothing exists at this address.");
    throw validationError(parsed.error, what);
  }
  return parsed.data;
}

/**
 * CSRF defence for cookie-authenticated changes: a browser names the page's origin in `Origin`
 * (and says `Sec-Fetch-Site`) on every non-GET request; another site's page is refused. Clients
 * that send neither are not browsers and cannot ride on someone's cookie.
 */
export function assertSameOrigin(req: NextRequest): void {
  if (req.method === "GET" || req.method === "HEAD") return;
  const origin = req.headers.get("origin");
  const site = req.headers.get("sec-fetch-site");
  let sameOrigin = true;
  if (origin) {
    sameOrigin = originMatchesHost(origin, req.headers.get("host"));
  } else if (site) {
    sameOrigin = site === "same-origin" || site === "none";
  }
  if (!sameOrigin) throw new AppError("forbidden", "Cross-site request refused: this action must come from the studio's own pages.");
}

async function readJson(req: NextRequest, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () => new AppError("payload_too_large", `The request body is larger than this endpoint accepts (${Math.round(maxBytes / 1024)} KiB).`);
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  // Requiring JSON also keeps plain HTML forms from another site from reaching a handler.
  if (!(req.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
    throw new AppError("bad_request", "Send the body as JSON with `Content-Type: application/json`.");
  }
  const text = await req.text();
  // Content-Length may be absent (chunked); the text's length is the final word.
  if (text.length > maxBytes) throw tooLarge();
  if (!text.trim()) throw new AppError("bad_request", "The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("bad_request", `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Like `route`, for the few endpoints that work without signing in (first-run setup, health).
 * Only a body schema: there is no caller to check.
 */
export function publicRoute<B extends z.ZodType = z.ZodUndefined>(
  config: { body?: B },
  handler: (ctx: { db: Db; body: Infer<B>; ip: string | null; req: NextRequest }) => Promise<unknown>,
) {
  return async (req: NextRequest): Promise<Response> => {
    try {
      assertSameOrigin(req);
      const body = config.body ? parseWith(config.body, await readJson(req), "Body") : undefined;
      const result = await handler({ db: db(), body: body as Infer<B>, ip: clientIpFromHeaders(req.headers), req });
      return result instanceof Response ? result : NextResponse.json(result ?? { ok: true });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Maps any thrown value to the error envelope; unknown errors are logged with an id the client gets. */
export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) {
    const envelope: ErrorEnvelope = { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } };
    const headers: Record<string, string> = error.retryAfterSeconds ? { "Retry-After": String(error.retryAfterSeconds) } : {};
    return NextResponse.json(envelope, { status: error.status, headers });
  }
  // Races the domain's own checks cannot see: a unique constraint hit by a concurrent request,
  // an object deleted meanwhile, a serializable transaction that lost to a concurrent one.
  const prismaCode = (error as { code?: unknown } | null)?.code;
  const raced: Record<string, [ErrorCode, string]> = {
    P2002: ["conflict", "Something with that name already exists. Choose another."],
    P2025: ["not_found", "That no longer exists; it was changed or removed meanwhile."],
    P2034: ["conflict", "Someone else changed this at the same moment. Reload and try again."],
  };
  if (typeof prismaCode === "string" && raced[prismaCode]) {
    const [code, message] = raced[prismaCode];
    return NextResponse.json({ error: { code, message } } satisfies ErrorEnvelope, { status: errorCodes[code] });
  }
  const errorId = randomUUID();
  console.error(`[error ${errorId}]`, error);
  const envelope: ErrorEnvelope = {
    error: { code: "internal", message: `Something went wrong on the server. Quote error id ${errorId} when reporting it.`, errorId },
  };
  return NextResponse.json(envelope, { status: errorCodes.internal });
}

/** 201 Created with a JSON body. */
export function created(data: unknown): Response {
  return NextResponse.json(data, { status: 201 });
}

/** Route params that name an object by its cuid. */
export const idParams = z.object({ id: z.string().min(1).max(64).regex(/^[a-z0-9]+$/i) });
