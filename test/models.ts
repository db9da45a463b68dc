// Real models for domain tests: Python run in the kernel sandbox (kernels/.venv, writing only to
// its workspace) trains and saves them; a saved model folder is registered from a run the way
// `studio.log_model` leaves it.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import type { ModelVersionView } from "@/lib/model-registry";
import { createRun } from "@/server/tracking/create-run";
import { putRunArtifact } from "@/server/tracking/run-artifacts";
import { registerModelVersionInput } from "@/server/models/model-schemas";
import { registerFromRun } from "@/server/models/register-model-version";
import { exportPendingVersions, exportsSettled } from "@/server/models/export-onnx";
import { onnxReportSchema } from "@/lib/model-registry";
import { jsonValue } from "@/server/db-driver";
import { sealSecret } from "@/server/crypto/secret-box";
import { startGateway, type RunningGateway } from "@/test/gateway";
import { startStudioApi, type StudioApi } from "@/test/studio-api";
// @ts-expect-error -- plain JavaScript (scripts/ run before node_modules exist).
import { sandboxed, venvBin } from "../scripts/lib/setup.mjs";

/** Runs a Python script in the kernel sandbox with `workspace` as its working directory; throws with its stderr if it fails. */
export function runPythonInSandbox(script: string, workspace: string, timeoutMs = 120_000): void {
  const launch = sandboxed(venvBin("python"), ["-c", script], { env: process.env, workspace, databaseUrl: process.env.DATABASE_URL });
  const result = spawnSync(launch.command, launch.args, { env: launch.env, encoding: "utf8", timeout: timeoutMs });
  if (result.status !== 0) throw new Error(`the Python script failed: ${result.stderr}`);
}

/** Logs a saved model folder as a new run's `model/` artifacts and registers it as the next version of `modelName`. */
export async function registerModelFolder(db: Db, store: ArtifactStore, principal: Principal, projectId: string, dir: string, modelName: string): Promise<ModelVersionView> {
  const run = await createRun(db, projectId, { experiment: "churn", source: "sdk" }, principal);
  for (const file of readdirSync(dir)) {
    await putRunArtifact(db, store, run.id, `model/${file}`, Readable.from([readFileSync(path.join(dir, file))]), principal);
  }
  const input = registerModelVersionInput.parse({ source: "run", runId: run.id, modelName });
  if (input.source !== "run") throw new Error("unreachable");
  return registerFromRun(db, store, projectId, input, principal);
}

/**
 * ONNX exports run in kernels on compute hosts: a real Kernel Gateway, the SDK's side of the API
 * (test/studio-api.ts) that its kernels call back, and `addLocalHost` to register the gateway as the
 * local host (again after each test's database reset).
 */
export async function startExportHost(db: Db, store: ArtifactStore): Promise<{ gateway: RunningGateway; api: StudioApi; addLocalHost(): Promise<{ id: string; name: string }>; stop(): Promise<void> }> {
  const gateway = await startGateway();
  const api = await startStudioApi(db, store);
  return {
    gateway,
    api,
    addLocalHost: async () => {
      await db.computeHost.deleteMany({ where: { kind: "local" } });
      return db.computeHost.create({ data: { name: `local-${Math.random().toString(36).slice(2, 6)}`, kind: "local", url: gateway.url, tokenCiphertext: sealSecret(gateway.token), status: "healthy" } });
    },
    stop: async () => {
      await api.close();
      await gateway.stop();
    },
  };
}

/**
 * Worker passes until the version's export has an outcome (converted, failed or unsupported). Other
 * versions still waiting in this test database are set aside first, so they do not queue before it.
 */
export async function exportNow(db: Db, versionId: string, api: StudioApi, options: { timeoutMs?: number; deadlineMs?: number } = {}) {
  await db.modelVersion.updateMany({ where: { onnxStatus: "pending", id: { not: versionId } }, data: { onnxStatus: "none" } });
  const deadline = Date.now() + (options.deadlineMs ?? 180_000);
  for (;;) {
    await exportPendingVersions(db, { studioUrlFor: () => api.url, timeoutMs: options.timeoutMs });
    await exportsSettled();
    const version = await db.modelVersion.findUniqueOrThrow({ where: { id: versionId }, include: { files: true } });
    if (version.onnxStatus !== "pending") return { ...version, report: onnxReportSchema.parse(jsonValue(version.onnx, null)) };
    if (Date.now() > deadline) throw new Error(`the export is still pending: ${JSON.stringify(version.onnx)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
