import "server-only";
import yauzl from "yauzl";
import { readZipEntry } from "@/server/labeling/prepare-items";

// Image items are files inside a dataset version's zip. Finding one by scanning the zip's directory
// on every request costs a walk over all its entries (50,000 images: every request). Instead the
// few most recently used zips stay open with their entries indexed by name, so a labeler's next
// image is one seek and one read. Dataset versions never change, so an index never goes stale.

const MAX_OPEN = 4;

interface ZipIndex {
  zip: yauzl.ZipFile;
  entries: Map<string, yauzl.Entry>;
}

/** Open zips by file, least recently used first. */
const open = new Map<string, Promise<ZipIndex>>();

function index(file: string): Promise<ZipIndex> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("the zip could not be opened"));
      const entries = new Map<string, yauzl.Entry>();
      zip.on("entry", (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith("/")) entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.once("end", () => resolve({ zip, entries }));
      zip.once("error", (e: Error) => {
        zip.close();
        reject(e);
      });
      zip.readEntry();
    });
  });
}

function opened(file: string): Promise<ZipIndex> {
  const hit = open.get(file);
  if (hit) {
    open.delete(file);
    open.set(file, hit);
    return hit;
  }
  const pending = index(file);
  open.set(file, pending);
  pending.catch(() => open.delete(file));
  while (open.size > MAX_OPEN) {
    const [oldest, zip] = open.entries().next().value!;
    open.delete(oldest);
    // A read in flight on it finishes first: yauzl closes the file when its last stream ends.
    zip.then((z) => z.zip.close(), () => undefined);
  }
  return pending;
}

/** The bytes of the file `name` inside the zip at `file`, or null when the zip has no such file. */
export async function zipFileBytes(file: string, name: string, retry = true): Promise<Buffer | null> {
  const pending = opened(file);
  const { zip, entries } = await pending;
  const entry = entries.get(name);
  if (!entry) return null;
  try {
    return await readZipEntry(zip, entry);
  } catch (error) {
    // Closed under us (evicted by reads of other zips in between): open it again, once.
    if (retry && open.get(file) !== pending) return zipFileBytes(file, name, false);
    throw error;
  }
}
