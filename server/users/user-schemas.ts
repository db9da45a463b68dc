import { z } from "zod";
import { roleSchema } from "@/lib/roles";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("must be an email address").max(254));

// Length over composition rules (NIST SP 800-63B): at least 8 characters, at most 256.
export const passwordSchema = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(256, "must be at most 256 characters");

export const createUserInput = z.object({
  email: emailSchema,
  name: z.string().trim().min(1, "is required").max(120),
  role: roleSchema,
  password: passwordSchema,
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z
  .object({
    name: z.string().trim().min(1, "is required").max(120).optional(),
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "name at least one field to change");
export type UpdateUserInput = z.infer<typeof updateUserInput>;
