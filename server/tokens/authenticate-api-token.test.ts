import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import { createApiToken } from "@/server/tokens/create-api-token";

const db = setupTestDb();
const DAY = 86_400_000;

describe("authenticateApiToken", () => {
  it("resolves a valid token to its owner and records lastUsedAt", async () => {
    const { user, principal } = await makePrincipal(db, "labeler");
    const { token, apiToken } = await createApiToken(db, { name: "t" }, principal);
    const now = new Date();

    const who = await authenticateApiToken(db, token, now);

    expect(who).toEqual({ id: user.id, email: user.email, name: user.name, role: "labeler", via: "token", tokenId: apiToken.id });
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } });
    expect(row.lastUsedAt?.getTime()).toBe(now.getTime());
  });

  it("writes lastUsedAt at most once a minute", async () => {
    const { principal } = await makePrincipal(db);
    const { token, apiToken } = await createApiToken(db, { name: "t" }, principal);
    const t0 = new Date();
    await authenticateApiToken(db, token, t0);
    await authenticateApiToken(db, token, new Date(t0.getTime() + 30_000));
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } })).lastUsedAt?.getTime()).toBe(t0.getTime());
    const t2 = new Date(t0.getTime() + 61_000);
    await authenticateApiToken(db, token, t2);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } })).lastUsedAt?.getTime()).toBe(t2.getTime());
  });

  it("reflects the owner's current role", async () => {
    const { user, principal } = await makePrincipal(db, "viewer");
    const { token } = await createApiToken(db, { name: "t" }, principal);
    await db.user.update({ where: { id: user.id }, data: { role: "admin" } });
    expect((await authenticateApiToken(db, token))?.role).toBe("admin");
  });

  it("rejects unknown, malformed and over-long tokens", async () => {
    const { principal } = await makePrincipal(db);
    const { token } = await createApiToken(db, { name: "t" }, principal);
    expect(await authenticateApiToken(db, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).toBeNull();
    expect(await authenticateApiToken(db, token.slice(4))).toBeNull();
    expect(await authenticateApiToken(db, "")).toBeNull();
    expect(await authenticateApiToken(db, `sst_${"x".repeat(300)}`)).toBeNull();
  });

  it("rejects a revoked token", async () => {
    const { principal } = await makePrincipal(db);
    const { token, apiToken } = await createApiToken(db, { name: "t" }, principal);
    await db.apiToken.update({ where: { id: apiToken.id }, data: { revokedAt: new Date() } });
    expect(await authenticateApiToken(db, token)).toBeNull();
  });

  it("rejects an expired token, and accepts it before expiry", async () => {
    const { principal } = await makePrincipal(db);
    const { token } = await createApiToken(db, { name: "t", expiresInDays: 1 }, principal);
    expect(await authenticateApiToken(db, token, new Date(Date.now() + DAY / 2))).not.toBeNull();
    expect(await authenticateApiToken(db, token, new Date(Date.now() + 2 * DAY))).toBeNull();
  });

  it("rejects the token of a disabled user", async () => {
    const { user, principal } = await makePrincipal(db);
    const { token } = await createApiToken(db, { name: "t" }, principal);
    await db.user.update({ where: { id: user.id }, data: { disabled: true } });
    expect(await authenticateApiToken(db, token)).toBeNull();
  });
});
