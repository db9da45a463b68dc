// GET /api/labeling/rounds/[id]/items?set=training|candidates&after=&limit= – a page of human-labeled (with label) or unlabeled items
import { idParams, route } from "@/server/http/route";
import { listRoundItems } from "@/server/labeling/auto-labeling-rounds";
import { roundItemsQuery } from "@/lib/labeling/auto-labeling";

export const GET = route({ access: "labeling:manage", sdk: "labeling-round", params: idParams, query: roundItemsQuery }, async ({ db, params, query, user }) => listRoundItems(db, params.id, query, user));
