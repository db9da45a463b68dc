// The ONNX export's kernel (server/models/export-onnx.ts; only its token is accepted):
// GET  /api/model-versions/[id]/onnx/export – the version's files to download
// PUT  /api/model-versions/[id]/onnx/export – the converted graph as the body, streamed
// POST /api/model-versions/[id]/onnx/export – the export's report (converted / failed / unsupported)
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { fileBody } from "@/server/http/file-body";
import { onnxExportReportInput } from "@/server/models/model-schemas";
import { getOnnxExportSpec, putOnnxExportGraph, reportOnnxExport } from "@/server/models/onnx-export-runtime";

export const GET = route({ access: "models:read", sdk: "onnx-export", params: idParams }, async ({ db, params, user }) => ({ export: await getOnnxExportSpec(db, params.id, user) }));

export const PUT = route({ access: "models:write", sdk: "onnx-export", params: idParams }, async ({ db, params, user, req }) => putOnnxExportGraph(db, artifactStore(), params.id, fileBody(req), user));

export const POST = route({ access: "models:write", sdk: "onnx-export", params: idParams, body: onnxExportReportInput, maxBodyBytes: 4 * 1024 * 1024 }, async ({ db, params, body, user }) =>
  reportOnnxExport(db, params.id, body, user),
);
