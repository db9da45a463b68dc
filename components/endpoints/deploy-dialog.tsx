"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import type { ModelVersionView } from "@/lib/model-registry";
import { Button } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";
import { runtimeLabels, type RuntimeChoice } from "@/lib/endpoints";
import { useCreateEndpoint } from "@/components/endpoints/use-endpoints";

/** "Deploy": this version behind a new endpoint, one replica, all traffic. */
export function DeployButton({ version }: { version: ModelVersionView }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Deploy</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Deploy to an endpoint">
        <DeployForm version={version} onCancel={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function DeployForm({ version, onCancel }: { version: ModelVersionView; onCancel: () => void }) {
  const router = useRouter();
  const create = useCreateEndpoint();
  const approved = version.approvalStatus === "Approved";
  const [name, setName] = useState(`${version.modelName}-v${version.version}`.replace(/[^a-zA-Z0-9-]+/g, "-").slice(0, 63));
  const [production, setProduction] = useState(approved);
  const [replicas, setReplicas] = useState("1");
  const [capture, setCapture] = useState(false);
  const [sampling, setSampling] = useState("20");
  const exported = version.onnxStatus === "converted";
  const [runtime, setRuntime] = useState<RuntimeChoice>("auto");
  const issue = (path: string) => (create.error instanceof ApiError ? create.error.issueFor(path) : undefined);
  const versionIssue = issue("variants.0.modelVersionId");
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          {
            projectId: version.projectId,
            body: {
              name: name.trim(),
              production,
              dataCapture: capture ? { samplingPercentage: Number(sampling), captureInput: true, captureOutput: true } : null,
              variants: [{ name: "AllTraffic", modelVersionId: version.id, replicas: Number(replicas), runtime }],
            },
          },
          { onSuccess: ({ endpoint }) => router.push(`/endpoints/${endpoint.id}`) },
        );
      }}
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {version.modelName} version {version.version} answers at <code className="font-mono">/endpoints/{name || "…"}/invocations</code> within seconds.
      </p>
      <TextField label="Endpoint name" value={name} onChange={(e) => setName(e.target.value)} error={issue("name")} required autoFocus />
      <SelectField
        label="Runtime"
        value={runtime}
        onChange={(e) => setRuntime(e.target.value as RuntimeChoice)}
        error={issue("variants.0.runtime")}
        hint={exported ? "This version has an ONNX export, checked against the model: answered in-process, fastest." : version.onnxStatus === "pending" ? "The ONNX export is still running." : "No ONNX export: the Python model server answers."}
      >
        <option value="auto">Automatic ({exported ? runtimeLabels.onnx : runtimeLabels.python})</option>
        <option value="onnx" disabled={!exported}>
          {runtimeLabels.onnx}
        </option>
        <option value="python">{runtimeLabels.python}</option>
      </SelectField>
      {runtime === "onnx" || (runtime === "auto" && exported) ? null : (
        <TextField label="Replicas" type="number" min={1} max={8} value={replicas} onChange={(e) => setReplicas(e.target.value)} error={issue("variants.0.replicas")} />
      )}
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-0.5" checked={production} disabled={!approved} onChange={(e) => setProduction(e.target.checked)} />
        <span>
          Production endpoint
          <span className="block text-xs text-zinc-500">{approved ? "Takes approved versions only." : "Only approved versions can serve a production endpoint: approve this version first."}</span>
        </span>
      </label>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-0.5" checked={capture} onChange={(e) => setCapture(e.target.checked)} />
        <span>
          Capture data for monitoring
          <span className="block text-xs text-zinc-500">Requests and answers, as SageMaker capture JSON Lines in the artifact store.</span>
        </span>
      </label>
      {capture ? (
        <TextField label="Share of requests captured (%)" type="number" min={0} max={100} value={sampling} onChange={(e) => setSampling(e.target.value)} error={issue("dataCapture.samplingPercentage")} />
      ) : null}
      {versionIssue ? <p className="text-xs text-red-600 dark:text-red-400">{versionIssue}</p> : null}
      <DialogFooter error={create.error} onCancel={onCancel} busy={create.isPending} submitLabel="Deploy" />
    </form>
  );
}
