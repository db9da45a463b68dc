import type { Role } from "@/lib/roles";

/** A user as the API shows it: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  lastSignInAt: string | null;
  createdAt: string;
}

export function toUserView(user: {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
  lastSignInAt: Date | null;
  createdAt: Date;
}): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role as Role,
    disabled: user.disabled,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}
