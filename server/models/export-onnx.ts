import "server-only";
import { z } from "zod";
import type { Db } from "@/server/db";
import type { OnnxReport } from "@/lib/model-registry";
import { jsonValue } from "@/server/db-driver";
import { studioUrlForHost } from "@/server/hosts/studio-url";
import { runInKernel, sdkBootstrap, shutdownTaskKernel, startTaskKernel, taskFailure } from "@/server/hosts/kernel-task";
import { createScopedToken, revokeExportTokens } from "@/server/tokens/scoped-tokens";

// The worker's ONNX exports: every newly registered version is exported once, in a kernel on a
// compute host — the host the producing training job ran on while it exists and can be used, else
// the local host — so the studio machine needs no ML stack and a big export uses the host's
// memory. The kernel runs `studio.onnx_export.run_for_studio()` (kernels/sdk) with a token that
// works only on this version's export routes: it downloads the version's files, converts and
// checks the export, sends the graph and the report (server/models/onnx-export-runtime.ts). A
// converted version is served in-process by onnxruntime-node. The worker only picks the host,
// starts and watches the kernel (one export per host at a time, 10 minutes at most), and marks the
// export failed when the kernel ends without a report. With no usable host the version stays
// pending, saying what it waits for, and the export starts when a host is back.

const EXPORT_BOOTSTRAP = sdkBootstrap("studio.onnx_export", "run_for_studio");
const EXPORT_TIMEOUT_MS = 10 * 60_000;
/** After a kernel could not be started, the next try on that version waits this long. */
const RETRY_AFTER_MS = 30_000;

/** Version id → its export's promise, while the worker runs it. */
const inFlight = new Map<string, Promise<void>>();
/** Host id → the version exported there now (one export per host at a time). */
const busyHosts = new Map<string, string>();
/** Version id → when to try again after a kernel start failed. */
const retryAt = new Map<string, number>();

/** What a pending version's `onnx` says while it waits or runs: why, and the kernel to shut after a worker restart. */
const pendingNote = z.object({ status: z.literal("pending"), reason: z.string().optional(), hostId: z.string().optional(), kernelId: z.string().optional() });
type PendingNote = z.infer<typeof pendingNote>;

interface HostRow {
  id: string;
  name: string;
  kind: string;
  url: string;
  tokenCiphertext: string | null;
  enabled: boolean;
  status: string;
  statusReason: string | null;
  defaultKernel: string | null;
}

interface PendingVersion {
  id: string;
  version: number;
  jobId: string | null;
  createdById: string | null;
  onnx: unknown;
  model: { name: string; projectId: string };
}

export interface ExportOptions {
  /** How code on a host reaches the studio (tests point kernels at their own server). */
  studioUrlFor?: (host: { kind: string }) => string | null;
  timeoutMs?: number;
}

async function note(db: Db, versionId: string, value: PendingNote): Promise<void> {
  await db.modelVersion.updateMany({ where: { id: versionId, onnxStatus: "pending" }, data: { onnx: value } });
}

async function fail(db: Db, versionId: string, reason: string): Promise<void> {
  const report: OnnxReport = { status: "failed", reason: reason.slice(0, 2_000) };
  await db.modelVersion.updateMany({ where: { id: versionId, onnxStatus: "pending" }, data: { onnxStatus: "failed", onnx: report } });
}

/**
 * The host to export on: the producing job's while it exists, is enabled, answers and can reach the
 * studio; else the local host on the same terms. Otherwise why none can be used.
 */
async function exportHost(db: Db, version: PendingVersion, studioUrlFor: (host: { kind: string }) => string | null): Promise<{ host: HostRow; studioUrl: string } | { waiting: string }> {
  const candidates: HostRow[] = [];
  const job = version.jobId ? await db.trainingJob.findUnique({ where: { id: version.jobId }, select: { hostId: true } }) : null;
  const jobHost = job?.hostId ? await db.computeHost.findUnique({ where: { id: job.hostId } }) : null;
  if (jobHost) candidates.push(jobHost);
  const local = await db.computeHost.findFirst({ where: { kind: "local" } });
  if (local && local.id !== jobHost?.id) candidates.push(local);
  if (candidates.length === 0) return { waiting: "there is no compute host (add one on the Hosts page, or start the studio with its local gateway)." };
  const reasons: string[] = [];
  for (const host of candidates) {
    const studioUrl = studioUrlFor(host);
    const why = !host.enabled
      ? "disabled by an admin"
      : host.status === "unreachable" || host.status === "auth_failed"
        ? (host.statusReason ?? "unreachable")
        : !studioUrl
          ? "code there has no address to reach the studio (set STUDIO_PUBLIC_URL)"
          : null;
    if (!why) return { host, studioUrl: studioUrl! };
    reasons.push(`host ${host.name}: ${why}`);
  }
  return { waiting: `no compute host can run it now (${reasons.join("; ")}). It starts when one is back.` };
}

async function exportVersion(db: Db, version: PendingVersion, host: HostRow, studioUrl: string, timeoutMs: number): Promise<void> {
  const label = `${version.model.name} v${version.version}`;
  // A kernel an earlier worker started for this version (the worker restarted meanwhile) goes first.
  const earlier = pendingNote.safeParse(jsonValue(version.onnx, null));
  if (earlier.success && earlier.data.kernelId && earlier.data.hostId) {
    const old = await db.computeHost.findUnique({ where: { id: earlier.data.hostId } });
    if (old) await shutdownTaskKernel(old, earlier.data.kernelId);
  }
  await revokeExportTokens(db, version.id);
  if (!version.createdById) return fail(db, version.id, "The user who registered this version no longer exists; register the model again to export it.");
  await note(db, version.id, { status: "pending", reason: `Starting a kernel on host ${host.name}…`, hostId: host.id });
  const token = await createScopedToken(db, {
    kind: "export",
    userId: version.createdById,
    projectId: version.model.projectId,
    modelVersionId: version.id,
    name: `ONNX export of ${label}`,
    ttlMs: timeoutMs + 5 * 60_000,
  });
  let kernelId: string;
  try {
    ({ id: kernelId } = await startTaskKernel(host, null, { STUDIO_URL: studioUrl, STUDIO_TOKEN: token, STUDIO_PROJECT_ID: version.model.projectId, STUDIO_MODEL_VERSION_ID: version.id }));
  } catch (error) {
    await revokeExportTokens(db, version.id);
    retryAt.set(version.id, Date.now() + RETRY_AFTER_MS);
    return note(db, version.id, { status: "pending", reason: `Waiting for host ${host.name}: ${(error as Error).message} Trying again in ${RETRY_AFTER_MS / 1000} s.` });
  }
  retryAt.delete(version.id);
  await note(db, version.id, { status: "pending", reason: `Exporting in a kernel on host ${host.name}…`, hostId: host.id, kernelId });
  const task = runInKernel(host, { id: kernelId, name: host.defaultKernel ?? "python3" }, EXPORT_BOOTSTRAP);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const outcome = await Promise.race([task.done, timedOut]).catch((error: unknown) => ({ lost: String((error as Error)?.message ?? error) }));
    const still = await db.modelVersion.findUnique({ where: { id: version.id }, select: { onnxStatus: true } });
    if (still?.onnxStatus !== "pending") return; // the kernel reported (or the version was deleted)
    if (outcome === "timeout") return fail(db, version.id, `The export took longer than ${timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} minutes` : `${timeoutMs / 1000} s`} on host ${host.name} and was stopped.`);
    if ("lost" in outcome) return fail(db, version.id, `The export's kernel on host ${host.name} died or restarted before it reported (out of memory?): ${outcome.lost}`);
    if (outcome.output.trim()) console.error(`[worker] ONNX export of ${label} on ${host.name} ended without a report:\n${outcome.output.trim()}`);
    const why = outcome.error ? taskFailure(host, "The export", outcome.error) : `The export's kernel on host ${host.name} ended without a report.`;
    return fail(db, version.id, why);
  } finally {
    clearTimeout(timer);
    task.dispose();
    await shutdownTaskKernel(host, kernelId);
    await revokeExportTokens(db, version.id);
  }
}

/**
 * One pass: starts exports of versions waiting for one (one per host at a time; each runs for
 * seconds), and notes on the others what they wait for. Returns at once; exports go on meanwhile.
 */
export async function exportPendingVersions(db: Db, options: ExportOptions = {}): Promise<void> {
  const studioUrlFor = options.studioUrlFor ?? studioUrlForHost;
  const pending = await db.modelVersion.findMany({
    where: { onnxStatus: "pending", id: { notIn: [...inFlight.keys()] } },
    orderBy: { createdAt: "asc" },
    take: 20,
    select: { id: true, version: true, jobId: true, createdById: true, onnx: true, model: { select: { name: true, projectId: true } } },
  });
  for (const version of pending) {
    if ((retryAt.get(version.id) ?? 0) > Date.now()) continue;
    const target = await exportHost(db, version, studioUrlFor);
    if ("waiting" in target) {
      const reason = `Waiting for a compute host: ${target.waiting}`;
      const current = pendingNote.safeParse(jsonValue(version.onnx, null));
      if (!current.success || current.data.reason !== reason) await note(db, version.id, { ...(current.success ? current.data : { status: "pending" }), reason });
      continue;
    }
    if (busyHosts.has(target.host.id)) continue;
    busyHosts.set(target.host.id, version.id);
    const running = exportVersion(db, version, target.host, target.studioUrl, options.timeoutMs ?? EXPORT_TIMEOUT_MS)
      .catch((error: unknown) => console.error(`[worker] ONNX export of model version ${version.id} failed:`, error))
      .finally(() => {
        inFlight.delete(version.id);
        busyHosts.delete(target.host.id);
      });
    inFlight.set(version.id, running);
  }
}

/** Waits for exports started by exportPendingVersions (tests). */
export async function exportsSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.all(inFlight.values());
}
