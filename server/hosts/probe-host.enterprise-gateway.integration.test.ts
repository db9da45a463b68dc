// probeHost against a real Jupyter Enterprise Gateway 3.3 (kernels/.venv-eg) with its defaults:
// the scale-out path (EG on Kubernetes) speaks the same API, and its defaults differ from Kernel
// Gateway's in ways the probe must survive (kernel listing off, root may not start kernels
// without KERNEL_USERNAME, the EG version reported beside the server's).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { startGateway, type RunningGateway } from "@/test/gateway";
import { createHost } from "@/server/hosts/create-host";
import { createHostInput } from "@/server/hosts/host-schemas";
import { getHost } from "@/server/hosts/list-hosts";
import { probeHost } from "@/server/hosts/probe-host";

const db = setupTestDb();
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway({ timeoutMs: 90_000, flavor: "enterprise" });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
}, 30_000);

async function hostFor(token: string) {
  const { principal } = await makePrincipal(db, "admin");
  return createHost(db, createHostInput.parse({ name: `eg-${Math.random().toString(36).slice(2, 8)}`, url: gateway.url, token }), principal);
}

describe("probeHost against Jupyter Enterprise Gateway", () => {
  it("is healthy with its version, kernel specs and hardware; running kernels unknown while listing is off", async () => {
    const host = await hostFor(gateway.token);
    expect(await probeHost(db, host.id)).toBe("healthy");
    const view = await getHost(db, host.id);
    expect(view.statusReason).toBeNull();
    expect(view.gatewayVersion).toMatch(/^Enterprise Gateway 3\.3\.\d+ · Jupyter Server 1\.\d+/);
    expect(view.kernelSpecs.map((k) => k.name)).toContain("python3");
    expect(view.runningKernels).toBeNull();
    expect(view.hardware?.cpu_count).toBeGreaterThan(0);
    expect(view.hardware?.memory_total_bytes).toBeGreaterThan(0);

    // EG's default: kernel listing is off (EG_LIST_KERNELS), which is why the count is unknown.
    const kernels = await fetch(`${gateway.url}/api/kernels`, { headers: { Authorization: `token ${gateway.token}` } });
    expect(kernels.status).toBe(403);
  }, 60_000);

  it("reports a wrong token as authentication failed", async () => {
    const host = await hostFor("not-the-enterprise-gateway-token");
    expect(await probeHost(db, host.id)).toBe("auth_failed");
    expect((await getHost(db, host.id)).statusReason).toContain("Authentication failed");
  });
});
