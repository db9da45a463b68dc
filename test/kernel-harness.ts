// For integration tests that run real code in real kernels: a Kernel Gateway (test/gateway.ts) and
// the SDK's side of the studio's API over the test database (test/studio-api.ts), started before the
// file's tests and stopped after, an artifact store in a temporary directory, and the gateway
// registered as the local compute host.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { Db } from "@/server/db";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { sealSecret } from "@/server/crypto/secret-box";
import { startGateway, type RunningGateway } from "@/test/gateway";
import { startStudioApi, type StudioApi } from "@/test/studio-api";

export interface KernelHarness {
  store: LocalArtifactStore;
  /** Set once the file's tests run. */
  gateway: RunningGateway;
  api: StudioApi;
  /** Makes the gateway the (only) local compute host, healthy. */
  localHost(): ReturnType<Db["computeHost"]["create"]>;
}

export function kernelHarness(db: Db, prefix: string): KernelHarness {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const harness = {
    store: new LocalArtifactStore(root),
    gateway: undefined as unknown as RunningGateway,
    api: undefined as unknown as StudioApi,
    async localHost() {
      await db.computeHost.deleteMany({ where: { kind: "local" } });
      return db.computeHost.create({ data: { name: `local-${Math.random().toString(36).slice(2, 6)}`, kind: "local", url: harness.gateway.url, tokenCiphertext: sealSecret(harness.gateway.token), status: "healthy" } });
    },
  } as KernelHarness;
  beforeAll(async () => {
    harness.gateway = await startGateway();
    harness.api = await startStudioApi(db, harness.store);
  }, 90_000);
  afterAll(async () => {
    await harness.api?.close();
    await harness.gateway?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 30_000);
  return harness;
}
