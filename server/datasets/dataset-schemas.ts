import { z } from "zod";

export const datasetName = z
  .string()
  .trim()
  .min(1, "is required")
  .max(120, "is at most 120 characters")
  .regex(/^[^/\\\u0000-\u001f]+$/, "cannot contain slashes or control characters");

/** Query of an upload: the body is the file itself, streamed. */
export const uploadDatasetQuery = z.object({
  name: datasetName,
  filename: z.string().trim().min(1, "is required").max(255),
  description: z.string().max(2000).optional(),
});

export const versionParams = z.object({ id: z.string().min(1).max(64), version: z.coerce.number().int().min(1) });
