"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ExperimentView, RunArtifactView } from "@/server/tracking/list-runs";
import type { MetricHistory } from "@/server/tracking/metric-history";
import type { RunView } from "@/server/tracking/run-view";
import type { ProjectDetail } from "@/components/projects/use-projects";

export type { ExperimentView, MetricHistory, RunArtifactView, RunView };
export type RunDetail = RunView & { artifacts: RunArtifactView[]; hasCode: boolean };

/** A step range of a chart; empty means the whole run. */
export interface StepRange {
  minStep?: number;
  maxStep?: number;
}

// Runs that are still logging are followed, so their rows and curves grow while one watches.
const FOLLOW_MS = 5_000;

export function useExperiments(projectId?: string) {
  return useQuery({
    queryKey: queryKeys.experiments.list(projectId),
    queryFn: () => api<{ experiments: ExperimentView[] }>(`/api/experiments${projectId ? `?projectId=${encodeURIComponent(projectId)}` : ""}`),
    select: (d) => d.experiments,
  });
}

export function useExperiment(id: string) {
  return useQuery({
    queryKey: queryKeys.experiments.detail(id),
    queryFn: () => api<{ experiment: ExperimentView; runs: RunView[] }>(`/api/experiments/${id}`),
    refetchInterval: (query) => (query.state.data?.runs.some((r) => r.status === "running") ? FOLLOW_MS : false),
  });
}

export function useRun(id: string) {
  return useQuery({
    queryKey: queryKeys.runs.detail(id),
    queryFn: () => api<{ run: RunDetail }>(`/api/runs/${id}`),
    select: (d) => d.run,
    refetchInterval: (query) => (query.state.data?.run.status === "running" ? FOLLOW_MS : false),
  });
}

function rangeParams(range: StepRange, points: number): string {
  const qs = new URLSearchParams({ points: String(points) });
  if (range.minStep !== undefined) qs.set("minStep", String(range.minStep));
  if (range.maxStep !== undefined) qs.set("maxStep", String(range.maxStep));
  return qs.toString();
}

/** Points per line the charts ask for: the server downsamples (LTTB) to this. */
export const CHART_POINTS = 1_000;

export function useMetricHistory(runId: string, key: string, range: StepRange, follow: boolean) {
  return useQuery({
    queryKey: queryKeys.runs.metric(runId, key, range),
    queryFn: () => api<MetricHistory>(`/api/runs/${runId}/metrics?key=${encodeURIComponent(key)}&${rangeParams(range, CHART_POINTS)}`),
    placeholderData: keepPreviousData,
    refetchInterval: follow && range.minStep === undefined && range.maxStep === undefined ? FOLLOW_MS : false,
  });
}

/** The compare request of one metric key (shared by the charts and the page's early prefetch). */
export function compareQueryOptions(experimentId: string, runIds: string[], key: string, range: StepRange) {
  return {
    queryKey: queryKeys.experiments.compare(experimentId, runIds, key, range),
    queryFn: () =>
      api<{ series: MetricHistory[] }>(
        `/api/experiments/${experimentId}/compare?runs=${runIds.map(encodeURIComponent).join(",")}&keys=${encodeURIComponent(key)}&${rangeParams(range, CHART_POINTS)}`,
      ),
  };
}

export function useCompareSeries(experimentId: string, runIds: string[], key: string, range: StepRange) {
  return useQuery({
    ...compareQueryOptions(experimentId, runIds, key, range),
    select: (d) => d.series,
    enabled: runIds.length > 0,
    placeholderData: keepPreviousData,
  });
}

/** The run's project (members give "created by" a name); the same cache entry as the project page's. */
export function useRunProject(projectId: string | undefined) {
  return useQuery({
    queryKey: queryKeys.projects.detail(projectId ?? ""),
    queryFn: () => api<ProjectDetail>(`/api/projects/${projectId}`),
    enabled: Boolean(projectId),
  });
}
