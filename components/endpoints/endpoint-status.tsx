import { Badge, type Tone } from "@/components/ui/status-badge";
import type { EndpointStatus } from "@/lib/endpoints";

// Creating/Updating blue (in progress), InService green, Failed red, Deleting amber.
const tones: Record<EndpointStatus, { tone: Tone; label: string; live: boolean }> = {
  Creating: { tone: "blue", label: "Creating", live: true },
  Updating: { tone: "blue", label: "Updating", live: true },
  InService: { tone: "green", label: "In service", live: false },
  Failed: { tone: "red", label: "Failed", live: false },
  Deleting: { tone: "amber", label: "Deleting", live: true },
};

export function EndpointStatusBadge({ status, reason }: { status: EndpointStatus; reason?: string | null }) {
  const { tone, label, live } = tones[status] ?? { tone: "grey" as const, label: status, live: false };
  return (
    <Badge tone={tone} title={reason ?? status} dot={live ? "live" : "still"}>
      {label}
    </Badge>
  );
}
