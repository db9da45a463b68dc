import "server-only";
import { z } from "zod";
import type { Db } from "@/server/db";
import type { OnnxReport } from "@/lib/model-registry";
import { jsonValue } from "@/server/db-driver";
import { KernelAPI, type Kernel } from "@jupyterlab/services";
import { serverSettings } from "@/server/hosts/gateway-client";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { kernelEnv, studioUrlForHost } from "@/server/hosts/studio-url";
import { executeBootstrap, kernelBootstrap, startKernel } from "@/server/jobs/run-training-jobs";
import { createScopedToken, revokeJobTokens } from "@/server/tokens/scoped-tokens";

// The worker's ONNX exports: every newly registered version is exported once, in a kernel on a
// compute host — the host the producing training job ran on while it exists and can be used, else
// the local host — so the studio machine needs no ML stack and a big export uses the host's
// memory. The kernel runs `studio.onnx_export.run_for_studio()` (kernels/sdk) with a token that
// works only on this version's export routes: it downloads the version's files, converts and
// checks the export, sends the graph and the report (server/models/onnx-export-runtime.ts). A
// converted version is served in-process by onnxruntime-node. The worker only picks the host,
// starts and watches the kernel (one export per host at a time, 10 minutes at most), and marks the
// export failed when the kernel ends without a report. Kernels are started and run the way
// training jobs' are (server/jobs/run-training-jobs.ts). With no usable host the version stays
// pending, saying what it waits for, and the export starts when a host is back.

const EXPORT_BOOTSTRAP = kernelBootstrap("from studio.onnx_export import run_for_studio as _run_for_studio", "_run_for_studio()");
const EXPORT_TIMEOUT_MS = 10 * 60_000;
/** After a kernel could not be started, the next try on that version waits this long. */
const RETRY_AFTER_MS = 30_000;

/** Version id → its export's promise, while the worker runs it. */
const inFlight = new Map<string, Promise<void>>();
/** Host id → the version exported there now (one export per host at a time). */
const busyHosts = new Map<string, string>();
/** Version id → when to try again after a kernel start failed. */
const retryAt = new Map<string, number>();
/** Connections to export kernels, by version id. */
const connections = new Map<string, Kernel.IKernelConnection>();
const revokeExportToken = (db: Db, versionId: string) => revokeJobTokens(db, versionId, "export");

async function shutdownKernel(host: HostRow, kernelId: string): Promise<void> {
  await KernelAPI.shutdownKernel(kernelId, serverSettings(gatewayTargetOf(host))).catch(() => undefined);
}

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
  // A kernel an earlier worker started for this version (the worker restarted meanwhile) goes first.
  const earlier = pendingNote.safeParse(jsonValue(version.onnx, null));
  if (earlier.success && earlier.data.kernelId && earlier.data.hostId) {
    const old = await db.computeHost.findUnique({ where: { id: earlier.data.hostId } });
    if (old) await shutdownKernel(old, earlier.data.kernelId);
  }
  await revokeExportToken(db, version.id);
  if (!version.createdById) return fail(db, version.id, "The user who registered this version no longer exists; register the model again to export it.");
  await note(db, version.id, { status: "pending", reason: `Starting a kernel on host ${host.name}…`, hostId: host.id });
  const token = await createScopedToken(db, {
    kind: "export",
    userId: version.createdById,
    projectId: version.model.projectId,
    jobId: version.id,
    name: `ONNX export of ${version.model.name} v${version.version}`,
    ttlMs: timeoutMs + 5 * 60_000,
  });
  const settings = serverSettings(gatewayTargetOf(host));
  let model: KernelAPI.IModel;
  try {
    model = await startKernel(host, settings, host.defaultKernel ?? "python3", kernelEnv({ STUDIO_URL: studioUrl, STUDIO_TOKEN: token, STUDIO_PROJECT_ID: version.model.projectId, STUDIO_MODEL_VERSION_ID: version.id }));
  } catch (error) {
    await revokeExportToken(db, version.id);
    retryAt.set(version.id, Date.now() + RETRY_AFTER_MS);
    return note(db, version.id, { status: "pending", reason: `Waiting for host ${host.name}: ${(error as Error).message} Trying again in ${RETRY_AFTER_MS / 1000} s.` });
  }
  retryAt.delete(version.id);
  await note(db, version.id, { status: "pending", reason: `Exporting in a kernel on host ${host.name}…`, hostId: host.id, kernelId: model.id });
  // The first of: the code returned (with its failure, if any), the kernel died, the time limit.
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<{ failure: string | null }>((resolve) => {
    timer = setTimeout(() => {
      const limit = timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} minutes` : `${timeoutMs / 1000} s`;
      resolve({ failure: `The export took longer than ${limit} on host ${host.name} and was stopped.` });
    }, timeoutMs);
    executeBootstrap(
      model,
      settings,
      host,
      "The export",
      EXPORT_BOOTSTRAP,
      connections,
      version.id,
      async (failure) => resolve({ failure: failure ?? `The export's kernel on host ${host.name} ended without a report.` }),
      async (why) => resolve({ failure: `The export's kernel on host ${host.name} died or restarted before it reported (out of memory?): ${why}` }),
    );
  });
  clearTimeout(timer);
  connections.get(version.id)?.dispose();
  await shutdownKernel(host, model.id);
  await revokeExportToken(db, version.id);
  // A version the kernel reported on (or that was deleted meanwhile) keeps what it has.
  if (outcome.failure) await fail(db, version.id, outcome.failure);
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
