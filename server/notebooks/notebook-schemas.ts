import { z } from "zod";

export const notebookName = z
  .string()
  .trim()
  // People paste file names; the studio shows names without the extension.
  .transform((n) => n.replace(/\.ipynb$/i, "").trim())
  .pipe(
    z
      .string()
      .min(1, "is required")
      .max(120, "must be at most 120 characters")
      .regex(/^[^/\\\u0000-\u001f]+$/, "must not contain slashes or control characters"),
  );

export const createNotebookInput = z.object({
  name: notebookName,
  /** The text of an .ipynb file to import; omitted for an empty notebook. */
  ipynb: z.string().max(100 * 1024 * 1024).optional(),
  hostId: z.string().min(1).max(64).optional(),
  kernelName: z.string().min(1).max(128).optional(),
});

export const updateNotebookInput = z
  .object({
    name: notebookName.optional(),
    hostId: z.string().min(1).max(64).nullable().optional(),
    kernelName: z.string().min(1).max(128).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "name at least one field to change");

export const saveNotebookInput = z.object({
  /** The notebook (nbformat 4 JSON); validated by lib/nbformat.ts. */
  content: z.unknown(),
  /** The version the editor started from; a save on top of a newer version is refused. */
  baseVersion: z.number().int().min(1),
});

export const listNotebooksQuery = z.object({
  q: z.string().trim().max(120).optional(),
  trashed: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});

export const createCheckpointInput = z.object({ label: z.string().trim().max(120).optional() });

/** The editor needs only the summary over HTTP (its content comes over the notebook socket). */
export const getNotebookQuery = z.object({ content: z.enum(["true", "false"]).default("true") });
