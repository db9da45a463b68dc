// GET /api/endpoints/[id]/captured/records?key=&offset=&limit= – one captured file's records, decoded for display
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { capturedRecordsQuery, readCapturedRecords } from "@/server/endpoints/captured-files";

export const GET = route({ access: "models:read", params: idParams, query: capturedRecordsQuery }, async ({ db, params, query, user }) =>
  readCapturedRecords(db, artifactStore(), params.id, user, query),
);
