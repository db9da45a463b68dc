// POST /api/projects/[id]/labeling-imports – { name, datasetVersionId, labelAttributeName?, labels?, reviewThreshold? }: a labeling
// job whose items carry the labels of a Ground Truth output manifest or a CSV / JSON Lines export (read by the worker)
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { createImportJob } from "@/server/labeling/import-labels";
import { importLabelsInput } from "@/server/labeling/exchange-schemas";

export const POST = route({ access: "labeling:manage", params: idParams, body: importLabelsInput }, async ({ db, params, body, user, ip }) => {
  const job = await createImportJob(db, artifactStore(), params.id, body, user);
  await recordAuditEvent(db, { action: "labeling.import", actor: user, target: { type: "labeling_job", id: job.id }, ip, detail: { name: job.name, datasetVersionId: job.datasetVersion.id, format: job.importFormat } });
  return created({ job });
});
