import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import { createApiToken } from "@/server/tokens/create-api-token";
import { revokeApiToken } from "@/server/tokens/revoke-api-token";

const db = setupTestDb();

describe("revokeApiToken", () => {
  it("lets the owner revoke a token, which stops working at once", async () => {
    const { principal } = await makePrincipal(db);
    const { token, apiToken } = await createApiToken(db, { name: "t" }, principal);

    const view = await revokeApiToken(db, apiToken.id, principal, "192.0.2.4");

    expect(view.revokedAt).not.toBeNull();
    expect(await authenticateApiToken(db, token)).toBeNull();
    const [event] = await auditEvents(db, "token.revoke");
    expect(event).toMatchObject({ actorId: principal.id, targetId: apiToken.id, ip: "192.0.2.4" });
  });

  it("answers not_found when another non-admin user tries, and the token keeps working", async () => {
    const { principal: owner } = await makePrincipal(db, "data_scientist");
    const { principal: other } = await makePrincipal(db, "data_scientist");
    const { token, apiToken } = await createApiToken(db, { name: "t" }, owner);

    await expectAppError(revokeApiToken(db, apiToken.id, other), "not_found");

    expect(await authenticateApiToken(db, token)).not.toBeNull();
    expect(await auditEvents(db, "token.revoke")).toHaveLength(0);
  });

  it("lets an admin revoke anyone's token", async () => {
    const { principal: owner } = await makePrincipal(db, "viewer");
    const { principal: admin } = await makePrincipal(db, "admin");
    const { token, apiToken } = await createApiToken(db, { name: "t" }, owner);

    await revokeApiToken(db, apiToken.id, admin);

    expect(await authenticateApiToken(db, token)).toBeNull();
    expect((await auditEvents(db, "token.revoke"))[0].actorId).toBe(admin.id);
  });

  it("is idempotent: revoking again keeps the first revocation time and audits once", async () => {
    const { principal } = await makePrincipal(db);
    const { apiToken } = await createApiToken(db, { name: "t" }, principal);
    const first = await revokeApiToken(db, apiToken.id, principal);
    const second = await revokeApiToken(db, apiToken.id, principal);
    expect(second.revokedAt).toBe(first.revokedAt);
    expect(await auditEvents(db, "token.revoke")).toHaveLength(1);
  });

  it("answers not_found for an unknown id", async () => {
    const { principal } = await makePrincipal(db, "admin");
    await expectAppError(revokeApiToken(db, "no-such-token", principal), "not_found");
  });
});
