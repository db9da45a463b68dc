// The worker process: everything long-running or periodic happens here, never in a web request.
// It registers the local gateway, probes compute hosts, profiles dataset uploads and starts and
// watches training jobs; later work (tuning, monitoring) is claimed from the database by the same loop.
import { db } from "@/server/db";
import { env } from "@/server/env";
import { ensureInitialAdmin } from "@/server/users/ensure-initial-admin";
import { registerLocalHost } from "@/server/hosts/register-local-host";
import { hostsDueForProbe, probeHost } from "@/server/hosts/probe-host";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";
import { disposeJobConnections, tickTrainingJobs } from "@/server/jobs/run-training-jobs";
import { logLine, stopAllReplicas, tickEndpoints } from "@/server/endpoints/run-endpoints";
import { autoscaleEndpoints } from "@/server/endpoints/autoscaling";
import { tickLabeling } from "@/server/labeling/run-labeling";
import { exportPendingVersions } from "@/server/models/export-onnx";
import { stopAllTransformProcesses, tickTransformJobs } from "@/server/transform/run-transform-jobs";

// The loop wakes every second so a "Probe now" or a newly added host is picked up at once;
// each wake-up is one indexed query.
const TICK_MS = 1_000;
// Probes run concurrently so one slow or firewalled host (5 s timeout) does not delay the rest.
const MAX_CONCURRENT_PROBES = 4;

const inFlight = new Set<string>();
let stopping = false;

// Profiling a large upload takes a while; one batch at a time, beside the probes.
let profiling = false;
// Training jobs: one pass at a time (a pass starts kernels in the background and returns).
let jobsTicking = false;
// Endpoints' model servers: one pass at a time; autoscaling policies apply every few seconds before one.
let endpointsTicking = false;
const AUTOSCALE_INTERVAL_MS = 5_000;
let lastAutoscaleAt = 0;
// Batch transforms: one pass at a time (a pass starts processes in the background and returns).
let transformsTicking = false;
// Labeling: new jobs read into items, stale leases freed, labeled items consolidated; one pass at a time.
let labelingTicking = false;

async function tick(): Promise<void> {
  if (!jobsTicking) {
    jobsTicking = true;
    tickTrainingJobs(db())
      .catch((error) => console.error("[worker] training jobs pass failed:", error))
      .finally(() => (jobsTicking = false));
  }
  if (!endpointsTicking) {
    endpointsTicking = true;
    const autoscale = Date.now() - lastAutoscaleAt >= AUTOSCALE_INTERVAL_MS;
    if (autoscale) lastAutoscaleAt = Date.now();
    (autoscale ? autoscaleEndpoints(db(), (endpointId, variant, line) => logLine(endpointId, variant, "studio", line)) : Promise.resolve())
      .catch((error) => console.error("[worker] autoscaling pass failed:", error))
      .then(() => tickEndpoints(db(), artifactStore()))
      .catch((error) => console.error("[worker] endpoints pass failed:", error))
      .finally(() => (endpointsTicking = false));
  }
  // ONNX exports of new model versions (in kernels on compute hosts, one per host at a time; the pass itself returns at once).
  exportPendingVersions(db()).catch((error) => console.error("[worker] ONNX exports pass failed:", error));
  if (!transformsTicking) {
    transformsTicking = true;
    tickTransformJobs(db(), artifactStore())
      .catch((error) => console.error("[worker] batch transforms pass failed:", error))
      .finally(() => (transformsTicking = false));
  }
  if (!labelingTicking) {
    labelingTicking = true;
    tickLabeling(db(), artifactStore())
      .catch((error) => console.error("[worker] labeling pass failed:", error))
      .finally(() => (labelingTicking = false));
  }
  if (!profiling) {
    profiling = true;
    processPendingDatasetVersions(db(), artifactStore())
      .catch((error) => console.error("[worker] dataset profiling failed:", error))
      .finally(() => (profiling = false));
  }
  const due = await hostsDueForProbe(db(), env().STUDIO_PROBE_INTERVAL_SECONDS * 1000);
  for (const hostId of due) {
    if (inFlight.has(hostId) || inFlight.size >= MAX_CONCURRENT_PROBES) continue;
    inFlight.add(hostId);
    probeHost(db(), hostId)
      .catch((error) => console.error(`[worker] probe of host ${hostId} failed:`, error))
      .finally(() => inFlight.delete(hostId));
  }
}

async function main(): Promise<void> {
  const config = env();
  const admin = await ensureInitialAdmin(db(), { email: config.STUDIO_ADMIN_EMAIL, password: config.STUDIO_ADMIN_PASSWORD });
  if (admin === "created") console.log(`[worker] created the first admin ${config.STUDIO_ADMIN_EMAIL}`);
  if (config.LOCAL_GATEWAY_URL && config.LOCAL_GATEWAY_TOKEN) {
    await registerLocalHost(db(), { url: config.LOCAL_GATEWAY_URL, token: config.LOCAL_GATEWAY_TOKEN });
  }
  console.log("[worker] ready");
  while (!stopping) {
    try {
      await tick();
    } catch (error) {
      // A database hiccup must not kill the worker; the next tick retries.
      console.error("[worker] tick failed:", error);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    disposeJobConnections();
    void stopAllReplicas();
    // Transforms resume from their checkpoints when the next worker starts.
    void stopAllTransformProcesses();
    // Give in-flight probes a moment to shut their kernels down.
    setTimeout(() => process.exit(0), inFlight.size > 0 ? 3_000 : 0).unref();
    if (inFlight.size === 0) process.exit(0);
  });
}

main().catch((error) => {
  console.error("[worker] fatal:", error);
  process.exit(1);
});
