"use client";

import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { api } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Badge, type Tone } from "@/components/ui/status-badge";
import { Table, Td, Th } from "@/components/ui/table";

interface AuditEventView {
  id: string;
  at: string;
  action: string;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

const categories = [
  { value: "", label: "All actions" },
  { value: "auth.", label: "Sign-ins" },
  { value: "user.", label: "Users & roles" },
  { value: "project.", label: "Projects" },
  { value: "token.", label: "API tokens" },
  { value: "host.", label: "Compute hosts" },
];

function toneOf(action: string): Tone {
  if (action.endsWith("_failed") || action.endsWith("_locked")) return "red";
  if (action.startsWith("auth.")) return "green";
  if (action.endsWith("delete") || action.endsWith("revoke") || action.endsWith("disable")) return "amber";
  return "blue";
}

function describe(detail: Record<string, unknown> | null): string {
  if (!detail) return "";
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

export function AuditPage() {
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const deferredActor = useDeferredValue(actor);
  const filters = { action, actor: deferredActor };
  const { data, error, isLoading } = useQuery({
    queryKey: queryKeys.audit.list(filters),
    queryFn: () => {
      const qs = new URLSearchParams({ limit: "200", ...(action ? { action } : {}), ...(deferredActor ? { actor: deferredActor } : {}) });
      return api<AuditEventView[]>(`/api/audit?${qs}`);
    },
    refetchInterval: 10_000,
  });
  return (
    <>
      <PageHeader title="Audit log" description="Sign-ins, failed sign-ins, role changes, tokens and host changes. Newest first." />
      <div className="mb-3 flex flex-wrap gap-2">
        <select aria-label="Action" value={action} onChange={(e) => setAction(e.target.value)} className={`${controlClass} w-48`}>
          {categories.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <input aria-label="Filter by email" placeholder="Filter by email" value={actor} onChange={(e) => setActor(e.target.value)} className={`${controlClass} w-64`} />
      </div>
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading events…</p> : null}
      {data && data.length === 0 ? <EmptyState title="No events match these filters" /> : null}
      {data && data.length > 0 ? (
        <Table label="Audit events">
          <thead>
            <tr>
              <Th>When</Th>
              <Th>Action</Th>
              <Th>Who</Th>
              <Th>Details</Th>
              <Th>Address</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((e) => (
              <tr key={e.id}>
                <Td className="whitespace-nowrap text-zinc-600 dark:text-zinc-400">{formatDateTime(e.at)}</Td>
                <Td>
                  <Badge tone={toneOf(e.action)}>{e.action}</Badge>
                </Td>
                <Td className="font-mono text-xs">{e.actorEmail ?? "–"}</Td>
                <Td className="max-w-md truncate text-xs text-zinc-600 dark:text-zinc-400" title={describe(e.detail)}>
                  {describe(e.detail)}
                </Td>
                <Td className="font-mono text-xs text-zinc-500">{e.ip ?? "–"}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
