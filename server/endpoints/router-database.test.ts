// The endpoint router's database thread: callers by token, roles, routing tables and stats, from a
// thread of its own that comes back when it dies.
import { encode } from "next-auth/jwt";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { databaseUrlOf } from "@/server/db-driver";
import { createProject } from "@/server/projects/create-project";
import { createApiToken } from "@/server/tokens/create-api-token";
import { InvocationStats, getEndpointStats } from "@/server/endpoints/invocation-stats";
import { RouterDatabase } from "@/server/endpoints/router-database";

const db = setupTestDb();
const database = new RouterDatabase(databaseUrlOf(db));
afterAll(() => database.close());

describe("the endpoint router's database thread", () => {
  it("authenticates tokens and session cookies, reads roles and routing tables, and saves stats, off the web server's thread", async () => {
    const { principal } = await makePrincipal(db, "data_scientist");
    const project = await createProject(db, { name: `R ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const { token } = await createApiToken(db, { name: "t" }, principal);

    const caller = await database.call("caller", `Bearer ${token}`);
    expect(caller?.principal).toMatchObject({ id: principal.id, via: "token" });
    expect(await database.call("caller", "Bearer sst_not-a-token")).toBeNull();
    // A signed-in browser (the endpoint page's test console): next-auth's session cookie.
    const jwt = await encode({ token: { sub: principal.id, sv: 0 }, secret: process.env.NEXTAUTH_SECRET! });
    expect((await database.call("session", `theme=dark; next-auth.session-token=${jwt}`))?.principal).toMatchObject({ id: principal.id, via: "session" });
    expect(await database.call("session", `next-auth.session-token=${jwt.slice(0, -4)}AAAA`)).toBeNull();
    expect(await database.call("session", "theme=dark")).toBeNull();
    expect(await database.call("role", project.id, principal.id)).toBe("admin"); // the creator's role in the project
    expect(await database.call("role", project.id, "someone-else")).toBeNull();
    expect(await database.call("routing", "no-such-endpoint")).toBeNull();

    const endpoint = await db.endpoint.create({ data: { name: `r-${Math.random().toString(36).slice(2, 8)}`, projectId: project.id, status: "InService", createdById: principal.id } });
    expect(await database.call("routing", endpoint.name)).toMatchObject({ id: endpoint.id, projectId: project.id, variants: [], multiModel: false });

    const stats = new InvocationStats();
    stats.record(endpoint.id, "AllTraffic", 200, 3, 2.5);
    stats.record(endpoint.id, "AllTraffic", 400, 1, 0.8);
    stats.record(endpoint.id, "AllTraffic", 404, 0.2);
    expect(await database.call("saveStats", stats.take())).toEqual([]);
    const saved = await getEndpointStats(db, endpoint.id, principal, 5);
    expect(saved.last5Minutes).toMatchObject({ count: 3, overhead: { count: 2 } });
    expect(saved.last5Minutes.overhead!.meanMs).toBeCloseTo(0.35, 5);
  });

  it("starts again after its thread dies", async () => {
    await (database as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(await database.call("routing", "no-such-endpoint")).toBeNull();
  });
});
