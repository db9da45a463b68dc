import "server-only";
import { Readable } from "node:stream";
import { AppError } from "@/server/errors";
import { artifactStore } from "@/server/artifacts/artifact-store";

/** Headers for a file download: never rendered by the browser, name safe in both header forms. */
export function attachmentHeaders(filename: string, size: number, sha256?: string, contentType = "application/octet-stream"): Record<string, string> {
  return {
    "Content-Type": contentType,
    "Content-Length": String(size),
    "Content-Disposition": `attachment; filename="${filename.replace(/[^\x20-\x7e]|"/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    "X-Content-Type-Options": "nosniff",
    ...(sha256 ? { "X-Content-SHA256": sha256 } : {}),
  };
}

/** A download of one artifact-store file, streamed; 404 with `missing` when the file is not there. */
export async function artifactDownload(file: { key: string; filename: string; sha256?: string; contentType?: string }, missing: string): Promise<Response> {
  const store = artifactStore();
  const size = await store.size(file.key);
  if (size === null) throw new AppError("not_found", missing);
  return new Response(Readable.toWeb(store.read(file.key)) as ReadableStream, { headers: attachmentHeaders(file.filename, size, file.sha256, file.contentType) });
}
