import "server-only";
import { isDeepStrictEqual } from "node:util";
import type { Readable } from "node:stream";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { getEndpoint } from "@/server/endpoints/manage-endpoints";
import { variantName } from "@/lib/endpoints";
import { capturedKinds, type CapturedFile, type CapturedFileList, type CapturedKind, type CapturedRecordView, type CapturedRecordsPage, type EventMetadata, type ShownAnswer, type ShownBody } from "@/lib/captured-data";

// The endpoint page's browser of what the router wrote (server/endpoints/data-capture.ts): data
// capture files under capture/{endpoint}/{variant}/yyyy/mm/dd/hh/{mm-ss}-{uuid}.jsonl and shadow
// comparisons under shadow/{endpoint}/{shadow variant}/… in the artifact store. Whoever may read
// the endpoint may read them. Keys from the caller are checked against that layout for this
// endpoint's name, so nothing else in the store can be named; and since a deleted endpoint's name
// can be taken again (in another project), files written before this endpoint was created are not
// its own and are never shown.

/** Bodies longer than this are cut for display (the download has them whole). */
export const SHOWN_CHARS = 20_000;
/** A line longer than this is not parsed (shown as an error row that says to download the file). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** Files up to this size have their records counted while listing. */
export const COUNT_RECORDS_UP_TO = 2 * 1024 * 1024;

const HOUR = /^\d{4}(\/\d{2}(\/\d{2}(\/\d{2})?)?)?$/;
// What CaptureWriter names its files ({mm-ss}-{uuid}.jsonl), loosely: never "." or "..".
const FILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,200}\.jsonl$/;
const FOLDER = [/^\d{4}$/, /^\d{2}$/, /^\d{2}$/, /^\d{2}$/];
const CURSOR = /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{15}\/[a-zA-Z0-9][a-zA-Z0-9._-]{0,200}\.jsonl$/;
const isName = (s: string) => variantName.safeParse(s).data === s;

export const capturedFilesQuery = z.object({
  kind: z.enum(capturedKinds).default("capture"),
  variant: z.string().max(63).refine(isName, "is not a variant name").optional(),
  hour: z.string().regex(HOUR, "is an hour partition prefix: yyyy, yyyy/mm, yyyy/mm/dd or yyyy/mm/dd/hh").optional(),
  before: z.string().max(300).regex(CURSOR, "is the `next` of the previous page").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type CapturedFilesQuery = z.infer<typeof capturedFilesQuery>;

export const capturedRecordsQuery = z.object({
  key: z.string().min(1, "is required").max(600),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type CapturedRecordsQuery = z.infer<typeof capturedRecordsQuery>;

export const capturedFileQuery = capturedRecordsQuery.pick({ key: true });

const two = (n: number) => String(n).padStart(2, "0");
/** A time as a fixed-width path segment, so that paths compare as their times do. */
const stamp = (at: Date) => String(at.getTime()).padStart(15, "0");

// Files are ordered by [yyyy, mm, dd, hh, write time, name]: partitions hold what was captured in
// that hour, and a file's name carries the minute and second it was flushed, which may already be
// in the next hour, so the order inside a partition is the files' write time.

/** The first order path this endpoint may own: its creation (hour partition and time). */
function ownedFrom(createdAt: string): string[] {
  const at = new Date(createdAt);
  return [String(at.getUTCFullYear()), two(at.getUTCMonth() + 1), two(at.getUTCDate()), two(at.getUTCHours()), stamp(at)];
}

/** Compares a path with a bound, segment by segment, over the segments both have. */
function compare(segments: string[], bound: string[]): number {
  for (let i = 0; i < Math.min(segments.length, bound.length); i++) {
    if (segments[i] !== bound[i]) return segments[i] < bound[i] ? -1 : 1;
  }
  return 0;
}

interface Walk {
  /** Files strictly before this order path (the previous page's last). */
  before?: string[];
  /** Files at or after this order path (the endpoint's creation). */
  from: string[];
  /** Only this hour partition prefix. */
  hour?: string[];
}

interface Found {
  /** [yyyy, mm, dd, hh, write time, name] */
  order: string[];
  size: number;
  modifiedAt: Date;
}

/** The files of one variant, newest first, reading only the folders it needs. */
async function* newestFirst(store: ArtifactStore, base: string, walk: Walk, segments: string[] = []): AsyncGenerator<Found> {
  const { folders, files } = await store.listFolder([base, ...segments].join("/"));
  if (segments.length === FOLDER.length) {
    const found = files
      .filter((f) => FILE_NAME.test(f.name))
      .map((f) => ({ order: [...segments, stamp(f.modifiedAt), f.name], size: f.size, modifiedAt: f.modifiedAt }))
      .filter((f) => (!walk.before || compare(f.order, walk.before) < 0) && compare(f.order, walk.from) >= 0)
      .sort((a, b) => compare(b.order, a.order));
    yield* found;
    return;
  }
  for (const name of folders.reverse()) {
    const path = [...segments, name];
    if (!FOLDER[segments.length].test(name)) continue;
    if (walk.hour && segments.length < walk.hour.length && name !== walk.hour[segments.length]) continue;
    // Everything inside is newer than the page's end, or older than the endpoint.
    if ((walk.before && compare(path, walk.before) > 0) || compare(path, walk.from) < 0) continue;
    yield* newestFirst(store, base, walk, path);
  }
}

function fileOf(kind: CapturedKind, endpoint: string, variant: string, found: Found, records: number | null): CapturedFile {
  const [y, mo, d, h, , name] = found.order;
  return {
    key: [kind, endpoint, variant, y, mo, d, h, name].join("/"),
    kind,
    variant,
    partition: `${y}/${mo}/${d}/${h}`,
    writtenAt: found.modifiedAt.toISOString(),
    size: found.size,
    records,
  };
}

/**
 * An endpoint's captured-data (or shadow comparison) files, newest first across its variants (or
 * of one), optionally of one hour partition prefix; pages through `before` = the previous `next`.
 */
export async function listCapturedFiles(db: Db, store: ArtifactStore, endpointId: string, principal: Principal, query: CapturedFilesQuery): Promise<CapturedFileList> {
  const endpoint = await getEndpoint(db, endpointId, principal);
  const root = `${query.kind}/${endpoint.name}`;
  const variants = (await store.listFolder(root)).folders.filter(isName);
  const walk: Walk = { before: query.before?.split("/"), from: ownedFrom(endpoint.createdAt), hour: query.hour?.split("/") };
  const streams = (query.variant ? variants.filter((v) => v === query.variant) : variants).map((variant) => ({ variant, files: newestFirst(store, `${root}/${variant}`, walk) }));
  const heads = await Promise.all(streams.map(async (s) => (await s.files.next()).value ?? null));
  const picked: { variant: string; found: Found }[] = [];
  let more = false;
  for (;;) {
    let newest = -1;
    heads.forEach((head, i) => {
      if (head && (newest < 0 || compare(head.order, heads[newest]!.order) > 0)) newest = i;
    });
    if (newest < 0) break;
    if (picked.length === query.limit) {
      more = true;
      break;
    }
    picked.push({ variant: streams[newest].variant, found: heads[newest]! });
    heads[newest] = (await streams[newest].files.next()).value ?? null;
  }
  await Promise.all(streams.map((s) => s.files.return(undefined)));
  const files = await Promise.all(
    picked.map(async ({ variant, found }) => {
      const file = fileOf(query.kind, endpoint.name, variant, found, null);
      return { ...file, records: file.size <= COUNT_RECORDS_UP_TO ? await countRecords(store, file.key) : null };
    }),
  );
  return { files, variants, next: more ? picked[picked.length - 1].found.order.join("/") : null };
}

/**
 * The file `key` names, checked to be one of this endpoint's captured files: the layout with this
 * endpoint's name (else 422 naming the key), present and written since the endpoint was created.
 */
export async function capturedFile(db: Db, store: ArtifactStore, endpointId: string, principal: Principal, key: string): Promise<CapturedFile> {
  const endpoint = await getEndpoint(db, endpointId, principal);
  const segments = key.split("/");
  const [kind, name, variant, ...rest] = segments;
  const layout =
    segments.length === 8 &&
    (capturedKinds as readonly string[]).includes(kind) &&
    name === endpoint.name &&
    isName(variant) &&
    rest.slice(0, 4).every((s, i) => FOLDER[i].test(s)) &&
    FILE_NAME.test(rest[4]);
  if (!layout) {
    const message = `is not a captured-data file of endpoint ${endpoint.name}: expected capture/${endpoint.name}/<variant>/yyyy/mm/dd/hh/<file>.jsonl or shadow/${endpoint.name}/<variant>/…`;
    throw new AppError("validation_failed", `key ${message}`, { issues: [{ path: "key", message }] });
  }
  const hour = rest.slice(0, 4);
  const entry = (await store.listFolder(segments.slice(0, 7).join("/"))).files.find((f) => f.name === rest[4]);
  const found = entry ? { order: [...hour, stamp(entry.modifiedAt), entry.name], size: entry.size, modifiedAt: entry.modifiedAt } : null;
  if (!found || compare(found.order, ownedFrom(endpoint.createdAt)) < 0) throw new AppError("not_found", `No such captured file of endpoint ${endpoint.name}: it may have been removed from the artifact store.`);
  return fileOf(kind as CapturedKind, endpoint.name, variant, found, null);
}

interface Line {
  /** Line number in the file, from 1. */
  number: number;
  /** Index among the file's non-empty lines (its records). */
  index: number;
  /** The line, when asked for and not longer than MAX_LINE_BYTES. */
  text: string | null;
  bytes: number;
}

/** The non-empty lines of a stream, their text only where `keep(index)` says so. */
async function* lines(stream: Readable, keep: (index: number) => boolean): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let bytes = 0;
  let number = 0;
  let index = 0;
  const finish = (): Line | null => {
    number++;
    const line = bytes === 0 ? null : { number, index, bytes, text: keep(index) && bytes <= MAX_LINE_BYTES ? Buffer.concat(parts).toString("utf8") : null };
    if (line) index++;
    parts = [];
    bytes = 0;
    return line;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(10, start);
        const end = newline === -1 ? chunk.length : newline;
        if (end > start && keep(index) && bytes + (end - start) <= MAX_LINE_BYTES) parts.push(chunk.subarray(start, end));
        bytes += end - start;
        if (newline === -1) break;
        const line = finish();
        if (line) yield line;
        start = newline + 1;
      }
    }
    const last = finish();
    if (last) yield last;
  } finally {
    stream.destroy();
  }
}

async function countRecords(store: ArtifactStore, key: string): Promise<number> {
  let count = 0;
  for await (const line of lines(store.read(key), () => false)) count = line.index + 1;
  return count;
}

const storedBody = z.object({ observedContentType: z.string(), data: z.string(), encoding: z.string().optional() });
const storedAnswer = storedBody.extend({ variant: z.string(), status: z.number().int() });
const eventMetadata = z.object({ eventId: z.string(), inferenceId: z.string().optional(), inferenceTime: z.string() });
const captureLine = z.object({ captureData: z.object({ endpointInput: storedBody.optional(), endpointOutput: storedBody.optional() }), eventMetadata });
const shadowLine = z.object({ eventMetadata, endpointInput: storedBody, production: storedAnswer, shadow: storedAnswer.extend({ latencyMs: z.number() }) });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A stored body's encoding: as written, or (shadow inputs carry none) by its content type the way the router chose it. */
function encodingOf(body: z.infer<typeof storedBody>): string {
  if (body.encoding) return body.encoding;
  const type = body.observedContentType.split(";")[0].trim().toLowerCase();
  return type.startsWith("text/") || type.includes("json") ? (type.includes("json") ? "JSON" : "CSV") : "BASE64";
}

/** The body as text to show: CSV and JSON as stored, BASE64 decoded when it is UTF-8 text, else left encoded. */
function shown(body: z.infer<typeof storedBody>): ShownBody & { full: string } {
  const encoding = encodingOf(body);
  const cut = (text: string, shownAs: ShownBody["shownAs"], bytes: number, note?: string) => ({
    contentType: body.observedContentType,
    encoding,
    shownAs,
    data: text.length > SHOWN_CHARS ? text.slice(0, SHOWN_CHARS) : text,
    bytes,
    truncated: text.length > SHOWN_CHARS,
    full: text,
    ...(note ? { note } : {}),
  });
  if (encoding.toUpperCase() !== "BASE64") return cut(body.data, "text", Buffer.byteLength(body.data));
  if (!BASE64.test(body.data)) return cut(body.data, "text", Buffer.byteLength(body.data), "marked BASE64 but is not valid base64: shown as stored");
  const bytes = Buffer.from(body.data, "base64");
  try {
    return cut(utf8.decode(bytes), "text", bytes.length);
  } catch {
    return cut(body.data, "base64", bytes.length);
  }
}

const strip = ({ full: _full, ...view }: ShownBody & { full: string }): ShownBody => view;

/** Whether two answers' bodies say the same: equal text, or equal JSON values (key order and spacing aside). */
function sameBody(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return false;
  }
}

const metadata = (m: z.infer<typeof eventMetadata>): EventMetadata => ({ eventId: m.eventId, inferenceId: m.inferenceId ?? null, inferenceTime: m.inferenceTime });

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

function recordOf(kind: CapturedKind, line: Line): CapturedRecordView {
  const raw = (line.text ?? "").slice(0, 2_000);
  const bad = (error: string): CapturedRecordView => ({ type: "error", line: line.number, error, raw });
  if (line.text === null) return bad(`line ${line.number} is ${line.bytes.toLocaleString("en")} bytes, more than is shown here: download the file to read it`);
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return bad(`line ${line.number} is not valid JSON: ${(error as Error).message}`);
  }
  if (kind === "capture") {
    const parsed = captureLine.safeParse(value);
    if (!parsed.success) return bad(`line ${line.number} is not a data capture record: ${issuesText(parsed.error)}`);
    const { endpointInput, endpointOutput } = parsed.data.captureData;
    return { type: "capture", line: line.number, ...metadata(parsed.data.eventMetadata), input: endpointInput ? strip(shown(endpointInput)) : null, output: endpointOutput ? strip(shown(endpointOutput)) : null };
  }
  const parsed = shadowLine.safeParse(value);
  if (!parsed.success) return bad(`line ${line.number} is not a shadow comparison record: ${issuesText(parsed.error)}`);
  const { production, shadow } = parsed.data;
  const [prod, shad] = [shown(production), shown(shadow)];
  const answer = (a: typeof production, body: ShownBody & { full: string }): ShownAnswer => ({ ...strip(body), variant: a.variant, status: a.status });
  return {
    type: "shadow",
    line: line.number,
    ...metadata(parsed.data.eventMetadata),
    input: strip(shown(parsed.data.endpointInput)),
    production: answer(production, prod),
    shadow: { ...answer(shadow, shad), latencyMs: shadow.latencyMs },
    differs: !sameBody(prod.full, shad.full),
  };
}

/**
 * A page of one captured file's records (`offset`, `limit` over its non-empty lines), each decoded
 * for display; a line that is not a record of its kind is an error row saying why.
 */
export async function readCapturedRecords(db: Db, store: ArtifactStore, endpointId: string, principal: Principal, query: CapturedRecordsQuery): Promise<CapturedRecordsPage> {
  const file = await capturedFile(db, store, endpointId, principal, query.key);
  const wanted = (index: number) => index >= query.offset && index < query.offset + query.limit;
  const records: CapturedRecordView[] = [];
  let total = 0;
  for await (const line of lines(store.read(file.key), wanted)) {
    total = line.index + 1;
    if (wanted(line.index)) records.push(recordOf(file.kind, line));
  }
  return { file: { ...file, records: total }, offset: query.offset, total, records };
}
