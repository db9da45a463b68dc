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

export function toProjectView(
  project: { id: string; slug: string; name: string; description: string; createdAt: Date },
  memberCount: number,
  myRole: Role | null,
): ProjectView {
  return {
    id: project.id,
    slug: project.slug,
    name: project.name,
    description: project.description,
    createdAt: project.createdAt.toISOString(),
    memberCount,
    myRole,
  };
}
