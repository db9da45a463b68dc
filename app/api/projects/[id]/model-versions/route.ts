// POST /api/projects/[id]/model-versions – registers the next version of a model (created on first
// use) from a run's model folder ({ source: "run", runId }) or an uploaded file ({ source: "upload" })
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { registerModelVersionInput } from "@/server/models/model-schemas";
import { registerFromRun, registerFromUpload } from "@/server/models/register-model-version";

export const POST = route({ access: "models:write", sdk: true, params: idParams, body: registerModelVersionInput }, async ({ db, params, body, user, ip }) => {
  const version = body.source === "run" ? await registerFromRun(db, artifactStore(), params.id, body, user) : await registerFromUpload(db, artifactStore(), params.id, body, user);
  await recordAuditEvent(db, { action: "model.register", actor: user, target: { type: "model_version", id: version.id }, ip, detail: { model: version.modelName, version: version.version, source: version.source } });
  return created({ version });
});
