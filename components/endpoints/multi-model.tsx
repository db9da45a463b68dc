"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { formatBytes, formatRelative } from "@/lib/format";
import type { EndpointModelCacheView, EndpointView } from "@/lib/endpoints";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice } from "@/components/ui/card";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { controlClass, SelectField, TextField } from "@/components/ui/field";
import { linkClass } from "@/components/ui/link";
import { Table, Td, Th } from "@/components/ui/table";
import { ApprovalBadge } from "@/components/models/approval-badge";
import { ModelSelect, VersionSelect } from "@/components/models/model-version-picker";
import { useProjects } from "@/components/projects/use-projects";
import { useAddEndpointModel, useCreateEndpoint, useEndpointModelCache, useRemoveEndpointModel } from "@/components/endpoints/use-endpoints";

interface ModelRow {
  key: number;
  modelId: string;
  modelVersionId: string;
  name: string;
}

let nextKey = 0;

/** "New multi-model endpoint": many models behind one endpoint, loaded on demand within a memory budget. */
export function NewMultiModelEndpointButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        New multi-model endpoint
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="New multi-model endpoint" wide>
        {open ? <NewMultiModelForm onCancel={() => setOpen(false)} /> : null}
      </Dialog>
    </>
  );
}

function NewMultiModelForm({ onCancel }: { onCancel: () => void }) {
  const router = useRouter();
  const create = useCreateEndpoint();
  const { data: projects } = useProjects();
  const [projectId, setProjectId] = useState("");
  const [name, setName] = useState("");
  const [production, setProduction] = useState(false);
  const [budget, setBudget] = useState("1024");
  const [replicas, setReplicas] = useState("1");
  const [rows, setRows] = useState<ModelRow[]>([]);
  const issue = (path: string) => (create.error instanceof ApiError ? create.error.issueFor(path) : undefined);
  const project = projectId || projects?.[0]?.id || "";
  const set = (key: number, patch: Partial<ModelRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          {
            projectId: project,
            body: {
              name: name.trim(),
              production,
              multiModel: {
                memoryBudgetMb: Number(budget),
                replicas: Number(replicas),
                models: rows.filter((r) => r.modelVersionId).map((r) => ({ modelVersionId: r.modelVersionId, ...(r.name.trim() ? { name: r.name.trim() } : {}) })),
              },
            },
          },
          { onSuccess: ({ endpoint }) => router.push(`/endpoints/${endpoint.id}`) },
        );
      }}
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        One endpoint, many models: a caller picks one with the <code className="font-mono">X-Amzn-SageMaker-Target-Model</code> header. Each model loads on its first call; when the loaded
        ones take more memory than the budget, the least recently used are unloaded (they stay on disk and load again when called). Models can be added and removed while it serves.
      </p>
      <div className="grid grid-cols-2 gap-3">
        <SelectField label="Project" value={project} onChange={(e) => { setProjectId(e.target.value); setRows([]); }}>
          {projects?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <TextField label="Endpoint name" value={name} onChange={(e) => setName(e.target.value)} placeholder="churn-models" required error={issue("name")} />
        <TextField label="Memory budget per replica (MB)" type="number" min={1} value={budget} onChange={(e) => setBudget(e.target.value)} error={issue("multiModel.memoryBudgetMb")} />
        <TextField label="Replicas" type="number" min={1} max={8} value={replicas} onChange={(e) => setReplicas(e.target.value)} error={issue("multiModel.replicas")} />
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={production} onChange={(e) => setProduction(e.target.checked)} /> Production (approved model versions only)
      </label>
      <Table label="Models">
        <thead>
          <tr>
            <Th>Model</Th>
            <Th>Version</Th>
            <Th>Target-model name</Th>
            <Th>
              <span className="sr-only">Remove</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const rowIssue = issue(`multiModel.models.${i}.modelVersionId`) ?? issue(`multiModel.models.${i}.name`);
            return (
              <tr key={r.key} className="align-top">
                <Td>
                  <ModelSelect projectId={project} label={`Model ${i + 1}`} value={r.modelId} onChange={(modelId, modelVersionId) => set(r.key, { modelId, modelVersionId })} />
                  {rowIssue ? <p className="mt-1 max-w-md text-xs text-red-600 dark:text-red-400">{rowIssue}</p> : null}
                </Td>
                <Td>
                  <VersionSelect label={`Model ${i + 1} version`} modelId={r.modelId} value={r.modelVersionId} onChange={(id) => set(r.key, { modelVersionId: id })} />
                </Td>
                <Td>
                  <input aria-label={`Model ${i + 1} name`} className={`${controlClass} w-44`} value={r.name} placeholder="{model}-v{version}" onChange={(e) => set(r.key, { name: e.target.value })} />
                </Td>
                <Td>
                  <Button size="sm" variant="secondary" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>
                    Remove
                  </Button>
                </Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      {issue("multiModel.models") ? <p className="text-xs text-red-600 dark:text-red-400">{issue("multiModel.models")}</p> : null}
      <Button size="sm" variant="secondary" disabled={!project} onClick={() => setRows((rs) => [...rs, { key: nextKey++, modelId: "", modelVersionId: "", name: "" }])}>
        Add a model
      </Button>
      <DialogFooter error={create.error} onCancel={onCancel} busy={create.isPending} submitLabel="Create endpoint" />
    </form>
  );
}

const ms = (value: number | null) => (value === null ? "–" : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`);

/** A multi-model endpoint's models: which are in memory on its servers, load times, cache hits; add and remove. */
export function EndpointModelsPanel({ endpoint, canWrite }: { endpoint: EndpointView; canWrite: boolean }) {
  const { data: cache, error } = useEndpointModelCache(endpoint.id);
  const remove = useRemoveEndpointModel(endpoint.id);
  const models = endpoint.multiModel?.models ?? [];
  const stats = new Map<string, EndpointModelCacheView>(cache?.models.map((m) => [m.name, m]) ?? []);
  const budgetBytes = (endpoint.multiModel?.memoryBudgetMb ?? 0) * 2 ** 20;
  return (
    <div className="space-y-3">
      <Card className="p-4">
        <p className="text-sm text-zinc-700 dark:text-zinc-300" data-testid="model-cache-summary">
          Memory budget {endpoint.multiModel?.memoryBudgetMb} MB per replica.{" "}
          {cache
            ? cache.replicaUsage.length === 0
              ? "No model server is ready yet."
              : cache.replicaUsage.map((r, i) => (
                  <span key={i} className="mr-3 tabular-nums">
                    Replica {i + 1}: {r.loadedCount} loaded, {formatBytes(r.usedBytes)} of {formatBytes(budgetBytes)}
                  </span>
                ))
            : null}
        </p>
        <p className="mt-1 text-xs text-zinc-500">Counts are since each model server started. A miss loads the model from disk; the least recently used models are unloaded when the budget is reached.</p>
      </Card>
      <ErrorNotice error={error} />
      <Table label="Models">
        <thead>
          <tr>
            <Th>Target model</Th>
            <Th>Model version</Th>
            <Th>In memory</Th>
            <Th className="text-right">Size</Th>
            <Th className="text-right" title="Calls since the servers started, and how many found the model in memory">
              Calls (cache hits)
            </Th>
            <Th className="text-right" title="Loads from disk / unloads to free memory">
              Loads
            </Th>
            <Th className="text-right" title="Last / mean time to load the model">
              Load time
            </Th>
            <Th className="text-right" title="Mean time a call waited for the model to load (misses only)">
              Miss wait
            </Th>
            {canWrite ? (
              <Th>
                <span className="sr-only">Remove</span>
              </Th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {models.length === 0 ? (
            <tr>
              <Td colSpan={canWrite ? 9 : 8} className="text-sm text-zinc-500">
                No models yet: add one below.
              </Td>
            </tr>
          ) : null}
          {models.map((m) => {
            const s = stats.get(m.name);
            const replicas = cache?.replicas ?? 0;
            return (
              <tr key={m.id} data-testid={`model-${m.name}`}>
                <Td className="font-mono text-xs whitespace-nowrap">{m.name}</Td>
                <Td className="whitespace-nowrap">
                  <span className="flex items-center gap-2">
                    <Link href={`/models/versions/${m.modelVersion.id}`} className={linkClass}>
                      {m.modelVersion.modelName} v{m.modelVersion.version}
                    </Link>
                    <ApprovalBadge status={m.modelVersion.approvalStatus} />
                  </span>
                </Td>
                <Td className="text-xs whitespace-nowrap">
                  <span data-testid={`loaded-${m.name}`}>{s?.loading ? "loading…" : s && s.loadedOn > 0 ? `loaded on ${s.loadedOn} of ${replicas}` : "on disk"}</span>
                  {s?.lastUsedAt ? <span className="block text-zinc-500">called {formatRelative(s.lastUsedAt)}</span> : null}
                  {s?.lastError ? <span className="block text-red-600 dark:text-red-400">{s.lastError}</span> : null}
                </Td>
                <Td className="text-right tabular-nums">{s && s.sizeBytes > 0 ? formatBytes(s.sizeBytes) : "–"}</Td>
                <Td className="text-right tabular-nums whitespace-nowrap" data-testid={`hits-${m.name}`}>
                  {s && s.invocations > 0 ? `${s.invocations} (${s.hits} · ${Math.round((s.hits / s.invocations) * 100)}%)` : "0"}
                </Td>
                <Td className="text-right tabular-nums whitespace-nowrap" title={`${s?.unloads ?? 0} unloaded to free memory`}>
                  {s?.loads ?? 0}
                  {s?.unloads ? ` (${s.unloads} out)` : ""}
                </Td>
                <Td className="text-right tabular-nums whitespace-nowrap" data-testid={`load-time-${m.name}`}>
                  {ms(s?.lastLoadMs ?? null)} / {ms(s?.meanLoadMs ?? null)}
                </Td>
                <Td className="text-right tabular-nums whitespace-nowrap">{ms(s?.meanWaitMs ?? null)}</Td>
                {canWrite ? (
                  <Td>
                    <Button
                      size="sm"
                      variant="secondary"
                      busy={remove.isPending && remove.variables === m.name}
                      onClick={() => {
                        if (window.confirm(`Remove ${m.name} from ${endpoint.name}? Calls naming it will get 404.`)) remove.mutate(m.name);
                      }}
                    >
                      Remove
                    </Button>
                  </Td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </Table>
      <ErrorNotice error={remove.error} />
      {canWrite ? <AddModelForm endpoint={endpoint} /> : null}
    </div>
  );
}

function AddModelForm({ endpoint }: { endpoint: EndpointView }) {
  const add = useAddEndpointModel(endpoint.id);
  const [modelId, setModelId] = useState("");
  const [modelVersionId, setModelVersionId] = useState("");
  const [name, setName] = useState("");
  const issue = (path: string) => (add.error instanceof ApiError ? add.error.issueFor(path) : undefined);
  return (
    <form
      className="flex flex-wrap items-start gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate(
          { modelVersionId, ...(name.trim() ? { name: name.trim() } : {}) },
          {
            onSuccess: () => {
              setModelId("");
              setModelVersionId("");
              setName("");
            },
          },
        );
      }}
    >
      <ModelSelect
        projectId={endpoint.projectId}
        label="Model to add"
        value={modelId}
        onChange={(id, latest) => {
          setModelId(id);
          setModelVersionId(latest);
        }}
      />
      <div className="w-48">
        <VersionSelect label="Version to add" modelId={modelId} value={modelVersionId} onChange={setModelVersionId} />
      </div>
      <input aria-label="Target-model name" className={`${controlClass} w-48`} value={name} placeholder="name ({model}-v{version})" onChange={(e) => setName(e.target.value)} />
      <Button type="submit" busy={add.isPending} disabled={!modelVersionId}>
        Add model
      </Button>
      {issue("models.0.modelVersionId") ?? issue("models.0.name") ?? issue("name") ? (
        <p className="w-full text-xs text-red-600 dark:text-red-400" role="alert">
          {issue("models.0.modelVersionId") ?? issue("models.0.name") ?? issue("name")}
        </p>
      ) : (
        <ErrorNotice error={add.error instanceof ApiError && add.error.issues.length ? null : add.error} />
      )}
    </form>
  );
}
