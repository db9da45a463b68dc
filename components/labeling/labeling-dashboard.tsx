"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { taskTypeLabels, type LabelingDashboard } from "@/lib/labeling/tasks";
import { Card, EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { SelectField } from "@/components/ui/field";
import { linkClass } from "@/components/ui/link";
import { Section } from "@/components/ui/section";
import { Table, Td, Th } from "@/components/ui/table";
import { useProjects } from "@/components/projects/use-projects";
import { labelColor } from "@/components/labeling/label-picker";
import { JobProgress, statusText } from "@/components/labeling/labeling-jobs";

// Labeling throughput for managers: every job's progress and agreement, answers per hour by labeler,
// and each labeler's pace, over the last day, two days or week, for one project or all of them.

const windows = [
  { hours: 24, label: "Last 24 hours" },
  { hours: 48, label: "Last 48 hours" },
  { hours: 168, label: "Last 7 days" },
];

const seconds = (v: number | null) => (v === null ? "–" : v < 60 ? `${v.toFixed(1)} s` : `${(v / 60).toFixed(1)} min`);
const kappa = (v: number | null) => (v === null ? "–" : v.toFixed(2));

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <p className="text-[11px] font-semibold tracking-wider text-zinc-500 uppercase">{label}</p>
      <p className="mt-0.5 text-lg font-semibold tabular-nums">{value}</p>
    </div>
  );
}

export function LabelingDashboardPage() {
  const [projectId, setProjectId] = useState("");
  const [hours, setHours] = useState(48);
  const { data: projects } = useProjects();
  const { data, error, isLoading } = useQuery({
    queryKey: [...queryKeys.labeling.all, "dashboard", projectId || "all", hours],
    queryFn: () => api<{ dashboard: LabelingDashboard }>(`/api/labeling/dashboard?hours=${hours}${projectId ? `&projectId=${projectId}` : ""}`),
    select: (d) => d.dashboard,
    refetchInterval: 30_000,
  });
  const chart = (data?.perHour ?? []).map((h) => ({ ...h.byLabeler, time: new Date(h.hour).toLocaleString([], hours > 48 ? { weekday: "short", hour: "2-digit" } : { hour: "2-digit", minute: "2-digit" }) }));
  return (
    <>
      <PageHeader
        title="Labeling throughput"
        description="Progress and agreement of every labeling job, and how fast your labelers go."
        actions={
          <span className="flex gap-2">
            <SelectField label="Project of the dashboard" value={projectId} onChange={(e) => setProjectId(e.target.value)}>
              <option value="">All projects</option>
              {projects?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </SelectField>
            <SelectField label="Window" value={String(hours)} onChange={(e) => setHours(Number(e.target.value))}>
              {windows.map((w) => (
                <option key={w.hours} value={w.hours}>
                  {w.label}
                </option>
              ))}
            </SelectField>
          </span>
        }
      />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading the dashboard…</p> : null}
      {data && data.jobs.length === 0 ? <EmptyState title="No labeling jobs yet">Labeling jobs of your projects, their progress and their labelers&apos; pace appear here.</EmptyState> : null}
      {data && data.jobs.length > 0 ? (
        <>
          <Card className="mb-6 grid grid-cols-2 gap-4 p-4 md:grid-cols-5" aria-label="Totals">
            <Tile label="Answers" value={data.totals.answers.toLocaleString()} />
            <Tile label="Skips" value={data.totals.skips.toLocaleString()} />
            <Tile label="Labelers at work" value={String(data.totals.labelers)} />
            <Tile label="Time per item" value={seconds(data.totals.meanSecondsPerItem)} />
            <Tile label="Review backlog" value={data.reviewBacklog.toLocaleString()} />
          </Card>
          <Section title="Answers per hour">
            <figure aria-label="Answers per hour by labeler" className="h-56">
              {data.totals.answers === 0 ? (
                <p className="text-sm text-zinc-500">No answers in this window.</p>
              ) : (
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={chart} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
                    <XAxis dataKey="time" tick={{ fontSize: 10 }} interval="preserveStartEnd" />
                    <YAxis allowDecimals={false} tick={{ fontSize: 10 }} />
                    <Tooltip />
                    <Legend wrapperStyle={{ fontSize: 11 }} />
                    {data.series.map((name, i) => (
                      <Bar key={name} dataKey={name} stackId="answers" fill={labelColor(i)} isAnimationActive={false} />
                    ))}
                  </BarChart>
                </ResponsiveContainer>
              )}
            </figure>
          </Section>
          <Section title="Jobs" count={data.jobs.length}>
            <Table label="Jobs">
              <thead>
                <tr>
                  <Th>Job</Th>
                  <Th>Project</Th>
                  <Th>Task</Th>
                  <Th>Status</Th>
                  <Th>Progress</Th>
                  <Th className="text-right">Consolidated</Th>
                  <Th className="text-right" title="Items waiting for a reviewer (reviewed so far)">
                    Review backlog
                  </Th>
                  <Th className="text-right" title="Fleiss' kappa as of the last consolidation">
                    Fleiss&apos; κ
                  </Th>
                  <Th className="text-right" title="Krippendorff's alpha as of the last consolidation">
                    Krippendorff&apos;s α
                  </Th>
                </tr>
              </thead>
              <tbody>
                {data.jobs.map((j) => (
                  <tr key={j.id} data-testid={`dashboard-job-${j.name}`}>
                    <Td>
                      <Link href={`/labeling/${j.id}`} className={`font-medium ${linkClass}`}>
                        {j.name}
                      </Link>
                    </Td>
                    <Td className="text-xs">{j.projectName}</Td>
                    <Td className="text-xs">{taskTypeLabels[j.taskType]}</Td>
                    <Td className="text-xs">{statusText[j.status]}</Td>
                    <Td>
                      <JobProgress responses={j.responses} responsesNeeded={j.responsesNeeded} labeled={j.labeled} items={j.items} />
                    </Td>
                    <Td className="text-right text-xs tabular-nums">{j.consolidated.toLocaleString()}</Td>
                    <Td className="text-right text-xs tabular-nums">
                      {j.reviewBacklog > 0 ? (
                        <Link href={`/labeling/review/${j.id}`} className={linkClass}>
                          {j.reviewBacklog.toLocaleString()}
                        </Link>
                      ) : (
                        0
                      )}{" "}
                      <span className="text-zinc-500">({j.reviewed})</span>
                    </Td>
                    <Td className="text-right text-xs tabular-nums">{kappa(j.fleissKappa)}</Td>
                    <Td className="text-right text-xs tabular-nums">{kappa(j.krippendorffAlpha)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </Section>
          <Section title="Labelers" count={data.labelers.length}>
            {data.labelers.length === 0 ? (
              <p className="text-sm text-zinc-500">Nobody answered in this window.</p>
            ) : (
              <Table label="Labelers">
                <thead>
                  <tr>
                    <Th>Labeler</Th>
                    <Th className="text-right">Answers</Th>
                    <Th className="text-right">Skips</Th>
                    <Th className="text-right">Jobs</Th>
                    <Th className="text-right">Time per item</Th>
                    <Th className="text-right" title="Items per hour of time on task">
                      Items per hour
                    </Th>
                  </tr>
                </thead>
                <tbody>
                  {data.labelers.map((l) => (
                    <tr key={l.id} data-testid={`dashboard-labeler-${l.name}`}>
                      <Td>{l.name}</Td>
                      <Td className="text-right tabular-nums">{l.answers.toLocaleString()}</Td>
                      <Td className="text-right tabular-nums">{l.skips}</Td>
                      <Td className="text-right tabular-nums">{l.jobs}</Td>
                      <Td className="text-right tabular-nums">{seconds(l.meanSecondsPerItem)}</Td>
                      <Td className="text-right tabular-nums">{l.itemsPerHour === null ? "–" : Math.round(l.itemsPerHour).toLocaleString()}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </Section>
        </>
      ) : null}
    </>
  );
}
