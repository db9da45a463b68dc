import type { Role } from "@/lib/roles";

/**
 * A token handed to a notebook's kernel or a training job: it acts for its owner, but only inside
 * one project and only on the routes the SDK uses.
 */
export interface TokenScope {
  kind: "kernel" | "job";
  projectId: string;
  jobId?: string;
}

/** Who is calling: a signed-in browser session or an API token. */
export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
  via: "session" | "token";
  tokenId?: string;
  scope?: TokenScope;
}
