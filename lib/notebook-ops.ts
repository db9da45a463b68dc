// Edits to a notebook as small operations, applied the same way by the editor (optimistically) and
// by the server (authoritatively, then broadcast to every other tab). Cells are addressed by id,
// never by index, so an operation from one tab still lands in the right place when another tab
// has inserted or moved cells meanwhile. Pure; safe in browser and server.
import { z } from "zod";
import { cellSchema, type Cell, type Notebook } from "@/lib/nbformat";

const cellIdSchema = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, "a cell id is 1–64 letters, digits, - or _");
const newCellSchema = cellSchema.and(z.object({ id: cellIdSchema }));

export const editOpSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("set_source"), cellId: cellIdSchema, source: z.string() }),
  /** Inserts cells after `afterId` (null: at the top). A missing `afterId` appends at the end. */
  z.object({ op: z.literal("insert_cells"), afterId: cellIdSchema.nullable(), cells: z.array(newCellSchema).min(1) }),
  z.object({ op: z.literal("delete_cells"), cellIds: z.array(cellIdSchema).min(1) }),
  /** Moves cells (kept in their given order) to after `afterId` (null: to the top). */
  z.object({ op: z.literal("move_cells"), cellIds: z.array(cellIdSchema).min(1), afterId: cellIdSchema.nullable() }),
  z.object({ op: z.literal("set_cell_type"), cellId: cellIdSchema, cellType: z.enum(["code", "markdown", "raw"]) }),
  z.object({ op: z.literal("set_cell_metadata"), cellId: cellIdSchema, metadata: z.record(z.string(), z.unknown()) }),
  z.object({ op: z.literal("clear_outputs"), cellIds: z.array(cellIdSchema).min(1) }),
]);
export type EditOp = z.infer<typeof editOpSchema>;

/** A cell turned into another type, as JupyterLab does: outputs and execution count go, source stays. */
export function convertCell(cell: Cell, cellType: Cell["cell_type"]): Cell {
  if (cell.cell_type === cellType) return cell;
  const { id, source, metadata } = cell;
  if (cellType === "code") return { id, cell_type: "code", source, metadata, execution_count: null, outputs: [] } as Cell;
  const attachments = cell.cell_type !== "code" && "attachments" in cell && cell.attachments ? { attachments: cell.attachments } : {};
  return { id, cell_type: cellType, source, metadata, ...attachments } as Cell;
}

/** The notebook with one cell replaced by `f(cell)`; unchanged if no cell has that id. */
export function updateCell(notebook: Notebook, cellId: string, f: (cell: Cell) => Cell): Notebook {
  const index = notebook.cells.findIndex((c) => c.id === cellId);
  if (index === -1) return notebook;
  const cells = [...notebook.cells];
  cells[index] = f(cells[index]);
  return { ...notebook, cells };
}

function insertAfter(cells: Cell[], afterId: string | null, inserted: Cell[]): Cell[] {
  if (afterId === null) return [...inserted, ...cells];
  const at = cells.findIndex((c) => c.id === afterId);
  if (at === -1) return [...cells, ...inserted];
  return [...cells.slice(0, at + 1), ...inserted, ...cells.slice(at + 1)];
}

/**
 * The notebook after one operation. Operations naming cells that no longer exist (deleted in
 * another tab) change nothing; an inserted id that already exists is not inserted twice.
 */
export function applyEditOp(notebook: Notebook, op: EditOp): Notebook {
  const cells = notebook.cells;
  const mapCell = (id: string, f: (c: Cell) => Cell): Notebook => updateCell(notebook, id, f);
  switch (op.op) {
    case "set_source":
      return mapCell(op.cellId, (c) => (c.source === op.source ? c : { ...c, source: op.source }));
    case "insert_cells": {
      const existing = new Set(cells.map((c) => c.id));
      const fresh = (op.cells as Cell[]).filter((c) => !existing.has(c.id));
      return fresh.length ? { ...notebook, cells: insertAfter(cells, op.afterId, fresh) } : notebook;
    }
    case "delete_cells": {
      const gone = new Set(op.cellIds);
      return { ...notebook, cells: cells.filter((c) => !gone.has(c.id)) };
    }
    case "move_cells": {
      const moving = new Set(op.cellIds);
      if (op.afterId !== null && moving.has(op.afterId)) return notebook;
      const moved = op.cellIds.map((id) => cells.find((c) => c.id === id)).filter((c): c is Cell => Boolean(c));
      return { ...notebook, cells: insertAfter(cells.filter((c) => !moving.has(c.id)), op.afterId, moved) };
    }
    case "set_cell_type":
      return mapCell(op.cellId, (c) => convertCell(c, op.cellType));
    case "set_cell_metadata":
      return mapCell(op.cellId, (c) => ({ ...c, metadata: op.metadata }));
    case "clear_outputs": {
      const clear = new Set(op.cellIds);
      return {
        ...notebook,
        cells: cells.map((c) => (clear.has(c.id) && c.cell_type === "code" ? ({ ...c, outputs: [], execution_count: null } as Cell) : c)),
      };
    }
  }
}

export function applyEditOps(notebook: Notebook, ops: EditOp[]): Notebook {
  return ops.reduce(applyEditOp, notebook);
}
