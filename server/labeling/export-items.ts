import "server-only";
import type { Db } from "@/server/db";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";
import type { ReviewStatus } from "@/lib/labeling/exchange";

// Every export reads a job's consolidated items the same way: a page at a time in queue order
// (seq, indexed), turned into lines and handed to the stream only when its reader asks for more,
// so a job of any size exports in constant memory and never times out waiting for a whole file.

const PAGE = 1_000;

/** What an export knows of one consolidated item. */
export interface ExportItem {
  seq: number;
  sourceRef: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
  label: ConsolidatedLabel;
  confidence: number;
  humanAnnotated: boolean;
  consolidatedAt: Date;
  review: ReviewStatus | null;
  reviewerEmail: string | null;
  reviewedAt: Date | null;
  /** Imported from a Ground Truth manifest: its job name and creation date as written there. */
  origin: { jobName: string; creationDate: string } | null;
}

/** The job's consolidated items in queue order, a page at a time. */
export async function* consolidatedPages(db: Db, jobId: string): AsyncGenerator<ExportItem[]> {
  let after = -1;
  for (;;) {
    const rows = await db.labelingItem.findMany({
      where: { jobId, status: "consolidated", seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
      select: { seq: true, sourceRef: true, text: true, width: true, height: true, label: true, confidence: true, humanAnnotated: true, consolidatedAt: true, reviewStatus: true, reviewerEmail: true, reviewedAt: true, origin: true },
    });
    if (rows.length === 0) return;
    after = rows[rows.length - 1].seq;
    yield rows.map((r) => ({
      seq: r.seq,
      sourceRef: r.sourceRef,
      text: r.text,
      width: r.width,
      height: r.height,
      label: JSON.parse(r.label!) as ConsolidatedLabel,
      confidence: r.confidence ?? 0,
      humanAnnotated: r.humanAnnotated,
      consolidatedAt: r.consolidatedAt ?? new Date(0),
      review: r.reviewStatus as ReviewStatus | null,
      reviewerEmail: r.reviewerEmail,
      reviewedAt: r.reviewedAt,
      origin: r.origin ? (JSON.parse(r.origin) as ExportItem["origin"]) : null,
    }));
    if (rows.length < PAGE) return;
  }
}

/** A stream of the text chunks `chunks` yields, pulled as the client reads. */
export function textStream(chunks: AsyncIterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return?.(undefined);
    },
  });
}

/**
 * The job's consolidated items as a stream of text lines: `head` first (a CSV header), then the
 * lines `toLines` makes of each page. `onItems` hears how many items each page held (progress).
 */
export function itemLines(db: Db, jobId: string, toLines: (items: ExportItem[]) => string[], options: { head?: string; onItems?: (count: number) => void } = {}): ReadableStream<Uint8Array> {
  async function* chunks() {
    // The head goes out with the first page (or alone, when there is none).
    let head = options.head === undefined ? [] : [options.head];
    for await (const page of consolidatedPages(db, jobId)) {
      const lines = [...head, ...toLines(page)];
      head = [];
      options.onItems?.(page.length);
      if (lines.length > 0) yield `${lines.join("\n")}\n`;
    }
    if (head.length > 0) yield `${head.join("\n")}\n`;
  }
  return textStream(chunks());
}
