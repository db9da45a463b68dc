// The notebook WebSocket's gatekeeping over a real HTTP server and real sockets: who may connect
// (session cookie from the studio's own origin, or an API token), and the per-message recheck of
// the caller's current role, account and token. No kernel is started here.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { encode } from "next-auth/jwt";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { removeProjectMember, setProjectMember } from "@/server/projects/set-project-member";
import { createNotebook } from "@/server/notebooks/create-notebook";
import { createNotebookInput } from "@/server/notebooks/notebook-schemas";
import { createApiToken } from "@/server/tokens/create-api-token";
import { revokeApiToken } from "@/server/tokens/revoke-api-token";
import { createNotebookSocketHandler } from "@/server/notebooks/live/notebook-socket";
import { LiveNotebook } from "@/server/notebooks/live/live-notebook";
import { liveNotebooks } from "@/server/notebooks/live/live-registry";
import type { ServerMessage } from "@/lib/notebook-live-protocol";

const db = setupTestDb();
const server = http.createServer();
const sockets = createNotebookSocketHandler(db);
let origin: string;

beforeAll(async () => {
  server.on("upgrade", (req, socket, head) => {
    if (!sockets.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all([...liveNotebooks().values()].map((live) => (live as LiveNotebook).close(null, true)));
});

afterAll(async () => {
  sockets.close();
  await new Promise((resolve) => server.close(resolve));
});

async function sessionCookie(user: { id: string }, sessionVersion = 0): Promise<string> {
  const jwt = await encode({ token: { sub: user.id, sv: sessionVersion }, secret: process.env.NEXTAUTH_SECRET! });
  return `next-auth.session-token=${jwt}`;
}

interface Opened {
  ws: WebSocket;
  messages: ServerMessage[];
  next(type: ServerMessage["type"]): Promise<ServerMessage>;
  closed: Promise<number>;
}

/** Connects, and resolves with the socket once the snapshot is in — or rejects with the HTTP status. */
function connect(notebookId: string, headers: Record<string, string>): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace("http", "ws")}/api/notebooks/${notebookId}/socket`, { headers });
    const messages: ServerMessage[] = [];
    const waiters: { type: string; resolve: (m: ServerMessage) => void }[] = [];
    const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    ws.on("unexpected-response", (_req, res) => reject(new Error(String(res.statusCode))));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      messages.push(message);
      const i = waiters.findIndex((w) => w.type === message.type);
      if (i >= 0) waiters.splice(i, 1)[0].resolve(message);
      if (message.type === "snapshot") {
        resolve({
          ws,
          messages,
          closed,
          next: (type) => {
            const seen = messages.findLast((m) => m.type === type && m !== message);
            return seen ? Promise.resolve(seen) : new Promise((r) => waiters.push({ type, resolve: r }));
          },
        });
      }
    });
  });
}

async function setup() {
  const { user: owner, principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `P ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const notebook = await createNotebook(db, project.id, createNotebookInput.parse({ name: "Socket" }), principal);
  return { owner, principal, project, notebook };
}

describe("notebook socket", () => {
  it("accepts a session cookie only from the studio's own origin", async () => {
    const { owner, notebook } = await setup();
    const cookie = await sessionCookie(owner);
    await expect(connect(notebook.id, {})).rejects.toThrow("401");
    await expect(connect(notebook.id, { Cookie: cookie })).rejects.toThrow("401");
    await expect(connect(notebook.id, { Cookie: cookie, Origin: "https://evil.example" })).rejects.toThrow("401");
    await expect(connect(notebook.id, { Cookie: `next-auth.session-token=forged`, Origin: origin })).rejects.toThrow("401");
    const tab = await connect(notebook.id, { Cookie: cookie, Origin: origin });
    const snapshot = tab.messages[0] as Extract<ServerMessage, { type: "snapshot" }>;
    expect(snapshot).toMatchObject({ type: "snapshot", name: "Socket", canWrite: true, version: 1, kernel: { status: "none" } });
    expect(snapshot.content.cells).toHaveLength(1);
    tab.ws.close();
  });

  it("hides notebooks of other projects, and ends the socket when membership or the session ends", async () => {
    const { principal, project, notebook } = await setup();
    const { user: outsider } = await makePrincipal(db, "data_scientist");
    await expect(connect(notebook.id, { Cookie: await sessionCookie(outsider), Origin: origin })).rejects.toThrow("404");
    await expect(connect("no-such-notebook", { Cookie: await sessionCookie(outsider), Origin: origin })).rejects.toThrow("404");

    const { user: member } = await makePrincipal(db, "data_scientist");
    await setProjectMember(db, project.id, { userId: member.id, role: "data_scientist" }, principal);
    const tab = await connect(notebook.id, { Cookie: await sessionCookie(member), Origin: origin });
    const cellId = (tab.messages[0] as Extract<ServerMessage, { type: "snapshot" }>).content.cells[0].id;
    await removeProjectMember(db, project.id, member.id, principal);
    tab.ws.send(JSON.stringify({ type: "ops", ops: [{ op: "set_source", cellId, source: "print('after removal')" }] }));
    expect(await tab.closed).toBe(4404);

    // A password change (sessionVersion bump) ends open sockets at their next message.
    const { user: other } = await makePrincipal(db, "data_scientist");
    await setProjectMember(db, project.id, { userId: other.id, role: "data_scientist" }, principal);
    const second = await connect(notebook.id, { Cookie: await sessionCookie(other), Origin: origin });
    await db.user.update({ where: { id: other.id }, data: { sessionVersion: { increment: 1 } } });
    second.ws.send(JSON.stringify({ type: "kernel", action: "interrupt" }));
    expect(await second.closed).toBe(4404);
    const stored = await db.notebook.findUniqueOrThrow({ where: { id: notebook.id } });
    expect(JSON.stringify(stored.content)).not.toContain("after removal");
  });

  it("lets a viewer watch but not edit or run, and refuses malformed messages with a reason", async () => {
    const { principal, project, notebook } = await setup();
    const { user: viewer } = await makePrincipal(db, "viewer");
    await setProjectMember(db, project.id, { userId: viewer.id, role: "viewer" }, principal);
    const tab = await connect(notebook.id, { Cookie: await sessionCookie(viewer), Origin: origin });
    expect(tab.messages[0]).toMatchObject({ type: "snapshot", canWrite: false });
    const cellId = (tab.messages[0] as Extract<ServerMessage, { type: "snapshot" }>).content.cells[0].id;
    tab.ws.send(JSON.stringify({ type: "execute", cellIds: [cellId] }));
    expect(await tab.next("error")).toMatchObject({ message: expect.stringContaining("read-only") });
    tab.ws.send(JSON.stringify({ type: "ops", ops: [{ op: "warp", cellId }] }));
    await new Promise((r) => setTimeout(r, 100));
    expect(tab.messages.filter((m) => m.type === "error").at(-1)).toMatchObject({ message: expect.stringMatching(/^Message refused: ops\.0\.op/) });
    tab.ws.send("not json");
    await new Promise((r) => setTimeout(r, 100));
    expect(tab.messages.filter((m) => m.type === "error").at(-1)).toMatchObject({ message: "Message refused: not JSON." });
    tab.ws.close();
  });

  it("takes API tokens, and ends the socket once the token is revoked", async () => {
    const { principal, notebook } = await setup();
    const { token, apiToken } = await createApiToken(db, { name: "script" }, principal);
    const tab = await connect(notebook.id, { Authorization: `Bearer ${token}` });
    expect(tab.messages[0]).toMatchObject({ type: "snapshot", canWrite: true });
    const cellId = (tab.messages[0] as Extract<ServerMessage, { type: "snapshot" }>).content.cells[0].id;
    tab.ws.send(JSON.stringify({ type: "ops", ops: [{ op: "set_source", cellId, source: "x = 1" }] }));
    await new Promise((r) => setTimeout(r, 100));
    expect(tab.messages.some((m) => m.type === "error")).toBe(false);
    await revokeApiToken(db, apiToken.id, principal);
    tab.ws.send(JSON.stringify({ type: "ops", ops: [{ op: "set_source", cellId, source: "x = 2" }] }));
    expect(await tab.closed).toBe(4404);
    await expect(connect(notebook.id, { Authorization: `Bearer ${token}` })).rejects.toThrow("401");
    const expired = await createApiToken(db, { name: "old", expiresInDays: 1 }, principal);
    await db.apiToken.update({ where: { id: expired.apiToken.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(connect(notebook.id, { Authorization: `Bearer ${expired.token}` })).rejects.toThrow("401");
  });
});
