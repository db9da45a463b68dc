// POST /api/runs/[id]/batch { source, seq, metrics?, params?, tags? } – the SDK's uploads.
// A re-sent (source, seq) is acknowledged with duplicate: true and stored once.
import { idParams, route } from "@/server/http/route";
import { ingestRunBatch } from "@/server/tracking/ingest-run-batch";
import { runBatchInput } from "@/server/tracking/tracking-schemas";

export const POST = route(
  // 10,000 points of ~100 bytes each, plus params and tags.
  { access: "training:write", sdk: true, params: idParams, body: runBatchInput, maxBodyBytes: 8 * 1024 * 1024 },
  async ({ db, params, body, user }) => ({ ok: true, ...(await ingestRunBatch(db, params.id, body, user)) }),
);
