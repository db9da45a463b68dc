import type { Role } from "@/lib/roles";

/**
 * A token handed to a notebook's kernel, a training job, a round of automated labeling or an ONNX
 * export's kernel: it acts for its owner, but only inside one project and only on the routes the
 * SDK uses (a labeling round's only on its own round's routes, an export's only on its model
 * version's export routes; jobId is then the round's or the model version's id).
 */
export interface TokenScope {
  kind: "kernel" | "job" | "labeling" | "export";
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
