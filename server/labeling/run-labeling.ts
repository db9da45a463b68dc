import "server-only";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { expireAllLeases } from "@/server/labeling/queue";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { tickAutoLabeling } from "@/server/labeling/run-auto-labeling";

/** The worker's labeling pass: reads new jobs into items, frees leases nobody renewed, consolidates labeled items, runs automated labeling's rounds. */
export async function tickLabeling(db: Db, store: ArtifactStore): Promise<void> {
  await prepareLabelingJobs(db, store);
  await expireAllLeases(db);
  await consolidateLabeledItems(db);
  await tickAutoLabeling(db);
}
