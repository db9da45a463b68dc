// Labeling test helpers: a project with labelers, a dataset upload read by the worker's step, zips
// of files (test/zip.ts).
import { Readable } from "node:stream";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import type { Principal } from "@/server/auth/principal";
import { makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";
import { claimNext, submitAnswer } from "@/server/labeling/queue";

export { zipOf } from "@/test/zip";

/** A project of a data scientist with `labelers` labelers. */
export async function labelingProject(db: Db, labelers: number) {
  const { principal: manager } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `L ${Math.random().toString(36).slice(2, 8)}`, description: "" }, manager);
  const workers: Principal[] = [];
  for (let i = 0; i < labelers; i++) {
    const { principal } = await makePrincipal(db, "labeler");
    await setProjectMember(db, project.id, { userId: principal.id, role: "labeler" }, manager);
    workers.push(principal);
  }
  return { manager, project, workers };
}

/** Uploads a dataset version and lets the worker validate it. */
export async function uploadDataset(db: Db, store: ArtifactStore, manager: Principal, projectId: string, filename: string, body: string | Buffer) {
  const { version } = await uploadDatasetVersion(db, store, projectId, { name: filename.split(".")[0], filename }, Readable.from([Buffer.from(body)]), manager);
  await processPendingDatasetVersions(db, store, 10);
  return version;
}

/** Every labeler answers every item they are given with `answer(seq, worker index)`. */
export async function labelAll(db: Db, jobId: string, workers: Principal[], answer: (seq: number, k: number) => unknown) {
  for (const [k, w] of workers.entries()) {
    for (;;) {
      const { item } = await claimNext(db, jobId, w);
      if (!item) break;
      await submitAnswer(db, jobId, item.assignmentId, answer(item.seq, k), w);
    }
  }
}

/** Each worker claims their next item and submits what `answer` gives for its queue position, `items` times. */
export async function answerAll(db: Db, jobId: string, workers: Principal[], items: number, answer: (worker: number, seq: number) => unknown) {
  for (let n = 0; n < items; n++) {
    for (const [w, worker] of workers.entries()) {
      const item = (await claimNext(db, jobId, worker)).item!;
      await submitAnswer(db, jobId, item.assignmentId, answer(w, item.seq), worker);
    }
  }
}
