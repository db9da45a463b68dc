import { StatusBadge, type StatusStyle } from "@/components/ui/status-badge";
import type { EndpointStatus } from "@/lib/endpoints";

// Creating/Updating blue (in progress), InService green, Failed red, Deleting amber.
const styles: Record<EndpointStatus, StatusStyle> = {
  Creating: { tone: "blue", label: "Creating", live: true },
  Updating: { tone: "blue", label: "Updating", live: true },
  InService: { tone: "green", label: "In service", live: false },
  Failed: { tone: "red", label: "Failed", live: false },
  Deleting: { tone: "amber", label: "Deleting", live: true },
};

export function EndpointStatusBadge({ status, reason }: { status: EndpointStatus; reason?: string | null }) {
  return <StatusBadge status={status} styles={styles} reason={reason} />;
}
