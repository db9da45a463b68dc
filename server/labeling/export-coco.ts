import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { AppError } from "@/server/errors";
import { exportedJob } from "@/server/labeling/export-manifest";
import { consolidatedPages, textStream } from "@/server/labeling/export-items";

// COCO for a bounding-box job: { info, licenses, images, annotations, categories }, streamed (the
// consolidated items are read twice, a page at a time: images first, then their boxes), so a job of
// any size exports without holding it in memory. Ids: an image's is its queue position + 1, a
// category's its class index + 1 (COCO reserves 0, which detection libraries read as background),
// an annotation's counts from 1. file_name is the image's path inside the dataset's zip; bbox is
// [x, y, width, height] in pixels from the top-left corner, as drawn (never scaled or normalised).

/** The COCO category id of a class index. */
export const cocoCategoryId = (classId: number) => classId + 1;

export async function cocoStream(db: Db, jobId: string, principal: Principal): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  const { view, job } = await exportedJob(db, jobId, principal);
  if (view.taskType !== "bounding-box") throw new AppError("validation_failed", `COCO is for bounding-box jobs; ${view.name} is ${view.taskType}: export its Ground Truth manifest instead.`);
  const info = { description: `labeling-job/${view.name}`, url: "", version: "1.0", year: new Date().getUTCFullYear(), contributor: view.createdBy ?? "", date_created: new Date().toISOString() };
  const categories = job.labels.map((l, i) => ({ id: cocoCategoryId(i), name: l.name, supercategory: "" }));
  async function* chunks() {
    yield `{"info":${JSON.stringify(info)},"licenses":[],"images":[`;
    let first = true;
    for await (const page of consolidatedPages(db, jobId)) {
      const images = page.map((item) => JSON.stringify({ id: item.seq + 1, file_name: item.sourceRef, width: item.width, height: item.height }));
      yield `${first ? "" : ","}${images.join(",")}`;
      first = false;
    }
    yield `],"annotations":[`;
    let id = 0;
    for await (const page of consolidatedPages(db, jobId)) {
      const annotations: string[] = [];
      for (const item of page) {
        if (!("boxes" in item.label)) continue;
        for (const b of item.label.boxes) {
          annotations.push(JSON.stringify({ id: ++id, image_id: item.seq + 1, category_id: cocoCategoryId(b.classId), bbox: [b.left, b.top, b.width, b.height], area: b.width * b.height, iscrowd: 0, segmentation: [] }));
        }
      }
      if (annotations.length) yield `${id > annotations.length ? "," : ""}${annotations.join(",")}`;
    }
    yield `],"categories":${JSON.stringify(categories)}}\n`;
  }
  return { filename: `${view.name}-coco.json`, stream: textStream(chunks()) };
}
