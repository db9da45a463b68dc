import "server-only";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { can, type Role } from "@/lib/roles";
import { authenticateRequest as authenticate, type Caller } from "@/server/auth/request-principal";
import { clientMessageSchema, NOTEBOOK_SOCKET_PATTERN, SOCKET_CLOSE, type ClientMessage, type ServerMessage } from "@/lib/notebook-live-protocol";
import { LiveNotebook, newClientId, type LiveClient } from "@/server/notebooks/live/live-notebook";

// The notebook WebSocket, served by the web process on the studio's own origin. A browser is
// authenticated by its session cookie (and must come from the studio's origin: no cross-site
// socket hijacking); scripts may use an API token. Every message is checked again against the
// user's current role in the notebook's project before it is acted on.

/** A tab that cannot keep up (this much unsent) is dropped; it reconnects and gets a fresh snapshot. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
const PING_EVERY_MS = 20_000;

interface AccessRow {
  disabled: unknown;
  role: string;
  sessionVersion: unknown;
  tokenFound: unknown;
  revoked: unknown;
  expiresAt: unknown;
  found: unknown;
  trashed: unknown;
  memberRole: string | null;
}

/**
 * The caller's access to the notebook right now: null if signed out, disabled, the token revoked or
 * expired, or no longer allowed to read it. Runs for every message, so it is one SQL query (the
 * ORM's query pipeline costs about a millisecond per query, the whole budget of a cell's round trip).
 */
async function currentAccess(db: Db, caller: Caller, notebookId: string): Promise<{ canWrite: boolean } | null> {
  const userId = caller.principal.id;
  const tokenId = caller.principal.via === "token" ? (caller.principal.tokenId ?? "") : null;
  // Identifiers are quoted: the same statement runs on SQLite and PostgreSQL.
  const rows = await db.$queryRaw<AccessRow[]>`
    SELECT u."disabled" AS "disabled", u."role" AS "role", u."sessionVersion" AS "sessionVersion",
           t."id" IS NOT NULL AS "tokenFound", t."revokedAt" IS NOT NULL AS "revoked", t."expiresAt" AS "expiresAt",
           n."id" IS NOT NULL AS "found", n."trashedAt" IS NOT NULL AS "trashed", m."role" AS "memberRole"
    FROM "User" u
    LEFT JOIN "ApiToken" t ON t."id" = ${tokenId ?? ""} AND t."userId" = u."id"
    LEFT JOIN "Notebook" n ON n."id" = ${notebookId}
    LEFT JOIN "ProjectMember" m ON m."projectId" = n."projectId" AND m."userId" = u."id"
    WHERE u."id" = ${userId}`;
  const row = rows[0];
  if (!row || truthy(row.disabled) || !truthy(row.found) || truthy(row.trashed)) return null;
  if (tokenId === null) {
    if (Number(row.sessionVersion) !== caller.sessionVersion) return null;
  } else if (!truthy(row.tokenFound) || truthy(row.revoked) || (row.expiresAt !== null && timeOf(row.expiresAt) <= Date.now())) {
    return null;
  }
  const role = row.role as Role;
  const projectRole: Role | null = role === "admin" ? "admin" : ((row.memberRole as Role | null) ?? null);
  if (!projectRole || !can(projectRole, "notebooks:read")) return null;
  return { canWrite: can(projectRole, "notebooks:write") };
}

const timeOf = (value: unknown): number => (typeof value === "bigint" ? Number(value) : new Date(value as string | number | Date).getTime());

// SQLite answers 0/1 (as numbers or bigints), PostgreSQL booleans.
const truthy = (value: unknown): boolean => value === true || value === 1 || value === 1n || value === "1" || value === "t";

const WRITES: ReadonlySet<ClientMessage["type"]> = new Set(["ops", "execute", "kernel", "input_reply", "complete", "inspect"]);

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Handles one upgrade request if it is for a notebook socket; returns false for other paths. */
export function createNotebookSocketHandler(db: Db): { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean; close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });

  const serve = async (req: IncomingMessage, socket: Duplex, head: Buffer, notebookId: string) => {
    const caller = await authenticate(db, req);
    if (!caller) return reject(socket, 401, "Unauthorized");
    const access = await currentAccess(db, caller, notebookId);
    if (!access) return reject(socket, 404, "Not Found");
    const live = await LiveNotebook.open(db, notebookId);
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, live, caller, access.canWrite, notebookId));
  };

  const attach = (ws: WebSocket, initialLive: LiveNotebook, caller: Caller, canWrite: boolean, notebookId: string) => {
    let live = initialLive;
    const client: LiveClient = {
      id: newClientId(),
      userId: caller.principal.id,
      canWrite,
      send(message: ServerMessage) {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          ws.close(1013, "Too far behind; reconnect for a fresh copy.");
          return;
        }
        ws.send(JSON.stringify(message));
      },
      close(code, reason) {
        ws.close(code, reason.slice(0, 120));
      },
    };
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, PING_EVERY_MS);
    ws.on("pong", () => (alive = true));

    let queue: Promise<void> = Promise.resolve();
    const reply = (message: ServerMessage) => client.send(message);

    const handle = async (raw: string) => {
      let message: ClientMessage;
      try {
        const parsed = clientMessageSchema.safeParse(JSON.parse(raw));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return reply({ type: "error", message: `Message refused: ${issue.path.join(".") || "message"} ${issue.message}` });
        }
        message = parsed.data;
      } catch {
        return reply({ type: "error", message: "Message refused: not JSON." });
      }
      const access = await currentAccess(db, caller, notebookId);
      if (!access) return ws.close(SOCKET_CLOSE.notFound, "You no longer have access to this notebook.");
      client.canWrite = access.canWrite;
      if (WRITES.has(message.type) && !access.canWrite) {
        return reply({ type: "error", message: "Your role in this project is read-only: you cannot edit or run this notebook." });
      }
      if (live.isClosed) {
        live.leave(client.id);
        live = await LiveNotebook.open(db, notebookId);
        live.join(client);
      }
      try {
        switch (message.type) {
          case "ops":
            return live.applyOps(client, message.ops);
          case "execute":
            return live.execute(client, message.cellIds);
          case "kernel":
            return live.kernelAction(client, message.action);
          case "input_reply":
            return live.replyInput(client, message.value);
          case "complete":
          case "inspect": {
            const { requestId } = message;
            const request =
              message.type === "complete" ? live.complete(message.code, message.cursorPos) : live.inspect(message.code, message.cursorPos, message.detailLevel);
            // Not awaited: a slow completion must not hold up the edits queued behind it.
            void request.then(
              (content) => reply({ type: "reply", requestId, ok: true, content }),
              (error: unknown) => reply({ type: "reply", requestId, ok: false, error: error instanceof AppError ? error.message : `The kernel did not answer: ${(error as Error).message}` }),
            );
            return;
          }
        }
      } catch (error) {
        if (error instanceof AppError) return reply({ type: "error", message: error.message });
        throw error;
      }
    };

    ws.on("message", (data, isBinary) => {
      if (isBinary) return reply({ type: "error", message: "Message refused: binary frames are not used." });
      const raw = data.toString();
      queue = queue.then(() => handle(raw)).catch((error: unknown) => {
        console.error(`[notebook-socket ${notebookId}] message failed:`, error);
        reply({ type: "error", message: "The server failed to handle that message; it has been logged." });
      });
    });
    ws.on("close", () => {
      clearInterval(ping);
      live.leave(client.id);
    });
    ws.on("error", () => ws.terminate());
    live.join(client);
  };

  return {
    handleUpgrade(req, socket, head) {
      const match = NOTEBOOK_SOCKET_PATTERN.exec(new URL(req.url ?? "/", "http://studio").pathname);
      if (!match) return false;
      socket.on("error", () => socket.destroy());
      serve(req, socket, head, decodeURIComponent(match[1])).catch((error: unknown) => {
        if (error instanceof AppError && error.code === "not_found") return reject(socket, 404, "Not Found");
        console.error("[notebook-socket] upgrade failed:", error);
        reject(socket, 500, "Internal Server Error");
      });
      return true;
    },
    close() {
      for (const ws of wss.clients) ws.close(1012, "The studio is restarting.");
      wss.close();
    },
  };
}
