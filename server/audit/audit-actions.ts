/** Security-relevant actions recorded in the audit log. */
export const auditActions = [
  "auth.sign_in",
  "auth.sign_in_failed",
  "auth.sign_in_locked",
  "auth.setup_admin",
  "user.create",
  "user.update",
  "user.role_change",
  "user.disable",
  "user.enable",
  "user.password_reset",
  "project.create",
  "project.update",
  "project.member_add",
  "project.member_update",
  "project.member_remove",
  "token.create",
  "token.revoke",
  "host.create",
  "host.update",
  "host.delete",
  "job.create",
  "job.stop",
  "model.register",
  "model.approval",
] as const;

export type AuditAction = (typeof auditActions)[number];
