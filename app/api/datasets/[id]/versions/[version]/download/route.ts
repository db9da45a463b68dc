// GET /api/datasets/[id]/versions/[version]/download – the file as uploaded, streamed
import { AppError } from "@/server/errors";
import { route } from "@/server/http/route";
import { artifactDownload } from "@/server/http/attachment";
import { getDatasetVersion } from "@/server/datasets/list-datasets";
import { versionParams } from "@/server/datasets/dataset-schemas";

export const GET = route({ access: "datasets:read", sdk: true, params: versionParams }, async ({ db, params, user }) => {
  const version = await getDatasetVersion(db, params.id, params.version, user);
  if (version.status === "failed") throw new AppError("conflict", `Version ${version.version} failed validation (${version.statusReason}); its file was not kept.`);
  return artifactDownload({ key: version.storageKey, filename: version.filename, sha256: version.sha256 ?? undefined }, "The file of this version is missing from the artifact store.");
});
