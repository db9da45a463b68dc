import "server-only";

/** Headers for a file download: never rendered by the browser, name safe in both header forms. */
export function attachmentHeaders(filename: string, size: number, sha256?: string): Record<string, string> {
  return {
    "Content-Type": "application/octet-stream",
    "Content-Length": String(size),
    "Content-Disposition": `attachment; filename="${filename.replace(/[^\x20-\x7e]|"/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    "X-Content-Type-Options": "nosniff",
    ...(sha256 ? { "X-Content-SHA256": sha256 } : {}),
  };
}
