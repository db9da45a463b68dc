// The SDK's side of the studio's HTTP API (the routes the job runner and `studio` call), served
// straight from the domain functions, for tests that run the real Python runner in a real kernel
// without a Next build. The route handlers in app/api are thin wrappers over the same functions;
// the e2e tests go through those.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { Db } from "@/server/db";
import { AppError, errorCodes } from "@/server/errors";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import { appendJobLogs, getJobCodeKey, getJobSpec, jobHeartbeat, reportJobStatus } from "@/server/jobs/job-runtime";
import { jobAttemptInput, jobLogsInput, jobStatusInput } from "@/server/jobs/job-schemas";
import { ingestRunBatch } from "@/server/tracking/ingest-run-batch";
import { putRunArtifact } from "@/server/tracking/run-artifacts";
import { runBatchInput } from "@/server/tracking/tracking-schemas";
import { getDatasetVersion } from "@/server/datasets/list-datasets";
import { onnxExportReportInput } from "@/server/models/model-schemas";
import { getOnnxExportFile, getOnnxExportSpec, putOnnxExportGraph, reportOnnxExport } from "@/server/models/onnx-export-runtime";
import { applyPredictions, finishRound, getRoundSpec, listRoundItems, reportRound, roundItemImage } from "@/server/labeling/auto-labeling-rounds";
import { roundFinishInput, roundItemsQuery, roundPredictionsInput, roundReportInput } from "@/lib/labeling/auto-labeling";

export interface StudioApi {
  url: string;
  /** Requests answered so far, by "METHOD path" without the query. */
  hits: string[];
  /** While true every request gets a 503, like a studio that is restarting. */
  down: boolean;
  close(): Promise<void>;
}

async function json(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

export async function startStudioApi(db: Db, store: ArtifactStore, port = 0): Promise<StudioApi> {
  const api: StudioApi = { url: "", hits: [], down: false, close: async () => undefined };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    api.hits.push(`${req.method} ${url.pathname}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (api.down) return send(503, { error: { code: "unavailable", message: "restarting" } });
    try {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const principal = token ? await authenticateApiToken(db, token) : null;
      if (!principal) throw new AppError("unauthorized", "no token");
      const m = (pattern: RegExp) => pattern.exec(url.pathname);
      let match: RegExpExecArray | null;
      if ((match = m(/^\/api\/jobs\/(\w+)\/spec$/))) return send(200, { job: await getJobSpec(db, match[1], principal) });
      if ((match = m(/^\/api\/jobs\/(\w+)\/code$/))) {
        const { key } = await getJobCodeKey(db, match[1], principal);
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        return store.read(key).pipe(res);
      }
      if ((match = m(/^\/api\/jobs\/(\w+)\/logs$/))) return send(200, { ok: true, stop: (await appendJobLogs(db, match[1], jobLogsInput.parse(await json(req)), principal)).stop });
      if ((match = m(/^\/api\/jobs\/(\w+)\/heartbeat$/))) return send(200, await jobHeartbeat(db, match[1], jobAttemptInput.parse(await json(req)).attempt, principal));
      if ((match = m(/^\/api\/jobs\/(\w+)\/status$/))) return send(200, await reportJobStatus(db, match[1], jobStatusInput.parse(await json(req)), principal));
      if ((match = m(/^\/api\/runs\/(\w+)\/batch$/))) return send(200, { ok: true, ...(await ingestRunBatch(db, match[1], runBatchInput.parse(await json(req)), principal)) });
      if ((match = m(/^\/api\/runs\/(\w+)\/artifacts$/))) return send(200, await putRunArtifact(db, store, match[1], url.searchParams.get("path") ?? "", Readable.from(req), principal));
      if ((match = m(/^\/api\/datasets\/(\w+)\/versions\/(\d+)\/download$/))) {
        const version = await getDatasetVersion(db, match[1], Number(match[2]), principal);
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        return store.read(version.storageKey).pipe(res);
      }
      if ((match = m(/^\/api\/model-versions\/(\w+)\/onnx\/export\/files$/))) {
        const file = await getOnnxExportFile(db, match[1], url.searchParams.get("path") ?? "", principal);
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        return store.read(file.key).pipe(res);
      }
      if ((match = m(/^\/api\/model-versions\/(\w+)\/onnx\/export$/))) {
        if (req.method === "GET") return send(200, { export: await getOnnxExportSpec(db, match[1], principal) });
        if (req.method === "PUT") return send(200, await putOnnxExportGraph(db, store, match[1], Readable.from(req), principal));
        return send(200, await reportOnnxExport(db, match[1], onnxExportReportInput.parse(await json(req)), principal));
      }
      if ((match = m(/^\/api\/labeling\/rounds\/(\w+)$/))) return send(200, { round: await getRoundSpec(db, match[1], principal) });
      if ((match = m(/^\/api\/labeling\/rounds\/(\w+)\/items$/))) return send(200, await listRoundItems(db, match[1], roundItemsQuery.parse(Object.fromEntries(url.searchParams)), principal));
      if ((match = m(/^\/api\/labeling\/rounds\/(\w+)\/items\/(\w+)\/image$/))) {
        const { bytes, contentType } = await roundItemImage(db, store, match[1], match[2], principal);
        res.writeHead(200, { "Content-Type": contentType, "Content-Length": String(bytes.length) });
        return res.end(bytes);
      }
      if ((match = m(/^\/api\/labeling\/rounds\/(\w+)\/report$/))) return send(200, await reportRound(db, match[1], roundReportInput.parse(await json(req)), principal));
      if ((match = m(/^\/api\/labeling\/rounds\/(\w+)\/predictions$/))) return send(200, await applyPredictions(db, match[1], roundPredictionsInput.parse(await json(req)), principal));
      if ((match = m(/^\/api\/labeling\/rounds\/(\w+)\/finish$/))) return send(200, await finishRound(db, match[1], roundFinishInput.parse(await json(req)), principal));
      send(404, { error: { code: "not_found", message: `${req.method} ${url.pathname} is not served by the test API` } });
    } catch (error) {
      if (error instanceof AppError) return send(errorCodes[error.code], { error: { code: error.code, message: error.message } });
      if ((error as { name?: string }).name === "ZodError") return send(422, { error: { code: "validation_failed", message: String(error) } });
      console.error("[test api]", error);
      send(500, { error: { code: "internal", message: String(error) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return api;
}
