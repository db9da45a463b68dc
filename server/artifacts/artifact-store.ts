import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { constants as fsConstants, createReadStream, createWriteStream } from "node:fs";
import { copyFile, lstat, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@/server/errors";
import { formatBytes } from "@/lib/format";
import { env } from "@/server/env";

// Where files of datasets (and later models and job outputs) live. The local store keeps them in a
// directory (data/artifacts by default); an S3-compatible store can implement the same interface.
// Writes stream to a temporary object that becomes visible under its key only on commit, so a
// failed or refused upload leaves nothing behind.

/** Bytes kept from the start of every write, for sniffing the format without reading the file again. */
export const HEAD_BYTES = 64 * 1024;

export interface PendingArtifact {
  size: number;
  sha256: string;
  /** The first HEAD_BYTES bytes (fewer for a shorter file). */
  head: Buffer;
  /** Makes the object visible under `key`. */
  commit(key: string): Promise<void>;
  /** Drops the temporary object. */
  discard(): Promise<void>;
}

export interface ArtifactStore {
  /** Streams `source` into a temporary object; refused (413) past `maxBytes`, with nothing kept. */
  write(source: Readable, options: { maxBytes: number }): Promise<PendingArtifact>;
  read(key: string): Readable;
  size(key: string): Promise<number | null>;
  delete(key: string): Promise<void>;
  /** Copies an object to another key (whole or not at all); false when `from` does not exist. */
  copy(from: string, to: string): Promise<boolean>;
  /** A path on this machine for workers that read files directly (null for remote stores). */
  localPath(key: string): string | null;
  /**
   * What lies directly under the folder `prefix` (S3's ListObjectsV2 with Delimiter "/": common
   * prefixes, and objects with size and time), each list sorted by name; empty when nothing is there.
   */
  listFolder(prefix: string): Promise<ArtifactFolder>;
}

export interface ArtifactFolder {
  folders: string[];
  files: { name: string; size: number; modifiedAt: Date }[];
}

const KEY = /^[a-zA-Z0-9][a-zA-Z0-9._/-]{0,500}$/;

function checkKey(key: string): void {
  if (!KEY.test(key) || key.split("/").some((part) => part === ".." || part === "." || part === "")) {
    throw new Error(`Invalid artifact key: ${JSON.stringify(key)}`);
  }
}

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    checkKey(key);
    return path.join(this.root, "objects", key);
  }

  async write(source: Readable, { maxBytes }: { maxBytes: number }): Promise<PendingArtifact> {
    const tmpDir = path.join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash("sha256");
    const headChunks: Buffer[] = [];
    let headLength = 0;
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          callback(new AppError("payload_too_large", `The file is larger than the ${formatBytes(maxBytes)} this studio accepts.`));
          return;
        }
        hash.update(chunk);
        if (headLength < HEAD_BYTES) {
          const part = chunk.subarray(0, HEAD_BYTES - headLength);
          headChunks.push(part);
          headLength += part.length;
        }
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmp, { mode: 0o600 }));
      // On disk before the database says it exists.
      const handle = await open(tmp, "r");
      await handle.sync();
      await handle.close();
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    let settled = false;
    return {
      size,
      sha256: hash.digest("hex"),
      head: Buffer.concat(headChunks),
      commit: async (key) => {
        const target = this.pathOf(key);
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        await rename(tmp, target);
        settled = true;
      },
      discard: async () => {
        if (!settled) await rm(tmp, { force: true });
        settled = true;
      },
    };
  }

  read(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async copy(from: string, to: string): Promise<boolean> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    const tmpDir = path.join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = path.join(tmpDir, randomUUID());
    try {
      // A reflink where the file system has them (instant, no extra space), else a plain copy.
      await copyFile(source, tmp, fsConstants.COPYFILE_FICLONE);
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await rename(tmp, target);
      return true;
    } catch (error) {
      await rm(tmp, { force: true });
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && (await this.size(from)) === null) return false;
      throw error;
    }
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async listFolder(prefix: string): Promise<ArtifactFolder> {
    const dir = this.pathOf(prefix.replace(/\/$/, ""));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return { folders: [], files: [] };
      throw error;
    }
    // Only what the store itself writes: plain files and folders (never links).
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    const files = await Promise.all(
      entries
        .filter((e) => e.isFile())
        .map(async (e) => {
          const info = await lstat(path.join(dir, e.name)).catch(() => null);
          return info ? { name: e.name, size: info.size, modifiedAt: info.mtime } : null;
        }),
    );
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return { folders: folders.sort(byName), files: files.filter((f) => f !== null).sort((a, b) => byName(a.name, b.name)) };
  }
}

/** The first `maxBytes` bytes of a stored object (fewer for a shorter one), reading no further. */
export async function readHead(store: ArtifactStore, key: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  const stream = store.read(key);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= maxBytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

const globalStore = globalThis as unknown as { studioArtifacts?: ArtifactStore };

/** The studio's artifact store: STUDIO_ARTIFACTS_DIR, or data/artifacts. */
export function artifactStore(): ArtifactStore {
  globalStore.studioArtifacts ??= new LocalArtifactStore(env().STUDIO_ARTIFACTS_DIR ?? path.join(process.cwd(), "data", "artifacts"));
  return globalStore.studioArtifacts;
}
