// The web process: Next.js behind a plain Node HTTP server, so that WebSocket upgrades (notebook
// sessions) can be served on the same origin later, and so the client address is set by us.
import { createServer } from "node:http";
import next from "next";
import { CLIENT_IP_HEADER } from "@/server/http/client-ip";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";
const dev = process.env.NODE_ENV === "development";

const app = next({ dev, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();

await app.prepare();

const server = createServer((req, res) => {
  // Overwrite, never trust, what the client sent: sign-in throttling and audit use this address.
  req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
  handle(req, res).catch((error: unknown) => {
    console.error("[web] request failed:", error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});

server.listen(port, hostname, () => {
  console.log(`[web] studio listening on http://localhost:${port}`);
});

function shutdown(): void {
  server.close(() => process.exit(0));
  // Open keep-alive connections would hold close() forever.
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
