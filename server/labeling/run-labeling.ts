import "server-only";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { expireAllLeases } from "@/server/labeling/queue";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { importPendingLabels } from "@/server/labeling/import-labels";
import { runLabelingExports } from "@/server/labeling/save-export";
import { tickAutoLabeling } from "@/server/labeling/run-auto-labeling";

/** The worker's labeling pass: reads new jobs into items, frees leases nobody renewed, consolidates labeled items, runs automated labeling's rounds. */
export async function tickLabeling(db: Db, store: ArtifactStore): Promise<void> {
  await prepareLabelingJobs(db, store);
  await importPendingLabels(db, store);
  await expireAllLeases(db);
  await consolidateLabeledItems(db);
  await tickAutoLabeling(db);
  // Saved exports run beside the next passes (a large one takes a while).
  void runLabelingExports(db, store);
}
