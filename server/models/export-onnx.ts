import "server-only";
import { spawn } from "node:child_process";
import { createReadStream, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { onnxReportSchema, type OnnxReport, type OnnxServing } from "@/lib/model-registry";
import { jsonValue } from "@/server/db-driver";
// @ts-expect-error -- plain JavaScript shared with `npm start` (scripts/ run before node_modules exist); typed below.
import { modelToolLaunch as untypedModelToolLaunch } from "../../scripts/lib/processes.mjs";

// The worker's ONNX exports: every newly registered version is exported once (python -m
// studio.onnx_export, in the kernel sandbox with the model folder read-only). A converted version
// gets the graph as a file (onnx/model.onnx) and is served in-process by onnxruntime-node; the
// report (converter, rows checked, largest difference, or why not) is kept on the version.

const modelToolLaunch = untypedModelToolLaunch as (options: { module: string; args: string[]; modelDir: string; workspace: string; env: NodeJS.ProcessEnv }) => {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
};

/** Where a converted graph is kept among the version's files. */
export const ONNX_EXPORT_PATH = "onnx/model.onnx";
const EXPORT_TIMEOUT_MS = 10 * 60_000;
const MAX_CONCURRENT = 1;

const inFlight = new Set<string>();

/** A version's exported graph on this machine and how to feed it; null when it has none to serve. */
export function servedOnnx(version: { onnx: unknown; files: { path: string; storageKey: string }[] }, store: ArtifactStore): { path: string; serving: OnnxServing; converter: string | null } | null {
  const report = onnxReportSchema.safeParse(jsonValue(version.onnx, null));
  if (!report.success || report.data.status !== "converted" || !report.data.serving) return null;
  const file = version.files.find((f) => f.path === report.data.file);
  const path = file ? store.localPath(file.storageKey) : null;
  return path ? { path, serving: report.data.serving, converter: report.data.converter ?? null } : null;
}

function runExport(modelDir: string, workspace: string): Promise<OnnxReport> {
  const launch = modelToolLaunch({ module: "studio.onnx_export", args: ["--dir", modelDir, "--out", workspace], modelDir, workspace, env: process.env });
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, { env: launch.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString("utf8")).slice(-64_000)));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-16_000)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, EXPORT_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(last);
      } catch {
        /* reported below */
      }
      const report = onnxReportSchema.safeParse(parsed);
      if (report.success) return resolve(report.data);
      const why = signal === "SIGKILL" ? `the export took longer than ${EXPORT_TIMEOUT_MS / 60_000} minutes` : `the export ended (${signal ?? `code ${code}`}) without a report`;
      if (stderr.trim()) console.error(`[worker] ONNX export failed:\n${stderr.trim()}`);
      resolve({ status: "failed", reason: `${why}${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" ")}` : ""}`.slice(0, 2_000) });
    });
  });
}

async function exportVersion(db: Db, store: ArtifactStore, versionId: string): Promise<void> {
  const files = await db.modelVersionFile.findMany({ where: { versionId }, select: { path: true, storageKey: true } });
  const manifest = files.find((f) => f.path === "studio-model.json");
  const manifestPath = manifest ? store.localPath(manifest.storageKey) : null;
  let report: OnnxReport;
  let stored: { path: string; sizeBytes: bigint; sha256: string; storageKey: string } | null = null;
  if (!manifest || !manifestPath) {
    report = { status: "unsupported", reason: manifest ? "the model's files are not on this machine" : "the version has no studio-model.json" };
  } else {
    const workspace = path.join(process.cwd(), "data", "exports", versionId);
    rmSync(workspace, { recursive: true, force: true });
    mkdirSync(workspace, { recursive: true, mode: 0o700 });
    try {
      report = await runExport(path.dirname(manifestPath), workspace);
      if (report.status === "converted" && report.file === "model.onnx") {
        // Kept beside the version's own files, under a path no registered file can have taken.
        const pending = await store.write(createReadStream(path.join(workspace, "model.onnx")), { maxBytes: 4 * 1024 ** 3 });
        try {
          const storageKey = `${path.posix.dirname(manifest.storageKey)}/${ONNX_EXPORT_PATH}`;
          await pending.commit(storageKey);
          stored = { path: ONNX_EXPORT_PATH, sizeBytes: BigInt(pending.size), sha256: pending.sha256, storageKey };
          report = { ...report, file: ONNX_EXPORT_PATH };
        } finally {
          await pending.discard();
        }
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  }
  await db.$transaction(async (tx) => {
    if (stored) {
      await tx.modelVersionFile.deleteMany({ where: { versionId, path: ONNX_EXPORT_PATH } });
      await tx.modelVersionFile.create({ data: { versionId, ...stored } });
    }
    await tx.modelVersion.update({ where: { id: versionId }, data: { onnxStatus: report.status, onnx: report as object } });
  }).catch(async (error: unknown) => {
    // Deleted while it was exported: the file goes with it.
    if (stored) await store.delete(stored.storageKey);
    if ((error as { code?: string }).code !== "P2025") throw error;
  });
}

/** One pass: starts exports of versions waiting for one (one at a time; each runs for seconds). */
export async function exportPendingVersions(db: Db, store: ArtifactStore): Promise<void> {
  if (inFlight.size >= MAX_CONCURRENT) return;
  const pending = await db.modelVersion.findMany({ where: { onnxStatus: "pending", id: { notIn: [...inFlight] } }, orderBy: { createdAt: "asc" }, take: MAX_CONCURRENT - inFlight.size, select: { id: true } });
  for (const { id } of pending) {
    inFlight.add(id);
    void exportVersion(db, store, id)
      .catch((error: unknown) => console.error(`[worker] ONNX export of model version ${id} failed:`, error))
      .finally(() => inFlight.delete(id));
  }
}

/** Waits for exports started by exportPendingVersions (tests). */
export async function exportsSettled(): Promise<void> {
  while (inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
