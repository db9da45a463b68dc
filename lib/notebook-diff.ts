// Cell-level diff of two versions of a notebook (a checkpoint against the current one), matched
// by cell id, with a line diff of each changed source. Safe in browser and server.
import type { Cell, Notebook } from "@/lib/nbformat";

export type LineChange = { kind: "same" | "added" | "removed"; text: string };

export interface CellDiff {
  id: string;
  status: "added" | "removed" | "modified" | "unchanged";
  cellType: Cell["cell_type"];
  /** The cell's position in the newer version (removed cells: in the older one). */
  index: number;
  /** For modified cells: what changed in the source, line by line. */
  lines?: LineChange[];
  sourceChanged: boolean;
  outputsChanged: boolean;
  /** The cell kept its content but moved relative to its neighbours. */
  moved: boolean;
  source: string;
}

export interface NotebookDiff {
  cells: CellDiff[];
  counts: Record<CellDiff["status"], number>;
}

// Beyond this many line pairs an exact LCS costs too much; such a source shows as replaced whole.
const MAX_LCS_CELLS = 4_000_000;

/** Line diff by longest common subsequence. */
export function diffLines(before: string, after: string): LineChange[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length * b.length > MAX_LCS_CELLS) {
    return [...a.map((text) => ({ kind: "removed" as const, text })), ...b.map((text) => ({ kind: "added" as const, text }))];
  }
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: "removed", text: a[i++] });
    else out.push({ kind: "added", text: b[j++] });
  }
  while (i < a.length) out.push({ kind: "removed", text: a[i++] });
  while (j < b.length) out.push({ kind: "added", text: b[j++] });
  return out;
}

const outputsOf = (cell: Cell) => JSON.stringify(cell.cell_type === "code" ? cell.outputs : []);

/** Compares two versions of a notebook cell by cell (cells are matched by id). */
export function diffNotebooks(before: Notebook, after: Notebook): NotebookDiff {
  const old = new Map(before.cells.map((c, i) => [c.id, { cell: c, index: i }]));
  const kept = new Set(after.cells.map((c) => c.id));
  // Cells present in both, in old order: a cell is "moved" if it is not where that order puts it.
  const commonOld = before.cells.filter((c) => kept.has(c.id)).map((c) => c.id);
  const commonNew = after.cells.filter((c) => old.has(c.id)).map((c) => c.id);
  const cells: CellDiff[] = after.cells.map((cell, index) => {
    const prior = old.get(cell.id);
    if (!prior) {
      return { id: cell.id, status: "added", cellType: cell.cell_type, index, sourceChanged: true, outputsChanged: outputsOf(cell) !== "[]", moved: false, source: cell.source };
    }
    const sourceChanged = prior.cell.source !== cell.source || prior.cell.cell_type !== cell.cell_type;
    const outputsChanged = outputsOf(prior.cell) !== outputsOf(cell);
    const moved = commonOld.indexOf(cell.id) !== commonNew.indexOf(cell.id);
    return {
      id: cell.id,
      status: sourceChanged || outputsChanged ? "modified" : "unchanged",
      cellType: cell.cell_type,
      index,
      ...(sourceChanged ? { lines: diffLines(prior.cell.source, cell.source) } : {}),
      sourceChanged,
      outputsChanged,
      moved,
      source: cell.source,
    };
  });
  for (const [id, { cell, index }] of old) {
    if (!kept.has(id)) cells.push({ id, status: "removed", cellType: cell.cell_type, index, sourceChanged: true, outputsChanged: false, moved: false, source: cell.source });
  }
  const counts = { added: 0, removed: 0, modified: 0, unchanged: 0 };
  for (const c of cells) counts[c.status] += 1;
  return { cells, counts };
}
