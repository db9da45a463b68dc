// The web process: Next.js behind a plain Node HTTP server, so that WebSocket upgrades (notebook
// sessions) are served on the same origin, and so the client address is set by us.
import { createServer } from "node:http";
import next from "next";
import { db } from "@/server/db";
import { CLIENT_IP_HEADER } from "@/server/http/client-ip";
import { createNotebookSocketHandler } from "@/server/notebooks/live/notebook-socket";
import { persistAllLiveNotebooks } from "@/server/notebooks/live/live-notebook";
import { createInvocationRouter } from "@/server/endpoints/route-invocations";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";
const dev = process.env.NODE_ENV === "development";

const app = next({ dev, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();

await app.prepare();

const invocations = createInvocationRouter(db());

const server = createServer((req, res) => {
  // Overwrite, never trust, what the client sent: sign-in throttling and audit use this address.
  req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
  // Endpoint invocations skip Next.js: they are the studio's hot path.
  const work = invocations.matches(req.url) ? invocations.handle(req, res) : handle(req, res);
  work.catch((error: unknown) => {
    console.error("[web] request failed:", error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});

const notebookSockets = createNotebookSocketHandler(db());
const nextUpgrade = dev ? app.getUpgradeHandler() : null;
server.on("upgrade", (req, socket, head) => {
  if (notebookSockets.handleUpgrade(req, socket, head)) return;
  // In development Next serves hot reloading over WebSocket; nothing else upgrades.
  if (nextUpgrade) void nextUpgrade(req, socket, head);
  else socket.destroy();
});

server.listen(port, hostname, () => {
  console.log(`[web] studio listening on http://localhost:${port}`);
});

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  // Open notebooks are saved first (outputs that arrived in the last second included); their
  // kernels keep running on their hosts and are reattached when the studio is back.
  void persistAllLiveNotebooks()
    .catch((error: unknown) => console.error("[web] saving open notebooks failed:", error))
    .finally(() => {
      notebookSockets.close();
      void invocations.close();
      server.close(() => process.exit(0));
    });
  // Open keep-alive connections would hold close() forever.
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
