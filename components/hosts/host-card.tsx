"use client";

import { useState } from "react";
import { formatBytes, formatRelative } from "@/lib/format";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Badge, HostStatusBadge } from "@/components/ui/status-badge";
import type { HostView } from "@/server/hosts/host-view";
import { HostFormDialog } from "@/components/hosts/host-form-dialog";
import { useDeleteHost, useProbeHost, useUpdateHost } from "@/components/hosts/use-hosts";

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className="mt-0.5 text-sm tabular-nums">{children}</dd>
    </div>
  );
}

export function HostCard({ host, canManage }: { host: HostView; canManage: boolean }) {
  const [editing, setEditing] = useState(false);
  const probe = useProbeHost();
  const update = useUpdateHost();
  const remove = useDeleteHost();
  const hw = host.hardware;
  const failed = ["unreachable", "auth_failed", "error"].includes(host.status);

  return (
    <Card className="p-4" aria-label={`Host ${host.name}`} data-testid="host-card">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <h2 className="truncate text-base font-semibold">{host.name}</h2>
            <HostStatusBadge status={host.status} />
            {host.kind === "local" ? <Badge tone="grey">this machine</Badge> : null}
            {hw && hw.gpus.length > 0 ? <Badge tone="blue">{hw.gpus.length} GPU</Badge> : null}
          </div>
          <p className="mt-0.5 truncate font-mono text-xs text-zinc-500">{host.url}</p>
        </div>
        {canManage ? (
          <div className="flex gap-1.5">
            <Button size="sm" variant="secondary" onClick={() => probe.mutate(host.id)} busy={probe.isPending || host.probePending} disabled={!host.enabled}>
              Probe now
            </Button>
            <Button size="sm" variant="secondary" onClick={() => setEditing(true)}>
              Edit
            </Button>
            <Button size="sm" variant="secondary" onClick={() => update.mutate({ id: host.id, enabled: !host.enabled })} busy={update.isPending}>
              {host.enabled ? "Disable" : "Enable"}
            </Button>
            {host.kind === "remote" ? (
              <Button
                size="sm"
                variant="ghost"
                className="text-red-600 dark:text-red-400"
                busy={remove.isPending}
                onClick={() => {
                  if (window.confirm(`Remove ${host.name} from the studio? The gateway itself keeps running.`)) remove.mutate(host.id);
                }}
              >
                Remove
              </Button>
            ) : null}
          </div>
        ) : null}
      </div>

      {host.statusReason ? (
        <p
          role={failed ? "alert" : undefined}
          data-testid="host-status-reason"
          className={`mt-3 rounded-md px-3 py-2 text-sm ${
            failed ? "bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-300" : "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
          }`}
        >
          {host.statusReason}
        </p>
      ) : null}

      <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Server">{host.gatewayVersion ?? "–"}</Stat>
        <Stat label="Running kernels">{host.runningKernels ?? "–"}</Stat>
        <Stat label="CPUs">{hw?.cpu_count ?? "–"}</Stat>
        <Stat label="Memory">
          {hw?.memory_total_bytes ? `${formatBytes(hw.memory_available_bytes)} free of ${formatBytes(hw.memory_total_bytes)}` : "–"}
        </Stat>
        <Stat label="Latency">{host.probeLatencyMs !== null ? `${host.probeLatencyMs} ms` : "–"}</Stat>
        <Stat label="Last probe">{formatRelative(host.lastProbedAt)}</Stat>
      </dl>

      <div className="mt-4">
        <p className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">Kernel specs</p>
        {host.kernelSpecs.length > 0 ? (
          <ul className="mt-1 flex flex-wrap gap-1.5" aria-label={`Kernel specs of ${host.name}`}>
            {host.kernelSpecs.map((k) => (
              <li key={k.name} className="rounded border border-zinc-200 px-2 py-0.5 text-xs dark:border-zinc-700">
                <span className="font-medium">{k.displayName}</span> <span className="font-mono text-zinc-500">{k.name}</span>
                {k.name === host.defaultKernel ? <span className="ml-1 text-zinc-500">(default)</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="mt-1 text-sm text-zinc-500">{host.status === "healthy" ? "The gateway reports no kernel specs." : "Known once the host answers."}</p>
        )}
      </div>

      <div className="mt-4">
        <p className="text-[11px] font-medium tracking-wide text-zinc-500 uppercase">GPUs</p>
        {hw === null ? (
          <p className="mt-1 text-sm text-zinc-500">Known after the first hardware probe.</p>
        ) : hw.gpus.length === 0 ? (
          <p className="mt-1 text-sm text-zinc-500">{hw.gpu_error ? `nvidia-smi failed: ${hw.gpu_error}` : "None (no nvidia-smi on this host)."}</p>
        ) : (
          <table className="mt-1 w-full text-sm" aria-label={`GPUs of ${host.name}`}>
            <tbody>
              {hw.gpus.map((g) => (
                <tr key={g.uuid ?? g.index} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1 pr-3 font-mono text-xs">#{g.index}</td>
                  <td className="py-1 pr-3">{g.name}</td>
                  <td className="py-1 pr-3 tabular-nums">
                    {formatBytes(g.memory_used_bytes)} / {formatBytes(g.memory_total_bytes)}
                  </td>
                  <td className="py-1 pr-3 text-xs text-zinc-500 tabular-nums">{g.temperature_c != null ? `${g.temperature_c} °C` : ""}</td>
                  <td className="w-40 py-1">
                    <div className="flex items-center gap-2">
                      <div className="h-1.5 flex-1 rounded bg-zinc-200 dark:bg-zinc-800">
                        <div className="h-1.5 rounded bg-sky-500" style={{ width: `${Math.min(100, g.utilization_percent ?? 0)}%` }} />
                      </div>
                      <span className="w-9 text-right text-xs tabular-nums">{g.utilization_percent ?? "–"}%</span>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {hw ? (
        <p className="mt-3 text-xs text-zinc-500">
          {[hw.hostname, hw.cpu_model, hw.platform, hw.python_version && `Python ${hw.python_version}`].filter(Boolean).join(" · ")}
        </p>
      ) : null}
      {editing ? <HostFormDialog host={host} open={editing} onClose={() => setEditing(false)} /> : null}
    </Card>
  );
}
