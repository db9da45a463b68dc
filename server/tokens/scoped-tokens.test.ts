// Kernel and job tokens: SDK routes only, one project only, never on the tokens page, and a job's
// token dies with its job. An ONNX export's token: its version's export routes only.
import { describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { route } from "@/server/http/route";
import { createProject } from "@/server/projects/create-project";
import { createScopedToken, revokeJobTokens } from "@/server/tokens/scoped-tokens";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import { listApiTokens } from "@/server/tokens/list-api-tokens";
import { listDatasetsAcrossProjects } from "@/server/datasets/list-datasets";

const db = setupTestDb();

const call = (handler: ReturnType<typeof route>, token: string) =>
  handler(new NextRequest("http://studio.test/api/x", { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) });

describe("scoped tokens", () => {
  it("work on SDK routes, are refused (403) on every other route, and stay off the tokens page", async () => {
    const { user, principal } = await makePrincipal(db, "data_scientist");
    const project = await createProject(db, { name: `S ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const token = await createScopedToken(db, { kind: "kernel", userId: user.id, projectId: project.id, name: "kernel", ttlMs: 60_000 });
    const sdkRoute = route({ access: "training:read", sdk: true }, async ({ user: caller }) => ({ scope: caller.scope }));
    const otherRoute = route({ access: "training:read" }, async () => ({ reached: true }));
    const ok = await call(sdkRoute, token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ scope: { kind: "kernel", projectId: project.id } });
    const refused = await call(otherRoute, token);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain("only works for the studio SDK");
    expect(await listApiTokens(db, user.id)).toEqual([]);
    // A kernel's token does not reach a labeling round's routes.
    const roundRoute = route({ access: "training:read", sdk: "labeling-round" }, async () => ({ reached: true }));
    expect((await call(roundRoute, token)).status).toBe(403);
  });

  it("of a round of automated labeling work on that round's routes only, and die with it", async () => {
    const { user, principal } = await makePrincipal(db, "data_scientist");
    const project = await createProject(db, { name: `R ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const token = await createScopedToken(db, { kind: "labeling", userId: user.id, projectId: project.id, jobId: "round1", name: "round", ttlMs: 60_000 });
    const roundRoute = route({ access: "training:read", sdk: "labeling-round" }, async ({ user: caller }) => ({ scope: caller.scope }));
    const ok = await call(roundRoute, token);
    expect(await ok.json()).toEqual({ scope: { kind: "labeling", projectId: project.id, jobId: "round1" } });
    const sdk = await call(route({ access: "training:read", sdk: true }, async () => ({ reached: true })), token);
    expect(sdk.status).toBe(403);
    expect((await sdk.json()).error.message).toContain("belongs to a round of automated labeling and only works for that round");
    await revokeJobTokens(db, "round1", "labeling");
    expect(await authenticateApiToken(db, token)).toBeNull();
  });

  it("see only their own project in listings across projects, and a job's token stops working when revoked", async () => {
    const { user, principal } = await makePrincipal(db, "data_scientist");
    const mine = await createProject(db, { name: `M ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    await createProject(db, { name: `O ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const token = await createScopedToken(db, { kind: "job", userId: user.id, projectId: mine.id, jobId: "job1", name: "job", ttlMs: 60_000 });
    const scoped = (await authenticateApiToken(db, token))!;
    expect(scoped.scope).toEqual({ kind: "job", projectId: mine.id, jobId: "job1" });
    expect(await listDatasetsAcrossProjects(db, scoped)).toEqual([]);
    await revokeJobTokens(db, "job1");
    expect(await authenticateApiToken(db, token)).toBeNull();
  });

  it("of an ONNX export work only on the export's routes, and die with the export", async () => {
    const { user, principal } = await makePrincipal(db, "data_scientist");
    const project = await createProject(db, { name: `X ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const token = await createScopedToken(db, { kind: "export", userId: user.id, projectId: project.id, jobId: "version1", name: "export", ttlMs: 60_000 });
    const exportRoute = route({ access: "models:write", sdk: "onnx-export" }, async ({ user: caller }) => ({ scope: caller.scope }));
    const sdkRoute = route({ access: "models:read", sdk: true }, async () => ({ reached: true }));
    const ok = await call(exportRoute, token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ scope: { kind: "export", projectId: project.id, jobId: "version1" } });
    const refused = await call(sdkRoute, token);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain("belongs to an ONNX export");
    // A kernel's token is not an export's.
    const kernel = await createScopedToken(db, { kind: "kernel", userId: user.id, projectId: project.id, name: "kernel", ttlMs: 60_000 });
    expect((await call(exportRoute, kernel)).status).toBe(403);
    await revokeJobTokens(db, "version1", "export");
    expect(await authenticateApiToken(db, token)).toBeNull();
  });
});
