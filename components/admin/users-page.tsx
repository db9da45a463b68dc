"use client";

import { useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api-client";
import { formatRelative } from "@/lib/format";
import { roleLabels, roles, type Role } from "@/lib/roles";
import { Button } from "@/components/ui/button";
import { ErrorNotice, PageHeader } from "@/components/ui/card";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";
import { Badge } from "@/components/ui/status-badge";
import { Table, Td, Th } from "@/components/ui/table";
import type { UserView } from "@/server/users/user-view";
import { RoleSelect } from "@/components/admin/role-select";
import { useCreateUser, useUpdateUser, useUsers } from "@/components/admin/use-users";

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const create = useCreateUser();
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    try {
      await create.mutateAsync({
        name: String(f.get("name")),
        email: String(f.get("email")),
        role: String(f.get("role")) as Role,
        password: String(f.get("password")),
      });
      onClose();
    } catch {
      /* shown below */
    }
  }
  const err = create.error;
  const issue = (p: string) => (err instanceof ApiError ? err.issueFor(p) : undefined);
  return (
    <Dialog open={open} onClose={onClose} title="Add a user">
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <TextField label="Name" name="name" required error={issue("name")} />
        <TextField label="Email" name="email" type="email" required error={issue("email")} />
        <SelectField label="Role" name="role" defaultValue="data_scientist">
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleLabels[r]}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Initial password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          error={issue("password")}
          hint="At least 8 characters. Hand it over in person or through your password manager."
        />
        <DialogFooter error={err} onCancel={onClose} busy={create.isPending} submitLabel="Add user" />
      </form>
    </Dialog>
  );
}

function ResetPasswordDialog({ user, onClose }: { user: UserView; onClose: () => void }) {
  const update = useUpdateUser();
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      await update.mutateAsync({ id: user.id, password: String(new FormData(event.currentTarget).get("password")) });
      onClose();
    } catch {
      /* shown below */
    }
  }
  const err = update.error;
  return (
    <Dialog open onClose={onClose} title={`Set a new password for ${user.name}`}>
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <TextField label="New password" name="password" type="password" autoComplete="new-password" required error={err instanceof ApiError ? err.issueFor("password") : undefined} />
        <DialogFooter error={err} onCancel={onClose} busy={update.isPending} submitLabel="Set password" />
      </form>
    </Dialog>
  );
}

export function UsersPage({ currentUserId }: { currentUserId: string }) {
  const { data: users, error, isLoading } = useUsers();
  const update = useUpdateUser();
  const [adding, setAdding] = useState(false);
  const [resetting, setResetting] = useState<UserView | null>(null);
  return (
    <>
      <PageHeader title="Users & roles" description="Who can sign in, and what their role lets them do." actions={<Button onClick={() => setAdding(true)}>Add user</Button>} />
      <div className="mb-3 space-y-2">
        <ErrorNotice error={error ?? update.error} />
      </div>
      {isLoading ? <p className="text-sm text-zinc-500">Loading users…</p> : null}
      {users ? (
        <Table label="Users">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Email</Th>
              <Th>Role</Th>
              <Th>Status</Th>
              <Th>Last sign-in</Th>
              <Th className="text-right">Actions</Th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.email}`}>
                <Td className="font-medium">
                  {u.name} {u.id === currentUserId ? <span className="text-xs text-zinc-500">(you)</span> : null}
                </Td>
                <Td className="font-mono text-xs">{u.email}</Td>
                <Td>
                  <RoleSelect label={`Role of ${u.email}`} value={u.role} onChange={(role) => update.mutate({ id: u.id, role })} />
                </Td>
                <Td>{u.disabled ? <Badge tone="amber">Disabled</Badge> : <Badge tone="green">Active</Badge>}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400">{formatRelative(u.lastSignInAt)}</Td>
                <Td className="text-right">
                  <div className="flex justify-end gap-1.5">
                    <Button size="sm" variant="secondary" onClick={() => setResetting(u)}>
                      Reset password
                    </Button>
                    <Button size="sm" variant="secondary" onClick={() => update.mutate({ id: u.id, disabled: !u.disabled })}>
                      {u.disabled ? "Enable" : "Disable"}
                    </Button>
                  </div>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {adding ? <CreateUserDialog open={adding} onClose={() => setAdding(false)} /> : null}
      {resetting ? <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} /> : null}
    </>
  );
}
