"use client";

import { useQuery } from "@tanstack/react-query";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { EndpointStats, InvocationSummary } from "@/lib/endpoints";
import { Card, ErrorNotice } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";

const ms = (v: number | null) => (v === null ? "–" : v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`);
const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`;

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div className="min-w-0">
      <p className="text-[11px] font-semibold tracking-wider text-zinc-500 uppercase">{label}</p>
      <p className="mt-0.5 text-lg font-semibold tabular-nums">{value}</p>
    </div>
  );
}

function Tiles({ s }: { s: InvocationSummary }) {
  return (
    <div className="grid grid-cols-3 gap-4 md:grid-cols-7" aria-label="Last 5 minutes">
      <Tile label="Requests/s" value={s.rps.toFixed(s.rps < 10 ? 2 : 0)} />
      <Tile label="p50" value={ms(s.p50Ms)} />
      <Tile label="p95" value={ms(s.p95Ms)} />
      <Tile label="p99" value={ms(s.p99Ms)} />
      <Tile label="Overhead p99" value={ms(s.overhead?.p99Ms ?? null)} />
      <Tile label="5xx errors" value={pct(s.serverErrorRate)} />
      <Tile label="4xx answers" value={pct(s.clientErrorRate)} />
    </div>
  );
}

/** Live invocation numbers of an endpoint: the last 5 minutes, per variant, and the last hour per minute. */
export function InvocationStatsPanel({ endpointId }: { endpointId: string }) {
  const { data, error } = useQuery({
    queryKey: [...queryKeys.endpoints.detail(endpointId), "stats"],
    queryFn: () => api<{ stats: EndpointStats }>(`/api/endpoints/${endpointId}/stats?minutes=60`),
    select: (d) => d.stats,
    refetchInterval: 5_000,
  });
  if (error) return <ErrorNotice error={error} />;
  if (!data) return <p className="text-sm text-zinc-500">Loading invocation numbers…</p>;
  const points = data.series.map((p) => ({ ...p, time: new Date(p.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), rpm: p.count }));
  return (
    <Card className="space-y-4 p-4">
      <div>
        <p className="mb-2 text-xs text-zinc-500">
          Last 5 minutes, every variant: latency as the studio&apos;s router measured it, model time included; overhead is the router&apos;s own share (latency minus the model&apos;s time, which
          each answer also carries in its <code>Server-Timing</code> header)
        </p>
        <Tiles s={data.last5Minutes} />
      </div>
      {data.variants.length > 1 ? (
        <Table label="Invocations per variant">
          <thead>
            <tr>
              <Th>Variant</Th>
              <Th className="text-right">Requests</Th>
              <Th className="text-right">p50</Th>
              <Th className="text-right">p95</Th>
              <Th className="text-right">p99</Th>
              <Th className="text-right">Overhead p50 / p99</Th>
              <Th className="text-right">5xx</Th>
            </tr>
          </thead>
          <tbody>
            {data.variants.map((v) => (
              <tr key={v.variant}>
                <Td>{v.variant}</Td>
                <Td className="text-right tabular-nums">{v.count.toLocaleString()}</Td>
                <Td className="text-right tabular-nums">{ms(v.p50Ms)}</Td>
                <Td className="text-right tabular-nums">{ms(v.p95Ms)}</Td>
                <Td className="text-right tabular-nums">{ms(v.p99Ms)}</Td>
                <Td className="text-right tabular-nums">{v.overhead ? `${ms(v.overhead.p50Ms)} / ${ms(v.overhead.p99Ms)}` : "–"}</Td>
                <Td className="text-right tabular-nums">{pct(v.serverErrorRate)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <figure aria-label="Requests per minute">
          <figcaption className="mb-1 text-xs text-zinc-500">Requests per minute (last hour)</figcaption>
          <div className="h-40">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
                <XAxis dataKey="time" tick={{ fontSize: 10 }} interval={14} />
                <YAxis allowDecimals={false} tick={{ fontSize: 10 }} />
                <Tooltip />
                <Line type="monotone" dataKey="rpm" name="requests" stroke="#0284c7" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
        <figure aria-label="Latency per minute">
          <figcaption className="mb-1 text-xs text-zinc-500">Latency p50 / p99 per minute, ms</figcaption>
          <div className="h-40">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
                <XAxis dataKey="time" tick={{ fontSize: 10 }} interval={14} />
                <YAxis tick={{ fontSize: 10 }} />
                <Tooltip />
                <Line type="monotone" dataKey="p50Ms" name="p50" stroke="#16a34a" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
                <Line type="monotone" dataKey="p99Ms" name="p99" stroke="#dc2626" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
      </div>
    </Card>
  );
}
