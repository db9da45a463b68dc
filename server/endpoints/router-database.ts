import "server-only";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, type MessagePort } from "node:worker_threads";
import type { Db } from "@/server/db";
import type { Role } from "@/lib/roles";
import { SERVING_STATES } from "@/lib/endpoints";
import { authenticateAuthorization, authenticateSessionCookies } from "@/server/auth/request-principal";
import { saveInvocationStats } from "@/server/endpoints/invocation-stats";

// The endpoint router's database work, on a thread of its own. A query through Prisma runs on the
// thread that asks for it — on SQLite, the whole query is synchronous, and even on PostgreSQL its
// planning and result mapping are — so a routing table re-read on the web server's thread held up
// whatever request arrived meanwhile by milliseconds (once a second, ~1% of requests at 100/s: the
// routing overhead's p99). Here the web server's thread only posts a message and later takes the
// answer; the thread has its own client of the same database.

/** An endpoint's routing as stored: what the router needs to pick a variant and reach it. */
export function readRouting(db: Db, name: string) {
  return db.endpoint.findUnique({
    where: { name },
    select: {
      id: true,
      name: true,
      projectId: true,
      status: true,
      dataCapture: true,
      multiModel: true,
      models: { select: { name: true, modelVersion: { select: { files: { where: { path: "studio-model.json" }, select: { storageKey: true } } } } } },
      variants: {
        // Variants an update is replacing serve until the switch.
        where: { state: { in: [...SERVING_STATES] } },
        orderBy: { createdAt: "asc" },
        select: {
          name: true,
          weight: true,
          runtime: true,
          shadow: true,
          shadowSamplingPercent: true,
          replicaRows: { where: { status: "ready" }, select: { port: true } },
          modelVersion: { select: { id: true, onnx: true, signature: true, task: true, framework: true, model: { select: { name: true } }, files: { select: { path: true, storageKey: true } } } },
        },
      },
    },
  });
}
export type RoutingRow = NonNullable<Awaited<ReturnType<typeof readRouting>>>;

async function readRole(db: Db, projectId: string, userId: string): Promise<Role | null> {
  const member = await db.projectMember.findUnique({ where: { projectId_userId: { projectId, userId } }, select: { role: true } });
  return (member?.role as Role | undefined) ?? null;
}

const operations = {
  routing: readRouting,
  /** The caller an Authorization header names (API tokens only), or null. */
  caller: authenticateAuthorization,
  /** The signed-in user a Cookie header carries (the test console), or null. */
  session: authenticateSessionCookies,
  role: readRole,
  saveStats: saveInvocationStats,
};
type Operations = typeof operations;
export type Operation = keyof Operations;
type Args<K extends Operation> = Operations[K] extends (db: Db, ...args: infer A) => unknown ? A : never;
type Result<K extends Operation> = Awaited<ReturnType<Operations[K]>>;

interface Request {
  id: number;
  op: Operation;
  args: unknown[];
}
type Reply = { id: number; value: unknown } | { id: number; error: { message: string; code?: string } };

/** The thread's side: answers each request with its operation's result (plain data: messages are structured clones). */
export function serveRouterDatabase(db: Db, port: MessagePort): void {
  port.on("message", (request: Request) => {
    const run = operations[request.op] as ((db: Db, ...args: unknown[]) => Promise<unknown>) | undefined;
    const reply = (message: Reply) => port.postMessage(message);
    if (!run) return reply({ id: request.id, error: { message: `no router database operation ${String(request.op)}` } });
    run(db, ...request.args).then(
      (value) => reply({ id: request.id, value }),
      (error: unknown) => reply({ id: request.id, error: { message: error instanceof Error ? error.message : String(error), code: (error as { code?: string }).code } }),
    );
  });
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * tsx's ESM API (`register`), as a file URL: a thread started from code has no module of its own
 * to resolve a package name from, and its CommonJS build cannot register from there.
 */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports: Record<string, { import?: { default?: string } }> };
  const file = manifest.exports["./esm/api"]?.import?.default;
  if (!file) throw new Error(`tsx ${manifestPath} exports no ESM API`);
  return pathToFileURL(path.join(path.dirname(manifestPath), file)).href;
}

/**
 * The web server's side: one thread (started at once, started again if it dies), each call a
 * message. The thread runs our TypeScript through tsx, as the web server itself does.
 */
export class RouterDatabase {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly databaseUrl: string) {
    this.start();
  }

  call<K extends Operation>(op: K, ...args: Args<K>): Promise<Result<K>> {
    const worker = this.worker ?? this.start();
    const id = this.next++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, op, args } satisfies Request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    const entry = pathToFileURL(path.join(root, "server/endpoints/router-database-thread.ts")).href;
    const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then(({ register }) => { register({ tsconfig: ${JSON.stringify(path.join(root, "tsconfig.node.json"))} }); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { databaseUrl: this.databaseUrl } });
    worker.unref(); // the web server's own handles keep the process alive, not this thread
    worker.on("message", (reply: Reply) => {
      const call = this.waiting.get(reply.id);
      if (!call) return;
      this.waiting.delete(reply.id);
      if ("error" in reply) call.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else call.resolve(reply.value);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const call of this.waiting.values()) call.reject(error);
      this.waiting.clear();
    };
    worker.on("error", (error) => {
      console.error("[web] the endpoint router's database thread failed:", error);
      fail(error);
    });
    worker.on("exit", (code) => fail(new Error(`the endpoint router's database thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
