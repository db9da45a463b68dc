import { z } from "zod";

const hostUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }))
  // Jupyter prints URLs like http://host:8888/?token=…; the URL is shown to everyone who can see
  // hosts, so the token must go in the token field, never in the URL.
  .refine((u) => {
    // zod runs this even when the URL check above failed; that failure is already reported.
    if (!URL.canParse(u)) return true;
    const url = new URL(u);
    return !url.username && !url.password && !url.search && !url.hash;
  }, "must not contain a token, password, query or fragment: put the token in the token field")
  .transform((u) => u.replace(/\/+$/, ""));

export const createHostInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "is required")
    .max(64)
    .regex(/^[\w .@()-]+$/, "use letters, digits, spaces and . _ - @ ( )"),
  url: hostUrl,
  /** Empty or omitted for a gateway without authentication. */
  token: z.string().trim().max(4096).optional().transform((t) => t || undefined),
  enabled: z.boolean().default(true),
});

export const updateHostInput = z
  .object({
    name: createHostInput.shape.name.optional(),
    url: hostUrl.optional(),
    /** Omitted keeps the stored token; an empty string removes it. */
    token: z.string().trim().max(4096).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "name at least one field to change");
