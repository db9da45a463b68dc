import "server-only";
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import type { DataCaptureConfig } from "@/lib/endpoints";

// Data capture (SageMaker's format, so Model Monitor habits and tools carry over): a sampled share
// of an endpoint's requests and answers, one JSON object per line, in files partitioned by
// endpoint, variant and hour: capture/{endpoint}/{variant}/yyyy/mm/dd/hh/{mm-ss}-{uuid}.jsonl in
// the artifact store. Lines are gathered in memory and written every few seconds, one new file
// per partition and flush (objects are never appended to).

export interface CapturedBody {
  contentType: string;
  body: Buffer;
}

function encode(config: DataCaptureConfig, body: CapturedBody, mode: "INPUT" | "OUTPUT") {
  const type = body.contentType.split(";")[0].trim().toLowerCase();
  const encoding = config.csvContentTypes.includes(type) ? "CSV" : config.jsonContentTypes.includes(type) ? "JSON" : "BASE64";
  return { observedContentType: body.contentType, mode, data: encoding === "BASE64" ? body.body.toString("base64") : body.body.toString("utf8"), encoding };
}

/** One captured invocation as SageMaker writes it. */
export function captureRecord(config: DataCaptureConfig, input: CapturedBody, output: CapturedBody, at: Date, inferenceId?: string) {
  return {
    captureData: {
      ...(config.captureInput ? { endpointInput: encode(config, input, "INPUT") } : {}),
      ...(config.captureOutput ? { endpointOutput: encode(config, output, "OUTPUT") } : {}),
    },
    eventMetadata: { eventId: randomUUID(), ...(inferenceId ? { inferenceId } : {}), inferenceTime: at.toISOString().replace(/\.\d{3}Z$/, "Z") },
    eventVersion: "0",
  };
}

interface Answered extends CapturedBody {
  variant: string;
  status: number;
}

function answered(a: Answered) {
  const type = a.contentType.split(";")[0].trim().toLowerCase();
  const text = type.startsWith("text/") || type.includes("json");
  return { variant: a.variant, status: a.status, observedContentType: a.contentType, data: text ? a.body.toString("utf8") : a.body.toString("base64"), encoding: text ? (type.includes("json") ? "JSON" : "CSV") : "BASE64" };
}

/**
 * A shadow comparison: the request, the production variant's answer (what the caller got) and the
 * shadow variant's (recorded only), one JSON object per line under shadow/{endpoint}/{shadow}/….
 */
export function shadowRecord(input: CapturedBody, production: Answered, shadow: Answered, shadowLatencyMs: number, at: Date, inferenceId?: string) {
  const type = input.contentType.split(";")[0].trim().toLowerCase();
  return {
    eventMetadata: { eventId: randomUUID(), ...(inferenceId ? { inferenceId } : {}), inferenceTime: at.toISOString().replace(/\.\d{3}Z$/, "Z") },
    endpointInput: { observedContentType: input.contentType, data: input.body.toString(type.startsWith("text/") || type.includes("json") ? "utf8" : "base64") },
    production: answered(production),
    shadow: { ...answered(shadow), latencyMs: Math.round(shadowLatencyMs * 100) / 100 },
  };
}

const two = (n: number) => String(n).padStart(2, "0");

export function capturePrefix(endpoint: string, variant: string, at: Date, root: "capture" | "shadow" = "capture"): string {
  return `${root}/${endpoint}/${variant}/${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${two(at.getUTCHours())}`;
}

export class CaptureWriter {
  private lines = new Map<string, string[]>();

  constructor(private readonly store: () => ArtifactStore) {}

  add(endpoint: string, variant: string, record: object, at: Date, root: "capture" | "shadow" = "capture"): void {
    const prefix = capturePrefix(endpoint, variant, at, root);
    const list = this.lines.get(prefix) ?? [];
    list.push(JSON.stringify(record));
    this.lines.set(prefix, list);
  }

  /** Writes what was gathered: one file per partition. Returns the keys written. */
  async flush(now = new Date()): Promise<string[]> {
    const batches = [...this.lines.entries()];
    this.lines.clear();
    const keys: string[] = [];
    for (const [prefix, lines] of batches) {
      const key = `${prefix}/${two(now.getUTCMinutes())}-${two(now.getUTCSeconds())}-${randomUUID()}.jsonl`;
      const store = this.store();
      const pending = await store.write(Readable.from([Buffer.from(lines.join("\n") + "\n")]), { maxBytes: 1024 ** 3 });
      try {
        await pending.commit(key);
        keys.push(key);
      } finally {
        await pending.discard();
      }
    }
    return keys;
  }
}
