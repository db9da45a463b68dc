"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { formatDateTime, formatRelative } from "@/lib/format";
import { exampleRecord, isRouted, type EndpointView } from "@/lib/endpoints";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { linkClass } from "@/components/ui/link";
import { Detail, Section } from "@/components/ui/section";
import { Table, Td, Th } from "@/components/ui/table";
import { ApprovalBadge } from "@/components/models/approval-badge";
import { EndpointStatusBadge } from "@/components/endpoints/endpoint-status";
import { useDeleteEndpoint, useEndpoint } from "@/components/endpoints/use-endpoints";
import { InvocationStatsPanel } from "@/components/endpoints/invocation-stats";
import { EndpointLogs } from "@/components/endpoints/endpoint-logs";
import { CapturedData } from "@/components/endpoints/captured-data";
import { KServeExport } from "@/components/endpoints/kserve-export";
import { UpdateEndpointButton } from "@/components/endpoints/update-dialog";
import { EndpointModelsPanel } from "@/components/endpoints/multi-model";
import { AutoscalingButton, autoscalingSummary, ScalingEvents } from "@/components/endpoints/autoscaling";

interface Answer {
  status: number;
  ms: number;
  /** The model's share of it (the studio's Server-Timing header), when a model answered. */
  modelMs: number | null;
  variant: string | null;
  body: string;
  /** A multi-model endpoint's answer: whether the model was in memory. */
  modelCache: string | null;
}

/** Sends a request to the endpoint as the signed-in user and shows what came back. */
function TestConsole({ endpoint }: { endpoint: EndpointView }) {
  const [contentType, setContentType] = useState("text/csv");
  const [accept, setAccept] = useState("application/json");
  const [variant, setVariant] = useState("");
  const models = endpoint.multiModel?.models ?? null;
  const [targetModel, setTargetModel] = useState("");
  const target = models ? (targetModel || models[0]?.name || "") : "";
  const [body, setBody] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [busy, setBusy] = useState(false);
  const example = exampleRecord((models ? models.find((m) => m.name === target)?.inputs : endpoint.variants[0]?.inputs) ?? []);
  const [error, setError] = useState<unknown>(null);

  async function invoke() {
    setBusy(true);
    setError(null);
    const started = performance.now();
    try {
      const res = await fetch(endpoint.invocationPath, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": contentType,
          Accept: accept,
          ...(variant ? { "X-Amzn-SageMaker-Target-Variant": variant } : {}),
          ...(target ? { "X-Amzn-SageMaker-Target-Model": target } : {}),
        },
        body,
      });
      const text = await res.text();
      let shown = text;
      try {
        shown = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        /* CSV or plain text: shown as it came */
      }
      const cacheHeader = res.headers.get("X-Studio-Model-Cache");
      const loadMs = res.headers.get("X-Studio-Model-Load-Ms");
      const timing = /(?:^|,)\s*model;dur=([\d.]+)/.exec(res.headers.get("Server-Timing") ?? "");
      setAnswer({
        status: res.status,
        ms: performance.now() - started,
        modelMs: timing ? Number(timing[1]) : null,
        variant: res.headers.get("X-Amzn-Invoked-Production-Variant"),
        body: shown,
        modelCache: cacheHeader ? `model cache ${cacheHeader}${cacheHeader === "miss" && loadMs ? ` (loaded in ${Number(loadMs).toFixed(0)} ms)` : ""}` : null,
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card className="space-y-3 p-4">
      <div className="grid grid-cols-3 gap-3">
        <label className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Content type
          <select value={contentType} onChange={(e) => setContentType(e.target.value)} className={`${controlClass} mt-1 w-full`}>
            <option value="text/csv">text/csv (one record per line)</option>
            <option value="application/json">application/json ({"{"}&quot;instances&quot;: […]{"}"})</option>
          </select>
        </label>
        <label className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Accept
          <select value={accept} onChange={(e) => setAccept(e.target.value)} className={`${controlClass} mt-1 w-full`}>
            <option value="application/json">application/json</option>
            <option value="text/csv">text/csv</option>
          </select>
        </label>
        {models ? (
          <label className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
            Target model
            <select value={target} onChange={(e) => setTargetModel(e.target.value)} className={`${controlClass} mt-1 w-full`}>
              {models.length === 0 ? <option value="">No models yet</option> : null}
              {models.map((m) => (
                <option key={m.id} value={m.name}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
            Variant
            <select value={variant} onChange={(e) => setVariant(e.target.value)} className={`${controlClass} mt-1 w-full`}>
              <option value="">By weight</option>
              {endpoint.variants.map((v) => (
                <option key={v.id} value={v.name}>
                  {v.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <label className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
        Request body
        <textarea
          rows={5}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          placeholder={contentType === "text/csv" ? example : `{"instances": [[${example.split(",").map((v) => (/^[\d.]+$|^true$/.test(v) ? v : JSON.stringify(v))).join(", ")}]]}`}
          className={`${controlClass} mt-1 w-full font-mono`}
        />
      </label>
      <div className="flex items-center gap-3">
        <Button onClick={() => void invoke()} busy={busy} disabled={!body.trim()}>
          Invoke
        </Button>
        {answer ? (
          <span className="text-xs text-zinc-600 dark:text-zinc-400" role="status">
            HTTP {answer.status} in {answer.ms.toFixed(1)} ms{answer.modelMs !== null ? ` (model ${answer.modelMs.toFixed(1)} ms)` : ""}
            {answer.variant ? ` · variant ${answer.variant}` : ""}
            {answer.modelCache ? ` · ${answer.modelCache}` : ""}
          </span>
        ) : null}
      </div>
      <ErrorNotice error={error} />
      {answer ? (
        <pre aria-label="Response" className={`max-h-80 overflow-auto rounded-md p-3 font-mono text-xs ${answer.status >= 400 ? "bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-200" : "bg-zinc-100 dark:bg-zinc-800"}`}>
          {answer.body}
        </pre>
      ) : null}
    </Card>
  );
}

const stateHelp: Record<string, string> = {
  pending: "Started by an update: takes traffic once every new variant answers its health checks",
  superseded: "Replaced by an update that is still starting: serves until the switch",
  retiring: "Replaced: finishing requests already sent, then stopped",
};

/** One endpoint: status, how to call it, its variants and model servers, and a test console. */
export function EndpointPage({ endpointId, canWrite }: { endpointId: string; canWrite: boolean }) {
  const router = useRouter();
  const { data: endpoint, error, isLoading } = useEndpoint(endpointId);
  const remove = useDeleteEndpoint(endpointId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading endpoint…</p>;
  if (error || !endpoint) return <ErrorNotice error={error ?? new Error("Endpoint not found.")} />;
  const url = typeof window === "undefined" ? endpoint.invocationPath : `${window.location.origin}${endpoint.invocationPath}`;
  const firstModel = endpoint.multiModel?.models[0] ?? null;
  const inputs = (firstModel ? firstModel.inputs : endpoint.variants[0]?.inputs) ?? [];
  return (
    <>
      <PageHeader
        title={endpoint.name}
        description={<>Endpoint in {endpoint.projectName}{endpoint.production ? " · production" : ""}</>}
        actions={
          canWrite && endpoint.status !== "Deleting" ? (
            <span className="flex gap-2">
            {endpoint.multiModel ? null : <UpdateEndpointButton endpoint={endpoint} />}
            <Button
              variant="danger"
              busy={remove.isPending}
              onClick={() => {
                if (window.confirm(`Delete endpoint ${endpoint.name}? Applications calling it will get 404.`)) remove.mutate(undefined, { onSuccess: () => router.push("/endpoints") });
              }}
            >
              Delete
            </Button>
            </span>
          ) : null
        }
      />
      <Card className="mb-8 p-4">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
          <Detail label="Status">
            <EndpointStatusBadge status={endpoint.status} reason={endpoint.statusReason} />
          </Detail>
          <Detail label="Created">{formatDateTime(endpoint.createdAt)}</Detail>
          <Detail label="Created by">{endpoint.createdBy ?? "–"}</Detail>
          {endpoint.multiModel ? <Detail label="Models">{endpoint.multiModel.models.length} (multi-model)</Detail> : <Detail label="Variants">{endpoint.variants.length}</Detail>}
        </dl>
        <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400" data-testid="data-capture">
          Data capture:{" "}
          {endpoint.dataCapture ? (
            <>
              {endpoint.dataCapture.samplingPercentage}% of requests ({[endpoint.dataCapture.captureInput && "input", endpoint.dataCapture.captureOutput && "output"].filter(Boolean).join(" and ")}) into{" "}
              <code className="font-mono text-xs">{endpoint.capturePrefix}&lt;variant&gt;/yyyy/mm/dd/hh/</code> in the artifact store
            </>
          ) : (
            "off"
          )}
        </p>
        {endpoint.statusReason ? (
          <p className={`mt-3 text-sm whitespace-pre-wrap ${endpoint.status === "Failed" ? "text-red-700 dark:text-red-300" : "text-zinc-600 dark:text-zinc-400"}`} role={endpoint.status === "Failed" ? "alert" : undefined}>
            {endpoint.statusReason}
          </p>
        ) : null}
        <div className="mt-4">
          <p className="text-[11px] font-semibold tracking-wider text-zinc-500 uppercase">Call it</p>
          <pre className="mt-1 overflow-x-auto rounded-md bg-zinc-100 px-3 py-2 font-mono text-xs dark:bg-zinc-800">{`curl -X POST ${url} \\
  -H "Authorization: Bearer $STUDIO_TOKEN" -H "Content-Type: text/csv" \\${endpoint.multiModel ? `
  -H "X-Amzn-SageMaker-Target-Model: ${firstModel?.name ?? "<model>"}" \\` : ""}
  --data-binary "${exampleRecord(inputs)}"`}</pre>
          <p className="mt-1 text-xs text-zinc-500">
            A personal API token from{" "}
            <Link href="/settings/tokens" className={linkClass}>
              Settings → API tokens
            </Link>
            . One record per line, columns in this order: <span className="font-mono">{inputs.map((c) => `${c.name} (${c.type})`).join(", ") || "–"}</span>. Open Inference
            Protocol: <code className="font-mono">POST /v2/models/{endpoint.name}/infer</code>.
          </p>
        </div>
      </Card>

      <Section title="Variants" count={endpoint.variants.length}>
        <Table label="Variants">
          <thead>
            <tr>
              <Th>Variant</Th>
              <Th>Model version</Th>
              <Th className="text-right">Weight</Th>
              <Th className="text-right">Traffic</Th>
              <Th>Served by</Th>
              <Th>Autoscaling</Th>
            </tr>
          </thead>
          <tbody>
            {endpoint.variants.map((v) => (
              <tr key={v.id}>
                <Td className="font-medium">
                  {v.name}
                  {v.shadow ? <span className="ml-2 rounded bg-violet-100 px-1.5 py-0.5 text-[11px] font-normal text-violet-800 dark:bg-violet-950 dark:text-violet-200">shadow · {v.shadowSamplingPercent}% copied</span> : null}
                  {v.state !== "active" ? (
                    <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-[11px] font-normal text-amber-800 dark:bg-amber-950 dark:text-amber-200" title={stateHelp[v.state]}>
                      {v.state === "pending" ? "starting (update)" : v.state === "superseded" ? "serving until the switch" : "draining"}
                    </span>
                  ) : null}
                </Td>
                <Td>
                  {v.modelVersion ? (
                    <span className="flex items-center gap-2">
                      <Link href={`/models/versions/${v.modelVersion.id}`} className={linkClass}>
                        {v.modelVersion.modelName} v{v.modelVersion.version}
                      </Link>
                      <ApprovalBadge status={v.modelVersion.approvalStatus} />
                    </span>
                  ) : (
                    <span className="text-zinc-600 dark:text-zinc-400">Any of the endpoint&apos;s {endpoint.multiModel?.models.length ?? 0} models, loaded on demand</span>
                  )}
                </Td>
                <Td className="text-right tabular-nums">{v.shadow ? "–" : v.weight}</Td>
                <Td className="text-right tabular-nums">{Math.round(v.share * 1000) / 10}%</Td>
                <Td className="text-xs">
                  {v.runtime === "onnx" ? (
                    <span data-testid={v.state === "active" ? `ready-${v.name}` : `ready-${v.name}-${v.state}`} title="The exported ONNX graph, run by onnxruntime inside the studio's web server">
                      ONNX, in-process
                    </span>
                  ) : (
                    <span className="tabular-nums" data-testid={v.state === "active" ? `ready-${v.name}` : `ready-${v.name}-${v.state}`}>
                      Python model server · {v.readyReplicas} of {v.replicas} ready
                    </span>
                  )}
                  {v.replicaStates.map((r) => (
                    <span key={r.id} className="ml-2 text-zinc-500" title={r.lastError ?? undefined}>
                      · {r.status}
                      {r.readyAt ? ` ${formatRelative(r.readyAt)}` : ""}
                      {r.status === "failed" && r.lastError ? ` (${r.lastError.split("\n")[0]})` : ""}
                    </span>
                  ))}
                </Td>
                <Td className="text-xs" data-testid={`autoscaling-${v.name}`}>
                  {v.runtime === "python" ? (
                    <span className="flex items-center gap-2">
                      <span>{autoscalingSummary(v.autoscaling)}</span>
                      {canWrite && v.state === "active" ? <AutoscalingButton endpointId={endpoint.id} variant={v} /> : null}
                    </span>
                  ) : (
                    <span className="text-zinc-500" title="Answered inside the studio's web server: no model server replicas to scale">
                      in-process
                    </span>
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Section>

      {endpoint.multiModel ? (
        <Section title="Models" count={endpoint.multiModel.models.length}>
          <EndpointModelsPanel endpoint={endpoint} canWrite={canWrite} />
        </Section>
      ) : null}

      {endpoint.scalingEvents.length > 0 || endpoint.variants.some((v) => v.autoscaling) ? (
        <Section title="Scaling events">
          <ScalingEvents endpoint={endpoint} />
        </Section>
      ) : null}

      <Section title="Invocations">
        <InvocationStatsPanel endpointId={endpoint.id} />
      </Section>

      <Section title="Test console">
        <TestConsole endpoint={endpoint} />
      </Section>

      <Section title="Logs">
        <EndpointLogs endpointId={endpoint.id} />
      </Section>

      <Section title="Captured data">
        <CapturedData endpoint={endpoint} />
      </Section>

      {endpoint.multiModel ? null : (
        <Section title="Run it on Kubernetes (KServe)">
          <KServeExport endpointId={endpoint.id} variants={endpoint.variants.filter(isRouted).length} />
        </Section>
      )}
    </>
  );
}
