import "server-only";
import yauzl from "yauzl";
import { IMAGE_TYPES, inspectImage, readZipEntry } from "@/server/labeling/prepare-items";

// Imported image labels (a Ground Truth manifest of boxes, a COCO file) refer to images; the job's
// items are images of a zip dataset version of the project. How a reference finds its image:
//
// 1. `studio://datasets/<name>/v<n>/<path>` (what the studio's exports write) names the dataset
//    version itself: it must be the version holding the images, and <path> the file inside its zip.
// 2. Anything else — `s3://bucket/<key>`, `https://host/<path>`, a plain path, COCO's file_name —
//    loses its `scheme://host/` and leading slashes; the zip file with exactly that path is the
//    image, else the one whose path the reference ends with (`…/<zip path>`), the longest such path.
//
// A reference that finds no image in the zip is refused, naming it. Each image is decoded once,
// when first referred to, for its real size (the labels' boxes are checked against it).

export interface ImagesVersion {
  datasetName: string;
  version: number;
}

/** `studio://datasets/<name>/v<n>/<path>`, taken apart. */
export function studioImageRef(reference: string): { datasetName: string; version: number; path: string } | null {
  const m = /^studio:\/\/datasets\/([^/]+)\/v(\d+)\/(.+)$/.exec(reference);
  return m ? { datasetName: m[1], version: Number(m[2]), path: m[3] } : null;
}

/** The images of a zip dataset version, opened once for a whole import. */
export class ZipImages {
  private sizes = new Map<string, { width: number; height: number }>();

  private constructor(
    private zip: yauzl.ZipFile,
    private entries: Map<string, yauzl.Entry>,
    private own: ImagesVersion,
  ) {}

  static open(file: string, own: ImagesVersion): Promise<ZipImages> {
    return new Promise((resolve, reject) => {
      yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (error, zip) => {
        if (error || !zip) return reject(error ?? new Error("the images' zip could not be opened"));
        const entries = new Map<string, yauzl.Entry>();
        zip.on("entry", (entry: yauzl.Entry) => {
          const name = entry.fileName;
          const extension = name.toLowerCase().split(".").pop() ?? "";
          if (!name.endsWith("/") && extension in IMAGE_TYPES && !name.split("/").some((p) => p.startsWith("."))) entries.set(name, entry);
          zip.readEntry();
        });
        zip.once("end", () => resolve(new ZipImages(zip, entries, own)));
        zip.once("error", reject);
        zip.readEntry();
      });
    });
  }

  /** The zip path a reference names (rules above), or an error naming the reference. */
  path(reference: string): string {
    const own = `${this.own.datasetName} version ${this.own.version}`;
    const studio = studioImageRef(reference);
    if (studio) {
      if (studio.datasetName !== this.own.datasetName || studio.version !== this.own.version) {
        throw new Error(`image ${reference} is in ${studio.datasetName} version ${studio.version}, but the images picked are ${own}`);
      }
      if (this.entries.has(studio.path)) return studio.path;
      throw new Error(`image ${reference} is not in ${own}`);
    }
    const parts = reference
      .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i, "")
      .replace(/^\/+/, "")
      .split("/");
    // The whole path first, then ever shorter tails: the longest match wins.
    for (let i = 0; i < parts.length; i++) {
      const candidate = parts.slice(i).join("/");
      if (this.entries.has(candidate)) return candidate;
    }
    throw new Error(`image ${reference} is not in ${own} (no image of its zip has that path, or a path it ends with)`);
  }

  /** The image a reference names: its zip path and real size (an image that does not decode is refused). */
  async image(reference: string): Promise<{ path: string; width: number; height: number }> {
    const path = this.path(reference);
    let size = this.sizes.get(path);
    if (!size) {
      const inspected = await inspectImage(await readZipEntry(this.zip, this.entries.get(path)!));
      if ("error" in inspected) throw new Error(`image ${path} does not decode: ${inspected.error}`);
      size = inspected;
      this.sizes.set(path, size);
    }
    return { path, ...size };
  }

  close(): void {
    this.zip.close();
  }
}
