"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { EndpointLogLine } from "@/lib/endpoints";
import { ErrorNotice } from "@/components/ui/card";

/** The newest lines of an endpoint's model servers and of the worker's actions on them, followed live. */
export function EndpointLogs({ endpointId }: { endpointId: string }) {
  const { data, error } = useQuery({
    queryKey: [...queryKeys.endpoints.detail(endpointId), "logs"],
    queryFn: () => api<{ lines: EndpointLogLine[] }>(`/api/endpoints/${endpointId}/logs?limit=500`),
    select: (d) => d.lines,
    refetchInterval: 3_000,
  });
  const box = useRef<HTMLDivElement>(null);
  const count = data?.length ?? 0;
  useEffect(() => {
    // Follow the tail while the reader is at the bottom.
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [count]);
  if (error) return <ErrorNotice error={error} />;
  return (
    <div ref={box} aria-label="Endpoint logs" role="log" className="h-64 overflow-auto rounded-md border border-zinc-200 bg-zinc-50 p-2 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-950">
      {!data ? <p className="text-zinc-500">Loading logs…</p> : data.length === 0 ? <p className="text-zinc-500">Nothing yet: the worker starts the model servers within a few seconds.</p> : null}
      {data?.map((l) => (
        <div key={l.id} className={`whitespace-pre-wrap ${l.source === "studio" ? "text-sky-700 dark:text-sky-400" : ""}`}>
          <span className="text-zinc-400">{new Date(l.at).toLocaleTimeString()} </span>
          <span className="text-zinc-500">[{l.variant}] </span>
          {l.line}
        </div>
      ))}
    </div>
  );
}
