import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { createApiToken } from "@/server/tokens/create-api-token";
import { listApiTokens } from "@/server/tokens/list-api-tokens";
import { TOKEN_PREFIX } from "@/server/tokens/token-hash";

const db = setupTestDb();

describe("createApiToken", () => {
  it("returns the plaintext once and stores only its SHA-256 hash and a short prefix", async () => {
    const { principal } = await makePrincipal(db);
    const { token, apiToken } = await createApiToken(db, { name: "laptop" }, principal, "192.0.2.3");

    expect(token).toMatch(new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(apiToken).toMatchObject({ name: "laptop", prefix: token.slice(0, 12), expiresAt: null, revokedAt: null, lastUsedAt: null });
    expect(JSON.stringify(apiToken)).not.toContain(token);

    const row = await db.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(row.userId).toBe(principal.id);
    // No column holds the token (the 12-character prefix is not enough to use it).
    for (const value of Object.values(row)) expect(String(value)).not.toContain(token.slice(12));
    expect(JSON.stringify(await listApiTokens(db, principal.id))).not.toContain(token.slice(12));

    const [event] = await auditEvents(db, "token.create");
    expect(event).toMatchObject({ actorId: principal.id, targetType: "api_token", targetId: row.id, ip: "192.0.2.3" });
    expect(JSON.stringify(event.detail)).not.toContain(token.slice(12));
  });

  it("refuses to create a token with another token (a leaked token must not outlive its revocation)", async () => {
    const { principal } = await makePrincipal(db);
    await expectAppError(createApiToken(db, { name: "minted" }, { ...principal, via: "token", tokenId: "t1" }), "forbidden");
    expect(await db.apiToken.count()).toBe(0);
  });

  it("makes a different token every time", async () => {
    const { principal } = await makePrincipal(db);
    const a = await createApiToken(db, { name: "a" }, principal);
    const b = await createApiToken(db, { name: "b" }, principal);
    expect(a.token).not.toBe(b.token);
  });

  it("sets expiresAt from expiresInDays", async () => {
    const { principal } = await makePrincipal(db);
    const before = Date.now();
    const { apiToken } = await createApiToken(db, { name: "ci", expiresInDays: 30 }, principal);
    const expires = new Date(apiToken.expiresAt!).getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expires).toBeLessThan(Date.now() + 30 * 86_400_000 + 1000);
  });

  it("lists only the owner's tokens, newest first", async () => {
    const { principal: alice } = await makePrincipal(db);
    const { principal: bob } = await makePrincipal(db);
    const first = await createApiToken(db, { name: "first" }, alice);
    await new Promise((r) => setTimeout(r, 5));
    const second = await createApiToken(db, { name: "second" }, alice);
    await createApiToken(db, { name: "bob's" }, bob);
    expect((await listApiTokens(db, alice.id)).map((t) => t.id)).toEqual([second.apiToken.id, first.apiToken.id]);
  });
});
