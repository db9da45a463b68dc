import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { auditEvents, expectAppError, makePrincipal } from "@/test/fixtures";
import { createHost } from "@/server/hosts/create-host";
import { deleteHost } from "@/server/hosts/delete-host";
import { updateHost } from "@/server/hosts/update-host";
import { requestHostProbe } from "@/server/hosts/request-host-probe";
import { registerLocalHost } from "@/server/hosts/register-local-host";
import { createHostInput, updateHostInput } from "@/server/hosts/host-schemas";
import { getHost } from "@/server/hosts/list-hosts";
import { openSecret } from "@/server/crypto/secret-box";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();

async function remote(admin: Principal, name = "remote-1", token: string | undefined = "remote-token-0123456789") {
  return createHost(db, createHostInput.parse({ name, url: "http://10.0.0.9:8888", token }), admin);
}

async function local() {
  await registerLocalHost(db, { url: "http://127.0.0.1:41234", token: "local-token-0123456789" });
  return db.computeHost.findFirstOrThrow({ where: { kind: "local" } });
}

const row = (id: string) => db.computeHost.findUniqueOrThrow({ where: { id } });

/** As if the worker had handled the last probe request: nothing pending. */
async function probedSinceRequest(id: string) {
  await db.computeHost.update({ where: { id }, data: { probeRequestedAt: new Date(Date.now() - 10_000), lastProbedAt: new Date(Date.now() - 5_000) } });
  const { probePending } = await getHost(db, id);
  expect(probePending).toBe(false);
}

describe("updateHost", () => {
  it("rejects changing the local host's URL or token", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await local();
    const byUrl = await expectAppError(updateHost(db, host.id, updateHostInput.parse({ url: "http://evil:1" }), principal), "validation_failed");
    expect(byUrl.issues?.[0].path).toBe("url");
    const byToken = await expectAppError(updateHost(db, host.id, updateHostInput.parse({ token: "x".repeat(20) }), principal), "validation_failed");
    expect(byToken.issues?.[0].path).toBe("token");
    expect((await row(host.id)).url).toBe("http://127.0.0.1:41234");
  });

  it("allows renaming and disabling the local host", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await local();
    const view = await updateHost(db, host.id, updateHostInput.parse({ name: "this box", enabled: false }), principal);
    expect(view).toMatchObject({ name: "this box", enabled: false, status: "disabled" });
  });

  it("disables a host: status disabled, reason given, no probe pending; enabling asks for a probe", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await remote(principal);
    await db.computeHost.update({ where: { id: host.id }, data: { status: "healthy", lastProbedAt: new Date(Date.now() - 5_000) } });

    const off = await updateHost(db, host.id, { enabled: false }, principal);
    expect(off).toMatchObject({ enabled: false, status: "disabled", statusReason: "Disabled by an admin.", probePending: false });
    expect((await row(host.id)).probeRequestedAt).toBeNull();

    const on = await updateHost(db, host.id, { enabled: true }, principal);
    expect(on).toMatchObject({ enabled: true, status: "unknown", statusReason: null, probePending: true });
  });

  it("replaces or removes the token without ever logging it", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await remote(principal);

    await updateHost(db, host.id, updateHostInput.parse({ token: "replacement-token-abcdef" }), principal);
    expect(openSecret((await row(host.id)).tokenCiphertext!)).toBe("replacement-token-abcdef");

    const cleared = await updateHost(db, host.id, updateHostInput.parse({ token: "" }), principal);
    expect(cleared.hasToken).toBe(false);
    expect((await row(host.id)).tokenCiphertext).toBeNull();

    const events = await auditEvents(db, "host.update");
    expect(events.map((e) => (e.detail as { token?: string }).token)).toEqual(["replaced", "removed"]);
    expect(JSON.stringify(events)).not.toContain("replacement-token-abcdef");
  });

  it("keeps the token when it is omitted, and re-requests a probe on a URL change", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await remote(principal);
    await probedSinceRequest(host.id);
    const view = await updateHost(db, host.id, updateHostInput.parse({ url: "http://10.0.0.10:8888/" }), principal);
    expect(view).toMatchObject({ url: "http://10.0.0.10:8888", hasToken: true, probePending: true });
    expect(openSecret((await row(host.id)).tokenCiphertext!)).toBe("remote-token-0123456789");
  });

  it("rejects renaming to another host's name with conflict", async () => {
    const { principal } = await makePrincipal(db, "admin");
    await remote(principal, "taken");
    const host = await remote(principal, "mine");
    await expectAppError(updateHost(db, host.id, { name: "taken" }, principal), "conflict");
    await expect(updateHost(db, host.id, { name: "mine" }, principal)).resolves.toMatchObject({ name: "mine" });
  });

  it("answers not_found for an unknown host", async () => {
    const { principal } = await makePrincipal(db, "admin");
    await expectAppError(updateHost(db, "nope", { enabled: false }, principal), "not_found");
  });
});

describe("deleteHost", () => {
  it("deletes a remote host and audits it", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await remote(principal);
    await deleteHost(db, host.id, principal, "192.0.2.8");
    expect(await db.computeHost.count()).toBe(0);
    const [event] = await auditEvents(db, "host.delete");
    expect(event).toMatchObject({ targetId: host.id, ip: "192.0.2.8" });
  });

  it("refuses to delete the local host (conflict)", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await local();
    await expectAppError(deleteHost(db, host.id, principal), "conflict");
    expect(await db.computeHost.count()).toBe(1);
    expect(await auditEvents(db, "host.delete")).toHaveLength(0);
  });

  it("answers not_found for an unknown host", async () => {
    const { principal } = await makePrincipal(db, "admin");
    await expectAppError(deleteHost(db, "nope", principal), "not_found");
  });
});

describe("requestHostProbe", () => {
  it("marks a probe pending, and refuses for a disabled host", async () => {
    const { principal } = await makePrincipal(db, "admin");
    const host = await remote(principal);
    await probedSinceRequest(host.id);
    expect((await requestHostProbe(db, host.id)).probePending).toBe(true);

    await updateHost(db, host.id, { enabled: false }, principal);
    await expectAppError(requestHostProbe(db, host.id), "conflict");
    await expectAppError(requestHostProbe(db, "nope"), "not_found");
  });
});
