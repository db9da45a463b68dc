// The endpoint router's database thread (router-database.ts starts it): its own Prisma client of
// the web server's database, answering the router's messages.
import { parentPort, workerData } from "node:worker_threads";
import { createDb } from "@/server/db";
import { readRouting, serveRouterDatabase } from "@/server/endpoints/router-database";

const { databaseUrl } = workerData as { databaseUrl: string };
if (!parentPort) throw new Error("router-database-thread.ts runs as a worker thread of the web server");
const db = createDb(databaseUrl);
serveRouterDatabase(db, parentPort);
// Warmed up on an endpoint name that cannot exist, so the first request does not pay for Prisma's
// first query.
void readRouting(db, "-").catch(() => undefined);
