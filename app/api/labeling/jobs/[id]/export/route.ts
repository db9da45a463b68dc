// GET /api/labeling/jobs/[id]/export – the Ground Truth output manifest (JSON Lines) of the consolidated items, streamed
import { idParams, route } from "@/server/http/route";
import { manifestStream } from "@/server/labeling/export-manifest";

export const GET = route({ access: "labeling:read", params: idParams }, async ({ db, params, user }) => {
  const { filename, stream } = await manifestStream(db, params.id, user);
  return new Response(stream, {
    headers: { "Content-Type": "application/x-ndjson", "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`, "X-Content-Type-Options": "nosniff" },
  });
});
