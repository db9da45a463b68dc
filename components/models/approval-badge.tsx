import { Badge, type Tone } from "@/components/ui/status-badge";
import { approvalLabels, type ApprovalStatus } from "@/lib/model-registry";

// Pending grey, approved green, rejected red (PRODUCT.md's palette).
const tones: Record<ApprovalStatus, Tone> = { PendingManualApproval: "grey", Approved: "green", Rejected: "red" };

export function ApprovalBadge({ status }: { status: ApprovalStatus }) {
  return (
    <Badge tone={tones[status] ?? "grey"} title={status} dot="still">
      {approvalLabels[status] ?? status}
    </Badge>
  );
}
