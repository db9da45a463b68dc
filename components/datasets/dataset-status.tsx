import { Badge } from "@/components/ui/status-badge";
import type { DatasetVersionView } from "@/server/datasets/dataset-view";

export function DatasetStatus({ version }: { version: Pick<DatasetVersionView, "status" | "statusReason"> }) {
  if (version.status === "ready") return <Badge tone="green">Ready</Badge>;
  if (version.status === "processing") return <Badge tone="blue">Profiling…</Badge>;
  return (
    <Badge tone="red" title={version.statusReason ?? undefined}>
      Failed
    </Badge>
  );
}
