// GET /api/labeling/rounds/[id]/items/[itemId]/image – an image item of the round's job, for the round's code on the compute host (the round's token only)
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { roundItemImage } from "@/server/labeling/auto-labeling-rounds";

const params = idParams.extend({ itemId: z.string().min(1).max(64).regex(/^[a-z0-9]+$/i) });

export const GET = route({ access: "labeling:manage", sdk: "labeling-round", params }, async ({ db, params, user }) => {
  const { bytes, contentType } = await roundItemImage(db, artifactStore(), params.id, params.itemId, user);
  return new Response(new Uint8Array(bytes), { headers: { "Content-Type": contentType, "Content-Length": String(bytes.length), "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store" } });
});
