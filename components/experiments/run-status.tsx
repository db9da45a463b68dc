import { Badge, type Tone } from "@/components/ui/status-badge";

// PRODUCT.md's palette: running blue, completed green, failed red, stopped amber.
const runTones: Record<string, { tone: Tone; label: string }> = {
  running: { tone: "blue", label: "Running" },
  completed: { tone: "green", label: "Completed" },
  failed: { tone: "red", label: "Failed" },
  stopped: { tone: "amber", label: "Stopped" },
};

export const runStatusOptions = Object.keys(runTones);

export function RunStatusBadge({ status }: { status: string }) {
  const { tone, label } = runTones[status] ?? { tone: "grey" as const, label: status };
  return (
    <Badge tone={tone} dot={status === "running" ? "live" : "still"}>
      {label}
    </Badge>
  );
}

export function runDurationMs(run: { startedAt: string; endedAt: string | null; status: string }, now = Date.now()): number | null {
  const start = Date.parse(run.startedAt);
  if (run.endedAt) return Date.parse(run.endedAt) - start;
  return run.status === "running" ? now - start : null;
}

// Run colours in charts: distinct, mid-tone (readable on white and on zinc-900), assigned by the
// run's position in the compare list so a run keeps its colour across every chart of the page.
export const runPalette = [
  "#2563eb", "#dc2626", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#4f46e5",
  "#0d9488", "#c026d3", "#ca8a04", "#e11d48", "#0284c7", "#7c3aed", "#059669", "#b45309", "#64748b", "#a16207",
];

export function runColor(index: number): string {
  return runPalette[index % runPalette.length];
}

