"use client";

import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { MAX_VARIANTS, runtimeLabels, type EndpointView, type RuntimeChoice } from "@/lib/endpoints";
import { Button } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { ModelSelect, VersionSelect } from "@/components/models/model-version-picker";
import { useUpdateEndpoint } from "@/components/endpoints/use-endpoints";

interface Row {
  key: string;
  name: string;
  modelId: string;
  modelVersionId: string;
  runtime: RuntimeChoice;
  weight: string;
  replicas: string;
  shadow: boolean;
  sampling: string;
}

let nextKey = 0;

/** "Update variants": weights, versions, runtimes, a shadow (SageMaker's UpdateEndpoint). */
export function UpdateEndpointButton({ endpoint }: { endpoint: EndpointView }) {
  const [open, setOpen] = useState(false);
  const busy = endpoint.status === "Updating" || endpoint.variants.some((v) => v.state === "pending");
  return (
    <>
      <Button variant="secondary" disabled={busy} title={busy ? "An update is being applied" : undefined} onClick={() => setOpen(true)}>
        Update variants
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Update ${endpoint.name}`} wide>
        {open ? <UpdateForm endpoint={endpoint} onDone={() => setOpen(false)} /> : null}
      </Dialog>
    </>
  );
}

function UpdateForm({ endpoint, onDone }: { endpoint: EndpointView; onDone: () => void }) {
  const update = useUpdateEndpoint(endpoint.id);
  // A multi-model endpoint's variant has no version of its own (the button is not shown for one).
  const current = endpoint.variants.flatMap((v) => (v.state === "active" && v.modelVersion ? [{ ...v, modelVersion: v.modelVersion }] : []));
  const [rows, setRows] = useState<Row[]>(() =>
    current.map((v) => ({
      key: `k${nextKey++}`,
      name: v.name,
      modelId: v.modelVersion.modelId,
      modelVersionId: v.modelVersion.id,
      runtime: v.runtime,
      weight: String(v.weight),
      replicas: String(v.replicas),
      shadow: v.shadow,
      sampling: String(v.shadowSamplingPercent),
    })),
  );
  const set = (key: string, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const issues = update.error instanceof ApiError ? update.error : null;
  const issue = (path: string) => issues?.issueFor(path);
  const listIssue = issue("variants");
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate(
          {
            variants: rows.map((r) => ({
              name: r.name.trim(),
              modelVersionId: r.modelVersionId,
              runtime: r.runtime,
              weight: Number(r.weight),
              replicas: Number(r.replicas),
              shadow: r.shadow,
              shadowSamplingPercent: Number(r.sampling),
            })),
          },
          { onSuccess: onDone },
        );
      }}
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Weights and replicas change at once. A new variant, or another version or runtime, starts beside the current ones and takes over once it answers its health checks; if it
        never does, the update is rolled back. No request is dropped either way. A shadow variant gets a copy of a share of the requests; its answers are recorded for comparison,
        never returned.
      </p>
      <Table label="New variants">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Model</Th>
            <Th>Version</Th>
            <Th>Runtime</Th>
            <Th className="w-20">Weight</Th>
            <Th className="w-20">Replicas</Th>
            <Th>Shadow (% copied)</Th>
            <Th>
              <span className="sr-only">Remove</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const rowIssue = issue(`variants.${i}.modelVersionId`) ?? issue(`variants.${i}.runtime`) ?? issue(`variants.${i}.weight`) ?? issue(`variants.${i}.name`) ?? issue(`variants.${i}.shadowSamplingPercent`);
            return (
              <tr key={r.key} className="align-top">
                <Td>
                  <input aria-label={`Variant ${i + 1} name`} className={`${controlClass} w-32`} value={r.name} onChange={(e) => set(r.key, { name: e.target.value })} />
                  {rowIssue ? <p className="mt-1 max-w-md text-xs text-red-600 dark:text-red-400">{rowIssue}</p> : null}
                </Td>
                <Td>
                  <ModelSelect projectId={endpoint.projectId} label={`Variant ${i + 1} model`} value={r.modelId} onChange={(modelId, modelVersionId) => set(r.key, { modelId, modelVersionId })} />
                </Td>
                <Td>
                  <VersionSelect label={`Variant ${i + 1} version`} modelId={r.modelId} value={r.modelVersionId} onChange={(id) => set(r.key, { modelVersionId: id })} />
                </Td>
                <Td>
                  <select aria-label={`Variant ${i + 1} runtime`} className={`${controlClass} w-full`} value={r.runtime} onChange={(e) => set(r.key, { runtime: e.target.value as RuntimeChoice })}>
                    <option value="auto">Automatic</option>
                    <option value="onnx">{runtimeLabels.onnx}</option>
                    <option value="python">{runtimeLabels.python}</option>
                  </select>
                </Td>
                <Td>
                  <input aria-label={`Variant ${i + 1} weight`} type="number" min={0} step="any" className={`${controlClass} w-20`} value={r.weight} disabled={r.shadow} onChange={(e) => set(r.key, { weight: e.target.value })} />
                </Td>
                <Td>
                  <input aria-label={`Variant ${i + 1} replicas`} type="number" min={1} max={8} className={`${controlClass} w-20`} value={r.replicas} onChange={(e) => set(r.key, { replicas: e.target.value })} />
                </Td>
                <Td>
                  <span className="flex items-center gap-2">
                    <input type="checkbox" aria-label={`Variant ${i + 1} is a shadow`} checked={r.shadow} onChange={(e) => set(r.key, { shadow: e.target.checked })} />
                    {r.shadow ? (
                      <input aria-label={`Variant ${i + 1} share copied (%)`} type="number" min={0} max={100} className={`${controlClass} w-20`} value={r.sampling} onChange={(e) => set(r.key, { sampling: e.target.value })} />
                    ) : null}
                  </span>
                </Td>
                <Td>
                  <Button size="sm" variant="secondary" disabled={rows.length === 1} onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>
                    Remove
                  </Button>
                </Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      {listIssue ? <p className="text-xs text-red-600 dark:text-red-400">{listIssue}</p> : null}
      <Button
        size="sm"
        variant="secondary"
        disabled={rows.length >= MAX_VARIANTS}
        onClick={() => {
          const base = rows[0];
          const taken = new Set(rows.map((r) => r.name));
          const name = ["Canary", "Shadow", "Green", "Blue"].find((n) => !taken.has(n)) ?? `Variant${rows.length + 1}`;
          setRows((rs) => [...rs, { ...base, key: `k${nextKey++}`, name, weight: "1", replicas: "1", shadow: false, sampling: "100", runtime: "auto" }]);
        }}
      >
        Add variant
      </Button>
      <DialogFooter error={update.error} onCancel={onDone} busy={update.isPending} submitLabel="Update" />
    </form>
  );
}
