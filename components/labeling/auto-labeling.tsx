"use client";

import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { AUTO_LABEL_DEFAULTS, autoLabelTaskTypes, type AutoLabelingInput, type AutoLabelingView, type RoundStatus } from "@/lib/labeling/auto-labeling";
import { taskTypeLabels, type TaskType } from "@/lib/labeling/tasks";
import { Card, ErrorNotice } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";
import { Detail, Section } from "@/components/ui/section";
import { StatusBadge, type StatusStyle } from "@/components/ui/status-badge";
import { Table, Td, Th } from "@/components/ui/table";

// Automated labeling on the job page (machine- vs human-labeled, what happens now, each round's
// validation accuracy and threshold) and its settings in the new-job form.

function useAutoLabeling(jobId: string) {
  return useQuery({
    queryKey: [...queryKeys.labeling.detail(jobId), "auto-labeling"],
    queryFn: () => api<{ autoLabeling: AutoLabelingView }>(`/api/labeling/jobs/${jobId}/auto-labeling`),
    select: (d) => d.autoLabeling,
    refetchInterval: (query) => (["training", "waiting_for_host", "idle"].includes(query.state.data?.autoLabeling.state.kind ?? "") ? 2_000 : 5_000),
  });
}

const roundStyles: Record<RoundStatus, StatusStyle> = {
  waiting: { tone: "grey", label: "Waiting", live: true },
  training: { tone: "blue", label: "Training", live: true },
  completed: { tone: "green", label: "Completed", live: false },
  failed: { tone: "red", label: "Failed", live: false },
};

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);

/** The job page's section; nothing when automated labeling is off. */
export function AutoLabelingSection({ jobId }: { jobId: string }) {
  const { data, error } = useAutoLabeling(jobId);
  const qc = useQueryClient();
  const machineLabeled = data?.counts.machineLabeled;
  // Machine labels change the job's own counts (labeled, status): refresh them with these.
  useEffect(() => {
    if (machineLabeled) void qc.invalidateQueries({ queryKey: queryKeys.labeling.detail(jobId), exact: true });
  }, [machineLabeled, jobId, qc]);
  if (error) return <ErrorNotice error={error} />;
  if (!data?.enabled) return null;
  const labeled = data.counts.machineLabeled + data.counts.humanLabeled;
  return (
    <Section title="Automated labeling" count={data.rounds.length}>
      <Card className="mb-3 p-4">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
          <Detail label="Machine-labeled">
            <span data-testid="machine-labeled" className="tabular-nums">
              {data.counts.machineLabeled}
            </span>
          </Detail>
          <Detail label="Human-labeled">
            <span data-testid="human-labeled" className="tabular-nums">
              {data.counts.humanLabeled}
            </span>
          </Detail>
          <Detail label="Not labeled yet">
            <span className="tabular-nums">{data.counts.unlabeled}</span>
          </Detail>
          <Detail label="Target accuracy">{pct(data.targetAccuracy)}</Detail>
        </dl>
        {labeled > 0 ? (
          <div className="mt-3 flex h-2 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" title={`${data.counts.machineLabeled} by the model, ${data.counts.humanLabeled} by people, ${data.counts.unlabeled} to go`}>
            <span className="bg-violet-500" style={{ width: `${(100 * data.counts.machineLabeled) / (labeled + data.counts.unlabeled)}%` }} />
            <span className="bg-sky-600" style={{ width: `${(100 * data.counts.humanLabeled) / (labeled + data.counts.unlabeled)}%` }} />
          </div>
        ) : null}
        <p role="status" data-testid="auto-labeling-state" className={`mt-3 text-sm ${data.state.kind === "waiting_for_host" ? "text-amber-800 dark:text-amber-300" : "text-zinc-700 dark:text-zinc-300"}`}>
          {data.state.message}
        </p>
        <p className="mt-1 text-xs text-zinc-500">
          The first round trains at {data.minHumanLabels} human-labeled items, the next whenever they have grown by {Math.round(data.retrainGrowth * 100)}%, on {data.hostName ? `host ${data.hostName}` : "the local compute host"}. (SageMaker Ground Truth asks for at least 1,250 items, 5,000 recommended.)
        </p>
      </Card>
      {data.rounds.length > 0 ? (
        <Table label="Rounds of automated labeling">
          <thead>
            <tr>
              <Th className="w-10">#</Th>
              <Th>Status</Th>
              <Th>Started</Th>
              <Th className="text-right">Human labels</Th>
              <Th className="text-right">Train / validation</Th>
              <Th className="text-right" title="The model's accuracy on the whole validation split">
                Validation accuracy
              </Th>
              <Th className="text-right" title="The lowest confidence whose validation items reach the target accuracy">
                Threshold
              </Th>
              <Th className="text-right" title="Accuracy of the validation items at or above the threshold (how many)">
                Accuracy above it
              </Th>
              <Th className="text-right">Machine-labeled</Th>
            </tr>
          </thead>
          <tbody>
            {data.rounds.map((r) => (
              <tr key={r.number} data-testid={`round-${r.number}`}>
                <Td className="tabular-nums text-xs">{r.number}</Td>
                <Td className="text-xs">
                  <StatusBadge status={r.status} styles={roundStyles} reason={r.statusReason} />
                  {r.statusReason ? <p className="mt-1 max-w-sm text-xs text-zinc-500">{r.statusReason}</p> : null}
                </Td>
                <Td className="text-xs">{formatDateTime(r.startedAt ?? r.createdAt)}</Td>
                <Td className="text-right text-xs tabular-nums">{r.humanLabels}</Td>
                <Td className="text-right text-xs tabular-nums">{r.trainSize === null ? "–" : `${r.trainSize} / ${r.validationSize}`}</Td>
                <Td className="text-right text-xs tabular-nums" data-testid="round-accuracy">
                  {pct(r.validationAccuracy)}
                </Td>
                <Td className="text-right text-xs tabular-nums" data-testid="round-threshold">
                  {r.threshold === null ? (r.trainSize === null ? "–" : "none reached") : r.threshold.toFixed(3)}
                </Td>
                <Td className="text-right text-xs tabular-nums">{r.thresholdAccuracy === null ? "–" : `${pct(r.thresholdAccuracy)} (${r.thresholdSupport})`}</Td>
                <Td className="text-right text-xs tabular-nums">{r.machineLabeled}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </Section>
  );
}

/** The new-job form's settings: enable, target accuracy, human labels before the first round. */
export function AutoLabelingFields({ taskType, value, onChange, issue }: { taskType: TaskType; value: AutoLabelingInput | undefined; onChange: (value: AutoLabelingInput | undefined) => void; issue: (path: string) => string | undefined }) {
  const [target, setTarget] = useState("");
  const [minimum, setMinimum] = useState("");
  const offered = autoLabelTaskTypes.includes(taskType);
  const update = (next: { enabled?: boolean; target?: string; minimum?: string }) => {
    const enabled = next.enabled ?? value?.enabled ?? false;
    const t = next.target ?? target;
    const m = next.minimum ?? minimum;
    onChange(enabled ? { enabled, ...(t ? { targetAccuracy: Number(t) / 100 } : {}), ...(m ? { minHumanLabels: Number(m) } : {}) } : undefined);
  };
  return (
    <fieldset className="space-y-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
      <legend className="px-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">Automated labeling</legend>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" disabled={!offered} checked={offered && Boolean(value?.enabled)} onChange={(e) => update({ enabled: e.target.checked })} />
        Let a model label the items it is sure about
      </label>
      <p className="text-xs text-zinc-500">
        {offered
          ? "A model trained on a compute host on your team's labels labels the items it is confident about (checked on a validation split against the target accuracy); the items it is least sure of go to people first, and it retrains as labels come in."
          : `Available for ${autoLabelTaskTypes.map((t) => taskTypeLabels[t].toLowerCase()).join(", ")} so far.`}
      </p>
      {issue("autoLabeling.enabled") ? <p className="text-xs text-red-600">{issue("autoLabeling.enabled")}</p> : null}
      {offered && value?.enabled ? (
        <div className="grid grid-cols-2 gap-3">
          <TextField
            label="Target accuracy (%)"
            type="number"
            min={50}
            max={99.9}
            step={0.1}
            value={target}
            placeholder={String(AUTO_LABEL_DEFAULTS.targetAccuracy * 100)}
            onChange={(e) => {
              setTarget(e.target.value);
              update({ target: e.target.value });
            }}
            error={issue("autoLabeling.targetAccuracy")}
          />
          <TextField
            label="Human labels before the first round"
            type="number"
            min={20}
            value={minimum}
            placeholder={String(AUTO_LABEL_DEFAULTS.minHumanLabels)}
            onChange={(e) => {
              setMinimum(e.target.value);
              update({ minimum: e.target.value });
            }}
            error={issue("autoLabeling.minHumanLabels")}
            hint="SageMaker Ground Truth asks for 1,250 items in the job, 5,000 recommended."
          />
        </div>
      ) : null}
    </fieldset>
  );
}
