// GET /api/datasets/[id]/versions/[version]/download – the file as uploaded, streamed
import { Readable } from "node:stream";
import { AppError } from "@/server/errors";
import { route } from "@/server/http/route";
import { attachmentHeaders } from "@/server/http/attachment";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { getDatasetVersion } from "@/server/datasets/list-datasets";
import { versionParams } from "@/server/datasets/dataset-schemas";

export const GET = route({ access: "datasets:read", sdk: true, params: versionParams }, async ({ db, params, user }) => {
  const version = await getDatasetVersion(db, params.id, params.version, user);
  if (version.status === "failed") throw new AppError("conflict", `Version ${version.version} failed validation (${version.statusReason}); its file was not kept.`);
  const store = artifactStore();
  const size = await store.size(version.storageKey);
  if (size === null) throw new AppError("not_found", "The file of this version is missing from the artifact store.");
  return new Response(Readable.toWeb(store.read(version.storageKey)) as ReadableStream, {
    headers: attachmentHeaders(version.filename, size, version.sha256),
  });
});
