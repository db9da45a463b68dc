// Seeds for domain tests. Users are inserted directly with one shared password hash (scrypt costs
// a few hundred ms per hash here), except where a test is about creating users.
import { randomBytes } from "node:crypto";
import type { Db } from "@/server/db";
import type { Role } from "@/lib/roles";
import type { Principal } from "@/server/auth/principal";
import { AppError, type ErrorCode } from "@/server/errors";
import { expect, inject } from "vitest";
import { TEST_PASSWORD } from "@/test/password";

/** Every seeded user's password. */
export const PASSWORD = TEST_PASSWORD;

/** The scrypt hash of PASSWORD, computed once per run by test/global-setup.ts. */
export async function passwordHash(): Promise<string> {
  return inject("studioTestPasswordHash");
}

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomBytes(4).toString("hex")}@example.com`;
}

export async function makeUser(db: Db, opts: { role?: Role; email?: string; name?: string; disabled?: boolean } = {}) {
  const role = opts.role ?? "data_scientist";
  return db.user.create({
    data: {
      email: opts.email ?? uniqueEmail(role),
      name: opts.name ?? `Test ${role}`,
      role,
      disabled: opts.disabled ?? false,
      passwordHash: await passwordHash(),
    },
  });
}

export function principalOf(user: { id: string; email: string; name: string; role: string }, via: Principal["via"] = "session"): Principal {
  return { id: user.id, email: user.email, name: user.name, role: user.role as Role, via };
}

/** Seeds a user and returns it together with its principal. */
export async function makePrincipal(db: Db, role: Role = "data_scientist") {
  const user = await makeUser(db, { role });
  return { user, principal: principalOf(user) };
}

/** Awaits a promise that must reject with an AppError of the given code; returns the error. */
export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected AppError "${code}", but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code, (error as AppError).message).toBe(code);
  return error as AppError;
}

/** Audit events of one action, oldest first. */
export function auditEvents(db: Db, action: string) {
  return db.auditEvent.findMany({ where: { action }, orderBy: [{ at: "asc" }, { id: "asc" }] });
}
