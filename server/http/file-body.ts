import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError } from "@/server/errors";

/** The request body as a Node stream, for endpoints whose body is a file (never buffered whole). */
export function fileBody(req: Request): Readable {
  if (!req.body) throw new AppError("bad_request", "Send the file as the request body.");
  return Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
}
