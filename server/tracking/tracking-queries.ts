import "server-only";
import { z } from "zod";
import { trackingKey } from "@/server/tracking/tracking-schemas";

const step = z.coerce.number().finite();
const points = z.coerce.number().int().min(10).max(20_000);

export const metricHistoryQuery = z.object({ key: trackingKey, minStep: step.optional(), maxStep: step.optional(), points: points.optional() });

const idList = (what: string, max: number) =>
  z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(z.string().min(1).max(64)).min(1, `name at least one ${what}`).max(max, `at most ${max} ${what}s`));

export const compareQuery = z.object({
  runs: idList("run", 100),
  keys: z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(trackingKey).min(1, "name at least one metric key").max(20, "at most 20 metric keys")),
  minStep: step.optional(),
  maxStep: step.optional(),
  points: points.optional(),
});

export const artifactQuery = z.object({ path: z.string().min(1).max(1_000) });
export const experimentsQuery = z.object({ projectId: z.string().min(1).max(64).optional() });
