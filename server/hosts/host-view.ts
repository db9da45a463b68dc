import type { Hardware, HostStatus, KernelSpecSummary } from "@/server/hosts/host-status";

/** A compute host as browsers see it: everything but the token, which only the server holds. */
export interface HostView {
  id: string;
  name: string;
  url: string;
  kind: "local" | "remote";
  enabled: boolean;
  hasToken: boolean;
  status: HostStatus;
  statusReason: string | null;
  gatewayVersion: string | null;
  defaultKernel: string | null;
  kernelSpecs: KernelSpecSummary[];
  runningKernels: number | null;
  hardware: Hardware | null;
  probeLatencyMs: number | null;
  lastProbedAt: string | null;
  lastHealthyAt: string | null;
  probePending: boolean;
  createdAt: string;
}

export interface HostRow {
  id: string;
  name: string;
  url: string;
  kind: string;
  enabled: boolean;
  tokenCiphertext: string | null;
  status: string;
  statusReason: string | null;
  gatewayVersion: string | null;
  defaultKernel: string | null;
  kernelSpecs: unknown;
  runningKernels: number | null;
  hardware: unknown;
  probeLatencyMs: number | null;
  lastProbedAt: Date | null;
  lastHealthyAt: Date | null;
  probeRequestedAt: Date | null;
  createdAt: Date;
}

export function toHostView(row: HostRow): HostView {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    kind: row.kind === "local" ? "local" : "remote",
    enabled: row.enabled,
    hasToken: row.tokenCiphertext !== null,
    status: row.status as HostStatus,
    statusReason: row.statusReason,
    gatewayVersion: row.gatewayVersion,
    defaultKernel: row.defaultKernel,
    kernelSpecs: (row.kernelSpecs as KernelSpecSummary[] | null) ?? [],
    runningKernels: row.runningKernels,
    hardware: (row.hardware as Hardware | null) ?? null,
    probeLatencyMs: row.probeLatencyMs,
    lastProbedAt: row.lastProbedAt?.toISOString() ?? null,
    lastHealthyAt: row.lastHealthyAt?.toISOString() ?? null,
    probePending: row.probeRequestedAt !== null && (!row.lastProbedAt || row.probeRequestedAt > row.lastProbedAt),
    createdAt: row.createdAt.toISOString(),
  };
}
