// GET /api/labeling/jobs/[id]/items/[itemId]/image – an image item (raster types only, never run as a document)
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { itemImage } from "@/server/labeling/item-image";

const params = idParams.extend({ itemId: z.string().min(1).max(64).regex(/^[a-z0-9]+$/i) });

export const GET = route({ access: "signed-in", params }, async ({ db, params, user }) => {
  const { bytes, contentType } = await itemImage(db, artifactStore(), params.id, params.itemId, user);
  return new Response(new Uint8Array(bytes), {
    headers: { "Content-Type": contentType, "Content-Length": String(bytes.length), "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "private, max-age=3600" },
  });
});
