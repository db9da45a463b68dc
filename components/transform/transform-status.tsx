import { StatusBadge, type StatusStyle } from "@/components/ui/status-badge";
import type { TransformStatus } from "@/lib/transform-jobs";

// InProgress blue, Completed green, Failed red, Stopping/Stopped amber (the studio's status palette).
const styles: Record<TransformStatus, StatusStyle> = {
  InProgress: { tone: "blue", label: "In progress", live: true },
  Completed: { tone: "green", label: "Completed", live: false },
  Failed: { tone: "red", label: "Failed", live: false },
  Stopping: { tone: "amber", label: "Stopping", live: true },
  Stopped: { tone: "amber", label: "Stopped", live: false },
};

export function TransformStatusBadge({ status, reason }: { status: TransformStatus; reason?: string | null }) {
  return <StatusBadge status={status} styles={styles} reason={reason} />;
}

/** How far a job has read its input: an accessible progress bar with the records beside it. */
export function TransformProgress({ fraction, label, detail }: { fraction: number; label: string; detail?: string }) {
  const percent = Math.round(fraction * 100);
  return (
    <div className="flex items-center gap-3">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={detail ? `${percent}% (${detail})` : `${percent}%`}
        className="h-2 min-w-24 flex-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div className="h-full rounded-full bg-sky-600" style={{ width: `${percent}%` }} />
      </div>
      <span className="shrink-0 text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
        {percent}%{detail ? ` · ${detail}` : ""}
      </span>
    </div>
  );
}
