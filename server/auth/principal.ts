import type { Role } from "@/lib/roles";

/** Who is calling: a signed-in browser session or an API token. */
export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
  via: "session" | "token";
  tokenId?: string;
}
