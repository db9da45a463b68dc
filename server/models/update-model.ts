import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ModelVersionDetail } from "@/lib/model-registry";
import type { approvalInput, updateModelInput } from "@/server/models/model-schemas";
import { getModel, getModelVersion, loadModelFor, loadVersionFor } from "@/server/models/list-models";

/**
 * Approves, rejects or returns a version to pending, with who, when and why kept in its history.
 * A rejection needs a reason; setting the status it already has is refused (nothing to record).
 */
export async function setModelApproval(db: Db, versionId: string, input: z.infer<typeof approvalInput>, actor: Principal): Promise<ModelVersionDetail> {
  const version = await loadVersionFor(db, versionId, actor, "models:approve");
  if (version.approvalStatus === input.status) throw new AppError("conflict", `Version ${version.version} is already ${input.status}.`);
  if (input.status === "Rejected" && !input.comment) {
    throw new AppError("validation_failed", "comment: say why the version is rejected.", { issues: [{ path: "comment", message: "say why the version is rejected" }] });
  }
  const now = new Date();
  await db.$transaction([
    // Only from the status this request saw: two reviewers deciding at once do not both win.
    db.modelVersion.update({
      where: { id: versionId, approvalStatus: version.approvalStatus },
      data: { approvalStatus: input.status, approvalComment: input.comment, approvalById: actor.id, approvalAt: now },
    }),
    db.modelVersionEvent.create({ data: { versionId, status: input.status, comment: input.comment, actorId: actor.id, createdAt: now } }),
    db.registeredModel.update({ where: { id: version.modelId }, data: { updatedAt: now } }),
  ]);
  return getModelVersion(db, versionId, actor);
}

export async function updateModel(db: Db, modelId: string, input: z.infer<typeof updateModelInput>, actor: Principal) {
  await loadModelFor(db, modelId, actor, "models:write");
  await db.registeredModel.update({ where: { id: modelId }, data: { description: input.description } });
  return getModel(db, modelId, actor);
}

/**
 * Queues the version for (another) ONNX export by the worker: for versions registered before
 * exports existed, or after a converter upgrade. An export already waiting is left as it is.
 */
export async function requestOnnxExport(db: Db, versionId: string, actor: Principal): Promise<ModelVersionDetail> {
  const version = await loadVersionFor(db, versionId, actor, "models:write");
  if (version.onnxStatus === "converted") throw new AppError("conflict", `Version ${version.version} is already exported to ONNX.`);
  if (version.onnxStatus !== "pending") await db.modelVersion.update({ where: { id: versionId }, data: { onnxStatus: "pending", onnx: undefined } });
  return getModelVersion(db, versionId, actor);
}
