import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { loadJobFor } from "@/server/jobs/list-training-jobs";

export interface JobLogChunkView {
  attempt: number;
  seq: number;
  stream: string;
  text: string;
  at: string;
}

export interface JobLogsPage {
  chunks: JobLogChunkView[];
  /** Pass back as `after` for what follows; null when there was nothing. */
  cursor: string | null;
  /** True when more chunks follow right away (the page was full). */
  more: boolean;
}

function parseCursor(after: string | undefined): { attempt: number; seq: number } {
  if (!after) return { attempt: 0, seq: -1 };
  const [attempt, seq] = after.split(":").map(Number);
  return { attempt, seq };
}

/**
 * Log chunks in order (attempt, then sequence) after a cursor: the page tails a running job by
 * asking again with the last cursor. `q` keeps only matching lines (case-insensitive).
 */
export async function listJobLogs(db: Db, jobId: string, query: { after?: string; q?: string; limit: number }, principal: Principal): Promise<JobLogsPage> {
  await loadJobFor(db, jobId, principal, "training:read");
  const { attempt, seq } = parseCursor(query.after);
  const rows = await db.jobLogChunk.findMany({
    where: { jobId, OR: [{ attempt: { gt: attempt } }, { attempt, seq: { gt: seq } }] },
    orderBy: [{ attempt: "asc" }, { seq: "asc" }],
    take: query.limit,
  });
  const last = rows.at(-1);
  const needle = query.q?.toLowerCase();
  const chunks = rows
    .map((r) => ({ attempt: r.attempt, seq: r.seq, stream: r.stream, text: needle ? matchingLines(r.text, needle) : r.text, at: r.createdAt.toISOString() }))
    .filter((c) => c.text.length > 0);
  return { chunks, cursor: last ? `${last.attempt}:${last.seq}` : (query.after ?? null), more: rows.length === query.limit };
}

function matchingLines(text: string, needle: string): string {
  return text
    .split("\n")
    .filter((line) => line.length > 0 && line.toLowerCase().includes(needle))
    .map((line) => `${line}\n`)
    .join("");
}

/** All of a job's log as text, attempt after attempt, read in pages (never the whole log in memory). */
export async function* jobLogText(db: Db, jobId: string, principal: Principal): AsyncGenerator<string> {
  await loadJobFor(db, jobId, principal, "training:read");
  let after = { attempt: 0, seq: -1 };
  let currentAttempt = 0;
  for (;;) {
    const rows = await db.jobLogChunk.findMany({
      where: { jobId, OR: [{ attempt: { gt: after.attempt } }, { attempt: after.attempt, seq: { gt: after.seq } }] },
      orderBy: [{ attempt: "asc" }, { seq: "asc" }],
      take: 1_000,
    });
    if (rows.length === 0) return;
    for (const r of rows) {
      if (r.attempt !== currentAttempt) {
        currentAttempt = r.attempt;
        yield `===== attempt ${r.attempt} =====\n`;
      }
      yield r.text.endsWith("\n") ? r.text : `${r.text}\n`;
    }
    const last = rows[rows.length - 1];
    after = { attempt: last.attempt, seq: last.seq };
  }
}
