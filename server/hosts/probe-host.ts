import "server-only";
import type { Db } from "@/server/db";
import { openSecret } from "@/server/crypto/secret-box";
import { GatewayError, probeHardware, readGatewayInfo, type GatewayTarget } from "@/server/hosts/gateway-client";
import type { HostStatus } from "@/server/hosts/host-status";

// Starting a kernel costs the host a second or more of CPU, so the hardware probe runs on a slower
// cadence than the REST probe: on request, when nothing is known yet, and then every 5 minutes —
// every minute on GPU hosts, where people watch utilisation and memory to pick a free GPU.
export const HARDWARE_REFRESH_MS = 5 * 60_000;
export const GPU_HARDWARE_REFRESH_MS = 60_000;

/** Whether this probe should also start a kernel to read the host's hardware. */
export function hardwareProbeDue(host: { hardware: unknown; hardwareProbedAt: Date | null }, requested: boolean, now: Date): boolean {
  if (requested || !host.hardwareProbedAt) return true;
  const gpus = (host.hardware as { gpus?: unknown[] } | null)?.gpus;
  const refreshMs = Array.isArray(gpus) && gpus.length > 0 ? GPU_HARDWARE_REFRESH_MS : HARDWARE_REFRESH_MS;
  return now.getTime() - host.hardwareProbedAt.getTime() > refreshMs;
}

/** The token-bearing address of a host; for server-side code only. */
export function gatewayTargetOf(host: { url: string; tokenCiphertext: string | null }): GatewayTarget {
  return { url: host.url, token: host.tokenCiphertext ? openSecret(host.tokenCiphertext) : null };
}

/**
 * Probes one host and stores what it found: reachability (with a reason a person can act on),
 * gateway version, kernel specs, running kernels and, when due, hardware from a probe kernel.
 * Runs in the worker, never in a request handler.
 */
export async function probeHost(db: Db, hostId: string, now = new Date()): Promise<HostStatus> {
  const host = await db.computeHost.findUnique({ where: { id: hostId } });
  if (!host) return "unknown";
  if (!host.enabled) {
    await db.computeHost.update({ where: { id: hostId }, data: { status: "disabled", lastProbedAt: now } });
    return "disabled";
  }
  const requested = host.probeRequestedAt !== null && (!host.lastProbedAt || host.probeRequestedAt > host.lastProbedAt);
  const started = Date.now();
  try {
    const target = gatewayTargetOf(host);
    const info = await readGatewayInfo(target);
    const latency = Date.now() - started;
    const hardwareDue = hardwareProbeDue(host, requested, now);
    // The probe script is Python: the default kernel if it is Python, else any Python kernel.
    const python = info.kernelSpecs.filter((k) => k.language.toLowerCase() === "python");
    const kernelName = python.find((k) => k.name === info.defaultKernel)?.name ?? python[0]?.name;
    let hardwareUpdate = {};
    let statusReason: string | null = null;
    if (hardwareDue && !kernelName) {
      statusReason = "This gateway offers no Python kernel, so its CPUs, memory and GPUs cannot be read.";
      hardwareUpdate = { hardwareProbedAt: new Date() };
    } else if (hardwareDue && kernelName) {
      try {
        hardwareUpdate = { hardware: await probeHardware(target, kernelName), hardwareProbedAt: new Date() };
      } catch (error) {
        // The gateway answers, so the host is usable; say why hardware is missing without hiding that.
        // hardwareProbedAt still moves on, so a failing probe backs off instead of starting a kernel every cycle.
        statusReason = error instanceof GatewayError ? error.message : `Hardware probe failed: ${(error as Error).message}`;
        hardwareUpdate = { hardwareProbedAt: new Date() };
      }
    }
    // Between hardware probes, keep explaining why hardware is missing if it still is.
    if (!hardwareDue && !host.hardware && host.status === "healthy") statusReason = host.statusReason;
    await db.computeHost.update({
      where: { id: hostId },
      data: {
        status: "healthy",
        statusReason,
        gatewayVersion: info.version,
        defaultKernel: info.defaultKernel,
        kernelSpecs: info.kernelSpecs,
        runningKernels: info.runningKernels,
        probeLatencyMs: latency,
        lastProbedAt: now,
        lastHealthyAt: now,
        ...hardwareUpdate,
      },
    });
    return "healthy";
  } catch (error) {
    const status: HostStatus = error instanceof GatewayError ? error.status : "error";
    const reason = error instanceof GatewayError ? error.message : `Probe failed: ${(error as Error).message}`;
    await db.computeHost.update({
      where: { id: hostId },
      data: { status, statusReason: reason, runningKernels: null, probeLatencyMs: null, lastProbedAt: now },
    });
    return status;
  }
}

/** Hosts whose probe is due: requested since the last probe, never probed, or older than the interval. */
export async function hostsDueForProbe(db: Db, intervalMs: number, now = new Date()): Promise<string[]> {
  const hosts = await db.computeHost.findMany({
    select: { id: true, enabled: true, status: true, lastProbedAt: true, probeRequestedAt: true },
  });
  return hosts
    .filter((h) => {
      if (!h.enabled) return h.status !== "disabled";
      if (!h.lastProbedAt) return true;
      if (h.probeRequestedAt && h.probeRequestedAt > h.lastProbedAt) return true;
      return now.getTime() - h.lastProbedAt.getTime() >= intervalMs;
    })
    .map((h) => h.id);
}
