// GET /api/model-versions/[id]/onnx/export/files?path=model.joblib – one file of the version, for
// the kernel exporting it to ONNX (only its token is accepted)
import { idParams, route } from "@/server/http/route";
import { artifactDownload } from "@/server/http/attachment";
import { modelFileQuery } from "@/server/models/model-schemas";
import { getOnnxExportFile } from "@/server/models/onnx-export-runtime";

export const GET = route({ access: "models:read", sdk: "onnx-export", params: idParams, query: modelFileQuery }, async ({ db, params, query, user }) =>
  artifactDownload(await getOnnxExportFile(db, params.id, query.path, user), "The file is missing from the artifact store."),
);
