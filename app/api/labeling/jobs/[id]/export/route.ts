// GET /api/labeling/jobs/[id]/export?format=groundtruth-manifest|csv|jsonl – the consolidated items as a Ground Truth
// output manifest (the default), CSV or JSON Lines (columns: lib/labeling/exchange.ts), streamed
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { exportStream } from "@/server/labeling/export-formats";
import { exportFormats } from "@/lib/labeling/exchange";

const query = z.object({ format: z.enum(exportFormats).default("groundtruth-manifest") });
const contentTypes = { "groundtruth-manifest": "application/x-ndjson", jsonl: "application/x-ndjson", csv: "text/csv; charset=utf-8" } as const;

export const GET = route({ access: "labeling:read", params: idParams, query }, async ({ db, params, query, user }) => {
  const { filename, stream } = await exportStream(db, params.id, user, query.format);
  return new Response(stream, {
    headers: { "Content-Type": contentTypes[query.format], "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`, "X-Content-Type-Options": "nosniff" },
  });
});
