// nbformat v4: reading any 4.x file people bring, the form the studio stores, and writing files
// that Python's `nbformat.validate` accepts (minor 5, with cell ids). Safe in browser and server.
//
// Stored form: every multi-line string (cell source, stream text, text-like mime values) is one
// string, cells always have a valid unique id, nbformat_minor is 5. Everything else — unknown
// metadata, unknown output fields, attachments — is kept as it came.
import { z } from "zod";

/** A multi-line string as files store it: one string, or a list of lines to be joined. */
const multiline = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v.join("") : v));

const mimeBundle = z.record(z.string(), z.unknown());

const streamOutput = z.object({ output_type: z.literal("stream"), name: z.string(), text: multiline }).loose();
const displayOutput = z.object({ output_type: z.literal("display_data"), data: mimeBundle, metadata: z.record(z.string(), z.unknown()).default({}) }).loose();
const resultOutput = z
  .object({
    output_type: z.literal("execute_result"),
    execution_count: z.number().int().nullable(),
    data: mimeBundle,
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();
const errorOutput = z.object({ output_type: z.literal("error"), ename: z.string(), evalue: z.string(), traceback: z.array(z.string()) }).loose();

export const outputSchema = z.discriminatedUnion("output_type", [streamOutput, displayOutput, resultOutput, errorOutput]);
export type Output = z.infer<typeof outputSchema>;

const cellId = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/);
const metadata = z.record(z.string(), z.unknown()).default({});

const codeCell = z
  .object({
    cell_type: z.literal("code"),
    id: z.string().optional(),
    source: multiline,
    metadata,
    execution_count: z.number().int().nullable().default(null),
    outputs: z.array(outputSchema).default([]),
  })
  .loose();
const markdownCell = z
  .object({ cell_type: z.literal("markdown"), id: z.string().optional(), source: multiline, metadata, attachments: z.record(z.string(), mimeBundle).optional() })
  .loose();
const rawCell = z
  .object({ cell_type: z.literal("raw"), id: z.string().optional(), source: multiline, metadata, attachments: z.record(z.string(), mimeBundle).optional() })
  .loose();

export const cellSchema = z.discriminatedUnion("cell_type", [codeCell, markdownCell, rawCell]);
export type Cell = z.infer<typeof cellSchema> & { id: string };

/** What an .ipynb file may contain (any nbformat 4.x minor). */
export const ipynbSchema = z
  .object({
    nbformat: z.literal(4, "only nbformat 4 notebooks can be imported (convert older ones with `jupyter nbconvert --to notebook`)"),
    nbformat_minor: z.number().int().min(0),
    metadata: z.record(z.string(), z.unknown()).default({}),
    cells: z.array(cellSchema),
  })
  .loose();

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
  [key: string]: unknown;
}

/** A new random cell id, like nbformat's own (8 hex characters). */
export function newCellId(): string {
  const bytes = new Uint8Array(4);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function joinMimeText(bundle: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(bundle).map(([mime, value]) => [mime, Array.isArray(value) && value.every((v) => typeof v === "string") && mime !== "application/json" ? value.join("") : value]),
  );
}

function normalizeOutput(output: Output): Output {
  if (output.output_type === "display_data" || output.output_type === "execute_result") return { ...output, data: joinMimeText(output.data) };
  return output;
}

export class NotebookFormatError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "NotebookFormatError";
  }
}

/**
 * Parses an .ipynb file's text into the stored form: sources joined, text outputs joined, every
 * cell given a valid unique id (minor < 5 files have none; duplicates get a fresh one), minor 5.
 */
export function parseIpynb(text: string): Notebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError(`This file is not valid JSON, so it is not a notebook: ${(error as Error).message}`);
  }
  return normalizeNotebook(json);
}

/** Validates and normalizes a notebook object (an import, or content saved by the editor). */
export function normalizeNotebook(value: unknown): Notebook {
  const parsed = ipynbSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message }));
    throw new NotebookFormatError(`This is not a valid nbformat 4 notebook: ${issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join("; ")}`, issues);
  }
  const seen = new Set<string>();
  const cells = parsed.data.cells.map((cell) => {
    let id = cell.id && cellId.safeParse(cell.id).success && !seen.has(cell.id) ? cell.id : newCellId();
    while (seen.has(id)) id = newCellId();
    seen.add(id);
    return cell.cell_type === "code" ? { ...cell, id, outputs: cell.outputs.map(normalizeOutput) } : { ...cell, id };
  });
  return { ...parsed.data, nbformat: 4, nbformat_minor: 5, cells } as Notebook;
}

/** Splits a string into lines that keep their "\n", as nbformat writes multi-line strings. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

// nbformat splits text-like mime values into lines on write; images stay one base64 string and
// JSON stays an object.
const splitMime = (mime: string) => mime.startsWith("text/") || mime === "application/javascript" || mime === "image/svg+xml";

function serializeOutput(output: Output): Output {
  switch (output.output_type) {
    case "stream":
      return { ...output, text: splitLines(output.text) as unknown as string };
    case "display_data":
    case "execute_result":
      return {
        ...output,
        data: Object.fromEntries(Object.entries(output.data).map(([mime, v]) => [mime, splitMime(mime) && typeof v === "string" ? splitLines(v) : v])),
      };
    default:
      return output;
  }
}

/** Object keys sorted recursively, as nbformat writes them (json.dumps(sort_keys=True)): stable diffs. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Writes the .ipynb text of a stored notebook: nbformat 4.5, lists of lines, sorted keys, 1-space indent like Jupyter. */
export function serializeIpynb(notebook: Notebook): string {
  const cells = notebook.cells.map((cell) => {
    const source = splitLines(cell.source);
    if (cell.cell_type === "code") return { ...cell, source, outputs: cell.outputs.map(serializeOutput) };
    return { ...cell, source };
  });
  return `${JSON.stringify(sortKeys({ ...notebook, nbformat: 4, nbformat_minor: 5, cells }), null, 1)}\n`;
}

/** An empty notebook for a kernel spec. */
export function emptyNotebook(kernelspec: { name: string; display_name: string; language: string } = { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" }): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec, language_info: { name: kernelspec.language } },
    cells: [{ cell_type: "code", id: newCellId(), source: "", metadata: {}, execution_count: null, outputs: [] }],
  };
}
