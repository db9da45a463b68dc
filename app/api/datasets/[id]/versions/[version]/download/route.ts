// GET /api/datasets/[id]/versions/[version]/download – the file as uploaded, streamed
import { Readable } from "node:stream";
import { AppError } from "@/server/errors";
import { route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { getDatasetVersion } from "@/server/datasets/list-datasets";
import { versionParams } from "@/server/datasets/dataset-schemas";

export const GET = route({ access: "datasets:read", params: versionParams }, async ({ db, params, user }) => {
  const version = await getDatasetVersion(db, params.id, params.version, user);
  if (version.status === "failed") throw new AppError("conflict", `Version ${version.version} failed validation (${version.statusReason}); its file was not kept.`);
  const store = artifactStore();
  const size = await store.size(version.storageKey);
  if (size === null) throw new AppError("not_found", "The file of this version is missing from the artifact store.");
  const filename = version.filename;
  return new Response(Readable.toWeb(store.read(version.storageKey)) as ReadableStream, {
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(size),
      "Content-Disposition": `attachment; filename="${filename.replace(/[^\x20-\x7e]|"/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
      "X-Content-SHA256": version.sha256,
    },
  });
});
