// GET /api/labeling/jobs/[id]/export/coco – a bounding-box job's consolidated boxes as COCO JSON, streamed
import { idParams, route } from "@/server/http/route";
import { cocoStream } from "@/server/labeling/export-coco";

export const GET = route({ access: "labeling:read", params: idParams }, async ({ db, params, user }) => {
  const { filename, stream } = await cocoStream(db, params.id, user);
  return new Response(stream, {
    headers: { "Content-Type": "application/json", "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`, "X-Content-Type-Options": "nosniff" },
  });
});
