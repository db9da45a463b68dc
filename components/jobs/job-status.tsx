"use client";

import { useEffect, useState } from "react";
import { Badge, type Tone } from "@/components/ui/status-badge";
import type { JobView } from "@/components/jobs/use-jobs";

// PRODUCT.md's palette: pending grey, running blue, succeeded green, failed red, stopped amber.
const jobTones: Record<string, { tone: Tone; label: string }> = {
  pending: { tone: "grey", label: "Pending" },
  starting: { tone: "blue", label: "Starting" },
  running: { tone: "blue", label: "Running" },
  completed: { tone: "green", label: "Completed" },
  failed: { tone: "red", label: "Failed" },
  stopped: { tone: "amber", label: "Stopped" },
};

export const jobStatusOptions = Object.entries(jobTones).map(([value, { label }]) => ({ value, label }));

export function JobStatusBadge({ job }: { job: Pick<JobView, "status" | "stopRequestedAt" | "statusReason"> }) {
  const { tone, label } = jobTones[job.status] ?? { tone: "grey" as const, label: job.status };
  const active = job.status === "pending" || job.status === "starting" || job.status === "running";
  const stopping = active && job.stopRequestedAt !== null;
  return (
    <Badge tone={stopping ? "amber" : tone} title={job.statusReason ?? undefined} dot={active ? "live" : "still"}>
      {stopping ? "Stopping" : label}
    </Badge>
  );
}

export function jobDurationMs(job: Pick<JobView, "startedAt" | "endedAt">, now: number): number | null {
  if (!job.startedAt) return null;
  return (job.endedAt ? Date.parse(job.endedAt) : now) - Date.parse(job.startedAt);
}

/** The current time, ticking every second while `live` (for durations of running jobs). */
export function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}

export const algorithmLabels: Record<string, string> = { xgboost: "XGBoost", linear: "Linear model", random_forest: "Random forest", kmeans: "k-means" };

/** What the job runs, in a few words: the algorithm, the script (and entry point) or the notebook. */
export function jobSourceLabel(job: Pick<JobView, "sourceType" | "algorithm" | "codeFilename" | "entryPoint">): string {
  if (job.sourceType === "builtin") return `Built-in · ${algorithmLabels[job.algorithm ?? ""] ?? job.algorithm ?? "?"}`;
  if (job.sourceType === "notebook") return `Notebook · ${job.codeFilename ?? "?"}`;
  return job.entryPoint ? `Script · ${job.codeFilename} → ${job.entryPoint}` : `Script · ${job.codeFilename ?? "?"}`;
}

/** The last line of a failure reason (a traceback's "ValueError: …"), for tables. */
export function reasonHeadline(reason: string | null): string {
  if (!reason) return "";
  const lines = reason.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines[0] ?? "";
}

