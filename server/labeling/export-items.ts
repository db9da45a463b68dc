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

/**
 * The job's consolidated items as a stream of text lines: `head` first (a CSV header), then the
 * lines `toLines` makes of each page. `onItems` hears how many items each page held (progress).
 */
export function itemLines(db: Db, jobId: string, toLines: (items: ExportItem[]) => string[], options: { head?: string; onItems?: (count: number) => void } = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = -1;
  let head = options.head;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await db.labelingItem.findMany({
        where: { jobId, status: "consolidated", seq: { gt: after } },
        orderBy: { seq: "asc" },
        take: PAGE,
        select: { seq: true, sourceRef: true, text: true, label: true, confidence: true, humanAnnotated: true, consolidatedAt: true, reviewStatus: true, reviewerEmail: true, reviewedAt: true, origin: true },
      });
      const lines = head === undefined ? [] : [head];
      head = undefined;
      if (rows.length > 0) {
        after = rows[rows.length - 1].seq;
        lines.push(
          ...toLines(
            rows.map((r) => ({
              seq: r.seq,
              sourceRef: r.sourceRef,
              text: r.text,
              label: JSON.parse(r.label!) as ConsolidatedLabel,
              confidence: r.confidence ?? 0,
              humanAnnotated: r.humanAnnotated,
              consolidatedAt: r.consolidatedAt ?? new Date(0),
              review: r.reviewStatus as ReviewStatus | null,
              reviewerEmail: r.reviewerEmail,
              reviewedAt: r.reviewedAt,
              origin: r.origin ? (JSON.parse(r.origin) as ExportItem["origin"]) : null,
            })),
          ),
        );
        options.onItems?.(rows.length);
      }
      if (lines.length > 0) controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
      if (rows.length < PAGE) controller.close();
    },
  });
}
