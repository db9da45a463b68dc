import "server-only";
import { AppError } from "@/server/errors";
import { validateHyperparameters } from "@/lib/algorithms";

/**
 * A built-in algorithm's hyperparameters checked against its catalogue (kernels/sdk/studio/
 * algorithms/catalogue.json, which the algorithm itself also checks): normalised strings, or a 422
 * naming each wrong field ("hyperparameters.max_depth: must be at least 0").
 */
export function validateBuiltinHyperparameters(algorithm: string, hyperparameters: Record<string, string>): Record<string, string> {
  const result = validateHyperparameters(algorithm, hyperparameters);
  if (result.success) return result.data;
  const issues = result.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  throw new AppError("validation_failed", issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
}
