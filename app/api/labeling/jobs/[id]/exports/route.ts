// GET /api/labeling/jobs/[id]/exports – the job's exports saved as dataset versions, newest first, with progress
// POST /api/labeling/jobs/[id]/exports – { format, datasetName? }: the worker saves the export as the next version of the dataset
import { created, idParams, route } from "@/server/http/route";
import { listExports, saveExport } from "@/server/labeling/save-export";
import { saveExportInput } from "@/server/labeling/exchange-schemas";

export const GET = route({ access: "labeling:read", params: idParams }, async ({ db, params, user }) => ({ exports: await listExports(db, params.id, user) }));

export const POST = route({ access: "labeling:manage", params: idParams, body: saveExportInput }, async ({ db, params, body, user }) => created({ export: await saveExport(db, params.id, body, user) }));
