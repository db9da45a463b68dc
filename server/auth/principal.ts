import type { Role } from "@/lib/roles";

/**
 * A token handed to a notebook's kernel, a training job or an ONNX export's kernel: it acts for its
 * owner, but only inside one project and only on the routes the SDK uses (an export's token: only
 * on its model version's export routes).
 */
export interface TokenScope {
  kind: "kernel" | "job" | "export";
  projectId: string;
  jobId?: string;
  modelVersionId?: string;
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
