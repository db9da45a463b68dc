import "server-only";

// Open notebooks live in the web process (server/web/main.ts owns the sockets), but Next's route
// handlers are bundled separately and get their own copy of every module. The registry therefore
// sits on globalThis, so a save or restore through the HTTP API reaches the live session too.

export type ExternalChange = "content" | "settings" | "trashed" | "deleted";

export interface LiveNotebookHandle {
  /** The stored notebook changed outside the live session (API save, restore, rename, trash…). */
  externalChange(change: ExternalChange): void;
}

const KEY = Symbol.for("studio.liveNotebooks");
type Registry = Map<string, LiveNotebookHandle>;

export function liveNotebooks(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[KEY] ??= new Map();
  return holder[KEY];
}

/** Tells the live session of a notebook, if one is open in this process, that its row changed. */
export function notifyNotebookChanged(notebookId: string, change: ExternalChange): void {
  liveNotebooks().get(notebookId)?.externalChange(change);
}
