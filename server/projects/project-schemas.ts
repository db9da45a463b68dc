import { z } from "zod";
import { roleSchema } from "@/lib/roles";

export const createProjectInput = z.object({
  name: z.string().trim().min(1, "is required").max(80),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "use 1–48 lowercase letters, digits and dashes")
    .optional(),
  description: z.string().trim().max(2000).default(""),
});

export const updateProjectInput = z
  .object({ name: z.string().trim().min(1, "is required").max(80).optional(), description: z.string().trim().max(2000).optional() })
  .refine((v) => Object.keys(v).length > 0, "name at least one field to change");

export const projectMemberInput = z.object({
  userId: z.string().min(1, "is required"),
  role: roleSchema,
});

export const projectMemberRoleInput = z.object({ role: roleSchema });

export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/g, "");
  return slug || "project";
}
