// probeHost against a real Jupyter Kernel Gateway (kernels/.venv), plus a closed port and an HTTP
// server that is not a gateway. Runs once per database provider; one gateway per file.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { freePort, startGateway, type RunningGateway } from "@/test/gateway";
import { createHost } from "@/server/hosts/create-host";
import { createHostInput } from "@/server/hosts/host-schemas";
import { getHost } from "@/server/hosts/list-hosts";
import { hostsDueForProbe, probeHost } from "@/server/hosts/probe-host";

const db = setupTestDb();
let gateway: RunningGateway;
let notAGateway: http.Server;
let notAGatewayUrl: string;

beforeAll(async () => {
  notAGateway = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>Router admin</title><h1>Welcome</h1>");
  });
  await new Promise<void>((resolve) => notAGateway.listen(0, "127.0.0.1", resolve));
  notAGatewayUrl = `http://127.0.0.1:${(notAGateway.address() as AddressInfo).port}`;
  gateway = await startGateway();
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => notAGateway?.close(resolve));
}, 30_000);

async function hostFor(url: string, token?: string) {
  const { principal } = await makePrincipal(db, "admin");
  return createHost(db, createHostInput.parse({ name: `h-${Math.random().toString(36).slice(2, 8)}`, url, token }), principal);
}

describe("probeHost against a real kernel gateway", () => {
  it("reports a gateway with the right token healthy, with kernels and hardware", async () => {
    const host = await hostFor(gateway.url, gateway.token);
    const now = new Date();

    expect(await probeHost(db, host.id, now)).toBe("healthy");

    const view = await getHost(db, host.id);
    expect(view).toMatchObject({ status: "healthy", statusReason: null, probePending: false, defaultKernel: "python3", runningKernels: 0 });
    expect(view.gatewayVersion).toMatch(/^Jupyter Server \d+\.\d+/);
    expect(view.kernelSpecs).toContainEqual(expect.objectContaining({ name: "python3", language: "python" }));
    expect(view.lastHealthyAt).toBe(now.toISOString());
    expect(view.probeLatencyMs).toBeGreaterThanOrEqual(0);
    expect(view.hardware).not.toBeNull();
    expect(view.hardware!.cpu_count).toBeGreaterThan(0);
    expect(view.hardware!.memory_total_bytes).toBeGreaterThan(0);
    expect(Array.isArray(view.hardware!.gpus)).toBe(true);
    // The probe kernel was shut down again.
    const kernels = await fetch(`${gateway.url}/api/kernels`, { headers: { Authorization: `token ${gateway.token}` } });
    expect(await kernels.json()).toEqual([]);
    // Probed: no longer due until the interval passes.
    expect(await hostsDueForProbe(db, 60_000, now)).not.toContain(host.id);
  }, 90_000);

  it("reports a wrong token as auth_failed", async () => {
    const host = await hostFor(gateway.url, "definitely-not-the-token");
    expect(await probeHost(db, host.id)).toBe("auth_failed");
    const view = await getHost(db, host.id);
    expect(view.status).toBe("auth_failed");
    expect(view.statusReason).toContain("Authentication failed");
    expect(view.statusReason).not.toContain("definitely-not-the-token");
    expect(view.gatewayVersion).toBeNull();
  });

  it("reports a missing token as auth_failed too", async () => {
    const host = await hostFor(gateway.url);
    expect(await probeHost(db, host.id)).toBe("auth_failed");
    expect((await getHost(db, host.id)).statusReason).toContain("requires a token");
  });

  it("reports a closed port as unreachable, connection refused", async () => {
    const host = await hostFor(`http://127.0.0.1:${await freePort()}`, "some-token-0123456789");
    expect(await probeHost(db, host.id)).toBe("unreachable");
    const view = await getHost(db, host.id);
    expect(view.status).toBe("unreachable");
    expect(view.statusReason).toMatch(/refused/i);
    expect(view.runningKernels).toBeNull();
  });

  it("reports an HTTP server that is not a gateway as error", async () => {
    const host = await hostFor(notAGatewayUrl, "some-token-0123456789");
    expect(await probeHost(db, host.id)).toBe("error");
    const view = await getHost(db, host.id);
    expect(view.status).toBe("error");
    expect(view.statusReason).toContain("does not look like a Jupyter gateway");
  });
});
