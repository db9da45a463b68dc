// The browser's one way to call the studio's API: JSON in, JSON out, and the error envelope
// turned into an ApiError that components can show.
export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The message for one field, for showing under that input. */
  issueFor(path: string): string | undefined {
    return this.issues.find((i) => i.path === path)?.message;
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: init.body === undefined ? undefined : { "Content-Type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: "same-origin",
  });
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: handled below */
  }
  if (!res.ok) {
    const error = (data as { error?: { code?: string; message?: string; issues?: ApiIssue[] } } | undefined)?.error;
    // A session that expired mid-page: a full load of the sign-in page drops all stale client state.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    if (res.status === 401 && typeof window !== "undefined") window.location.assign("/login");
    throw new ApiError(res.status, error?.code ?? "internal", error?.message ?? `The server answered ${res.status}.`, error?.issues ?? []);
  }
  return data as T;
}

/**
 * POSTs a file as the request body (streamed by the browser, never read into memory), with
 * progress; the error envelope becomes an ApiError. XMLHttpRequest, because fetch reports no
 * upload progress.
 */
export function uploadFile<T>(url: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as T);
      const error = (body as { error?: { code?: string; message?: string; issues?: ApiIssue[] } } | null)?.error;
      reject(new ApiError(xhr.status, error?.code ?? "internal", error?.message ?? `Upload failed (${xhr.status}).`, error?.issues ?? []));
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted: check the connection and try again."));
    xhr.send(file);
  });
}
