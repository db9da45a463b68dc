"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiError } from "@/lib/api-client";
import { formatDateTime, formatRelative } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { Button } from "@/components/ui/button";
import { Card, EmptyState, ErrorNotice, FormError, PageHeader } from "@/components/ui/card";
import { TextField, SelectField } from "@/components/ui/field";
import { Badge } from "@/components/ui/status-badge";
import { Table, Td, Th } from "@/components/ui/table";
import type { ApiTokenView } from "@/server/tokens/api-token-view";

function tokenState(t: ApiTokenView): { tone: "green" | "amber" | "grey"; label: string } {
  if (t.revokedAt) return { tone: "grey", label: "Revoked" };
  if (t.expiresAt && new Date(t.expiresAt) <= new Date()) return { tone: "amber", label: "Expired" };
  return { tone: "green", label: "Active" };
}

export function TokensPage() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: queryKeys.tokens.all, queryFn: () => api<ApiTokenView[]>("/api/tokens") });
  const create = useMutation({
    mutationFn: (input: { name: string; expiresInDays?: number }) => api<{ token: string; apiToken: ApiTokenView }>("/api/tokens", { body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.tokens.all }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<ApiTokenView>(`/api/tokens/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.tokens.all }),
  });
  const [fresh, setFresh] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    const days = Number(f.get("expires"));
    try {
      const result = await create.mutateAsync({ name: String(f.get("name")), ...(days > 0 ? { expiresInDays: days } : {}) });
      setFresh(result.token);
      setCopied(false);
      form.reset();
    } catch {
      /* shown below */
    }
  }

  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            Personal tokens for the Python SDK and scripts: send <code className="font-mono text-xs">Authorization: Bearer &lt;token&gt;</code>. A token acts with your role.
          </>
        }
      />
      <Card className="mb-5 p-4">
        <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" noValidate>
          <div className="w-64">
            <TextField label="Token name" name="name" placeholder="laptop training scripts" required error={create.error instanceof ApiError ? create.error.issueFor("name") : undefined} />
          </div>
          <div className="w-40">
            <SelectField label="Expires" name="expires" defaultValue="90">
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
              <option value="0">never</option>
            </SelectField>
          </div>
          <Button type="submit" busy={create.isPending}>
            Create token
          </Button>
        </form>
        {fresh ? (
          <div className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-900 dark:bg-emerald-950" role="status">
            <p className="text-sm font-medium text-emerald-900 dark:text-emerald-200">Copy this token now. It will not be shown again.</p>
            <div className="mt-2 flex items-center gap-2">
              <code data-testid="new-token" className="flex-1 overflow-x-auto rounded bg-white px-2 py-1 font-mono text-xs dark:bg-zinc-900">
                {fresh}
              </code>
              <Button
                size="sm"
                variant="secondary"
                onClick={() => {
                  void navigator.clipboard?.writeText(fresh).then(() => setCopied(true));
                }}
              >
                {copied ? "Copied" : "Copy"}
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setFresh(null)}>
                Done
              </Button>
            </div>
          </div>
        ) : null}
      </Card>
      <div className="mb-3">
        <ErrorNotice error={tokens.error ?? revoke.error} />
        <FormError error={create.error} />
      </div>
      {tokens.data && tokens.data.length === 0 ? <EmptyState title="No tokens yet">Create one above to use the SDK outside the studio.</EmptyState> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <Table label="API tokens">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Token</Th>
              <Th>Status</Th>
              <Th>Created</Th>
              <Th>Last used</Th>
              <Th>Expires</Th>
              <Th className="text-right">Actions</Th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => {
              const state = tokenState(t);
              return (
                <tr key={t.id}>
                  <Td className="font-medium">{t.name}</Td>
                  <Td className="font-mono text-xs">{t.prefix}…</Td>
                  <Td>
                    <Badge tone={state.tone}>{state.label}</Badge>
                  </Td>
                  <Td>{formatDateTime(t.createdAt)}</Td>
                  <Td data-testid={`token-last-used-${t.name}`}>{formatRelative(t.lastUsedAt)}</Td>
                  <Td>{t.expiresAt ? formatDateTime(t.expiresAt) : "never"}</Td>
                  <Td className="text-right">
                    {t.revokedAt ? null : (
                      <Button
                        size="sm"
                        variant="secondary"
                        onClick={() => {
                          if (window.confirm(`Revoke "${t.name}"? Scripts using it stop working at once.`)) revoke.mutate(t.id);
                        }}
                      >
                        Revoke
                      </Button>
                    )}
                  </Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
