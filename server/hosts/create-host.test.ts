import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { createHost } from "@/server/hosts/create-host";
import { createHostInput } from "@/server/hosts/host-schemas";
import { toHostView } from "@/server/hosts/host-view";
import { getHost, listHosts } from "@/server/hosts/list-hosts";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { openSecret } from "@/server/crypto/secret-box";

const db = setupTestDb();
const TOKEN = "gateway-token-0123456789abcdef";

describe("createHost", () => {
  it("stores the token encrypted and never shows it", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const view = await createHost(db, createHostInput.parse({ name: "gpu-1", url: "http://10.0.0.5:8888/", token: TOKEN }), principal, "192.0.2.7");

    const row = await db.computeHost.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.tokenCiphertext).toBeTruthy();
    expect(row.tokenCiphertext).not.toBe(TOKEN);
    expect(row.tokenCiphertext).not.toContain(TOKEN);
    expect(openSecret(row.tokenCiphertext!)).toBe(TOKEN);
    expect(gatewayTargetOf(row)).toEqual({ url: "http://10.0.0.5:8888", token: TOKEN });

    for (const shown of [view, toHostView(row), await getHost(db, view.id), ...(await listHosts(db))]) {
      expect(shown).not.toHaveProperty("token");
      expect(shown).not.toHaveProperty("tokenCiphertext");
      expect(shown.hasToken).toBe(true);
      expect(JSON.stringify(shown)).not.toContain(TOKEN);
      expect(JSON.stringify(shown)).not.toContain(row.tokenCiphertext);
    }
    expect(view).toMatchObject({ name: "gpu-1", url: "http://10.0.0.5:8888", kind: "remote", enabled: true, status: "unknown", probePending: true });

    const [event] = await auditEvents(db, "host.create");
    expect(event).toMatchObject({ actorId: principal.id, targetType: "host", targetId: view.id, ip: "192.0.2.7" });
    expect(event.detail).toEqual({ name: "gpu-1", url: "http://10.0.0.5:8888", withToken: true });
  });

  it("encrypts with a fresh IV each time", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const a = await createHost(db, createHostInput.parse({ name: "a", url: "http://a:1", token: TOKEN }), principal);
    const b = await createHost(db, createHostInput.parse({ name: "b", url: "http://b:1", token: TOKEN }), principal);
    const [ra, rb] = await Promise.all([a, b].map((h) => db.computeHost.findUniqueOrThrow({ where: { id: h.id } })));
    expect(ra.tokenCiphertext).not.toBe(rb.tokenCiphertext);
  });

  it("stores no token when none (or an empty one) is given", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const view = await createHost(db, createHostInput.parse({ name: "open", url: "http://open:8888", token: "  " }), principal);
    expect(view.hasToken).toBe(false);
    expect((await db.computeHost.findUniqueOrThrow({ where: { id: view.id } })).tokenCiphertext).toBeNull();
    expect(gatewayTargetOf({ url: "http://open:8888", tokenCiphertext: null }).token).toBeNull();
  });

  it("creates a disabled host as disabled, with no probe requested", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const view = await createHost(db, createHostInput.parse({ name: "off", url: "http://off:8888", enabled: false }), principal);
    expect(view).toMatchObject({ enabled: false, status: "disabled", probePending: false });
  });

  it("rejects a duplicate name with conflict", async () => {
    const { principal } = await makePrincipal(db, "admin");
    await createHost(db, createHostInput.parse({ name: "gpu-1", url: "http://a:1" }), principal);
    const error = await expectAppError(createHost(db, createHostInput.parse({ name: " gpu-1 ", url: "http://b:1" }), principal), "conflict");
    expect(error.issues).toEqual([{ path: "name", message: "is taken" }]);
    expect(await db.computeHost.count()).toBe(1);
  });

  it("accepts only http(s) URLs", () => {
    expect(createHostInput.safeParse({ name: "x", url: "ftp://x" }).success).toBe(false);
    expect(createHostInput.safeParse({ name: "x", url: "not a url" }).success).toBe(false);
    expect(createHostInput.parse({ name: "x", url: "https://x.example.com///" }).url).toBe("https://x.example.com");
  });

  it("refuses URLs that carry a token, credentials, a query or a fragment (they are shown to data scientists)", () => {
    for (const url of ["http://h:8888/?token=abc", "http://user:pass@h:8888", "http://h:8888/#token=abc"]) {
      const parsed = createHostInput.safeParse({ name: "x", url });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0].message).toMatch(/token field/);
    }
  });
});
