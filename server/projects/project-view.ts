import type { Role } from "@/lib/roles";

export interface ProjectView {
  id: string;
  slug: string;
  name: string;
  description: string;
  createdAt: string;
  memberCount: number;
  /** The caller's role in this project; null for admins who are not members. */
  myRole: Role | null;
}

export interface ProjectMemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  addedAt: string;
}
