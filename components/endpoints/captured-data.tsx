"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { formatBytes, formatDateTime, formatRelative } from "@/lib/format";
import type { EndpointView } from "@/lib/endpoints";
import type { CapturedFile, CapturedFileList, CapturedKind, CapturedRecordView, CapturedRecordsPage, CaptureRecordView, ShadowRecordView, ShownAnswer, ShownBody } from "@/lib/captured-data";
import { Button } from "@/components/ui/button";
import { Card, EmptyState, ErrorNotice } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { linkClass } from "@/components/ui/link";
import { Badge } from "@/components/ui/status-badge";
import { Table, Td, Th } from "@/components/ui/table";

// Everything in a captured file came from callers of the endpoint: it is shown as text only.

const FILES_PER_PAGE = 25;
const RECORDS_PER_PAGE = 10;
const kinds: { id: CapturedKind; label: string }[] = [
  { id: "capture", label: "Captured requests" },
  { id: "shadow", label: "Shadow comparisons" },
];

const dimmed = "disabled:opacity-40";
const caption = "text-[11px] font-semibold tracking-wider text-zinc-500 uppercase";
const downloadHref = (endpointId: string, key: string) => `/api/endpoints/${endpointId}/captured/download?${new URLSearchParams({ key })}`;
const eventTime = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** JSON bodies indented (when whole), everything else as stored. */
function pretty(body: ShownBody): string {
  if (body.shownAs !== "text" || body.truncated || !(body.encoding === "JSON" || body.contentType.toLowerCase().includes("json"))) return body.data;
  try {
    return JSON.stringify(JSON.parse(body.data), null, 2);
  } catch {
    return body.data;
  }
}

function encodingNote(body: ShownBody): string {
  if (body.encoding.toUpperCase() !== "BASE64") return body.encoding;
  return body.shownAs === "text" ? "BASE64, decoded (UTF-8 text)" : "BASE64 (binary, shown encoded)";
}

function Body({ label, body, extra }: { label: string; body: ShownBody | null; extra?: React.ReactNode }) {
  return (
    <div className="min-w-0" aria-label={label} role="group">
      <div className="flex flex-wrap items-center gap-2">
        <span className={caption}>{label}</span>
        {extra}
      </div>
      {body ? (
        <>
          <p className="mt-0.5 text-xs text-zinc-500">
            <span className="font-mono">{body.contentType}</span> · {encodingNote(body)} · {formatBytes(body.bytes)}
          </p>
          <pre className="mt-1 max-h-56 overflow-auto rounded-md bg-zinc-100 p-2 font-mono text-xs break-all whitespace-pre-wrap dark:bg-zinc-800">{pretty(body) || <span className="text-zinc-400">(empty)</span>}</pre>
          {body.truncated ? <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">Only the first {body.data.length.toLocaleString()} characters are shown: download the file for all of it.</p> : null}
          {body.note ? <p className="mt-1 text-xs text-amber-700 dark:text-amber-300">{body.note}</p> : null}
        </>
      ) : (
        <p className="mt-1 text-xs text-zinc-500">Not captured (the endpoint&apos;s capture mode leaves it out).</p>
      )}
    </div>
  );
}

function StatusPill({ answer }: { answer: ShownAnswer }) {
  const tone = answer.status >= 200 && answer.status < 300 ? "green" : answer.status >= 400 && answer.status < 500 ? "amber" : "red";
  return <Badge tone={tone}>HTTP {answer.status}</Badge>;
}

function Meta({ record }: { record: CaptureRecordView | ShadowRecordView }) {
  return (
    <dl className="flex flex-wrap gap-x-5 gap-y-1 text-xs">
      <div className="flex gap-1.5">
        <dt className="text-zinc-500">Event time</dt>
        <dd title={record.inferenceTime}>{eventTime(record.inferenceTime)}</dd>
      </div>
      <div className="flex gap-1.5">
        <dt className="text-zinc-500">Inference id</dt>
        <dd className="font-mono">{record.inferenceId ?? "–"}</dd>
      </div>
      <div className="flex gap-1.5">
        <dt className="text-zinc-500">Event id</dt>
        <dd className="font-mono">{record.eventId}</dd>
      </div>
    </dl>
  );
}

function Record({ record }: { record: CapturedRecordView }) {
  const frame = "space-y-3 rounded-md border p-3";
  if (record.type === "error") {
    return (
      <article aria-label={`Line ${record.line}`} className={`${frame} border-red-300 bg-red-50 dark:border-red-900 dark:bg-red-950/40`}>
        <p className="text-sm text-red-800 dark:text-red-300" role="note">
          {record.error}
        </p>
        {record.raw ? <pre className="max-h-32 overflow-auto font-mono text-xs break-all whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">{record.raw}</pre> : null}
      </article>
    );
  }
  if (record.type === "capture") {
    return (
      <article aria-label={`Line ${record.line}`} className={`${frame} border-zinc-200 dark:border-zinc-800`}>
        <div className="flex items-start justify-between gap-3">
          <Meta record={record} />
          <span className="text-xs text-zinc-400 tabular-nums">line {record.line}</span>
        </div>
        <div className="grid gap-3 lg:grid-cols-2">
          <Body label="Input" body={record.input} />
          <Body label="Output" body={record.output} />
        </div>
      </article>
    );
  }
  const statusDiffers = record.production.status !== record.shadow.status;
  return (
    <article aria-label={`Line ${record.line}`} className={`${frame} ${record.differs ? "border-amber-300 dark:border-amber-800" : "border-zinc-200 dark:border-zinc-800"}`}>
      <div className="flex items-start justify-between gap-3">
        <Meta record={record} />
        <span className="flex items-center gap-2">
          {record.differs ? (
            <Badge tone="amber" title="The shadow's answer is not the production answer (JSON compared by value)">
              differs{statusDiffers ? " (status too)" : ""}
            </Badge>
          ) : (
            <Badge tone="grey" title="Both answers say the same (JSON compared by value)">
              same answer
            </Badge>
          )}
          <span className="text-xs text-zinc-400 tabular-nums">line {record.line}</span>
        </span>
      </div>
      <Body label="Request" body={record.input} />
      <div className="grid gap-3 lg:grid-cols-2">
        <Body
          label="Production answer"
          body={record.production}
          extra={
            <>
              <span className="text-xs">{record.production.variant}</span>
              <StatusPill answer={record.production} />
            </>
          }
        />
        <Body
          label="Shadow answer"
          body={record.shadow}
          extra={
            <>
              <span className="text-xs">{record.shadow.variant}</span>
              <StatusPill answer={record.shadow} />
              <span className="text-xs text-zinc-500 tabular-nums">{record.shadow.latencyMs.toLocaleString(undefined, { maximumFractionDigits: 2 })} ms</span>
            </>
          }
        />
      </div>
    </article>
  );
}

/** One file's records, a page at a time; `onPage` when the reader pages. */
function FileRecords({ endpointId, file, onPage }: { endpointId: string; file: CapturedFile; onPage: () => void }) {
  const [offset, setOffset] = useState(0);
  const { data, error, isFetching } = useQuery({
    queryKey: [...queryKeys.endpoints.detail(endpointId), "captured-records", file.key, offset],
    queryFn: () => api<CapturedRecordsPage>(`/api/endpoints/${endpointId}/captured/records?${new URLSearchParams({ key: file.key, offset: String(offset), limit: String(RECORDS_PER_PAGE) })}`),
    placeholderData: keepPreviousData,
  });
  const turn = (by: number) => {
    onPage();
    setOffset(Math.max(0, offset + by));
  };
  const total = data?.total ?? file.records;
  const shownTo = data ? data.offset + data.records.length : 0;
  return (
    <div className="space-y-3" aria-label="Records" role="region">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="min-w-0 truncate font-mono text-xs text-zinc-600 dark:text-zinc-400" title={file.key}>
          {file.key}
        </p>
        <span className="flex items-center gap-2">
          <span className="text-xs text-zinc-500 tabular-nums" role="status">
            {data ? (data.total === 0 ? "No records" : `Records ${data.offset + 1}–${shownTo} of ${data.total.toLocaleString()}`) : "Loading records…"}
          </span>
          {total !== null && total > RECORDS_PER_PAGE ? (
            <>
              <Button size="sm" variant="secondary" className={dimmed} disabled={offset === 0 || isFetching} onClick={() => turn(-RECORDS_PER_PAGE)}>
                Previous
              </Button>
              <Button size="sm" variant="secondary" className={dimmed} disabled={shownTo >= total || isFetching} onClick={() => turn(RECORDS_PER_PAGE)}>
                Next
              </Button>
            </>
          ) : null}
          <a href={downloadHref(endpointId, file.key)} download className={`${linkClass} text-xs`}>
            Download .jsonl
          </a>
        </span>
      </div>
      <ErrorNotice error={error} />
      {data?.records.map((r) => <Record key={`${file.key}:${r.line}`} record={r} />)}
    </div>
  );
}

function emptyHint(kind: CapturedKind, endpoint: EndpointView) {
  if (kind === "capture") {
    return endpoint.dataCapture ? (
      <EmptyState title="Nothing captured yet">
        {endpoint.dataCapture.samplingPercentage}% of answered requests are kept and written every few seconds: invoke the endpoint (the test console above will do).
      </EmptyState>
    ) : (
      <EmptyState title="Data capture is off for this endpoint">Deploy the model with “Capture data for monitoring” on to keep a share of its requests and answers here.</EmptyState>
    );
  }
  const shadow = endpoint.variants.find((v) => v.shadow);
  return shadow ? (
    <EmptyState title="No shadow comparisons yet">
      {shadow.name} gets a copy of {shadow.shadowSamplingPercent}% of POST requests once it is ready: invoke the endpoint to compare its answers with production&apos;s.
    </EmptyState>
  ) : (
    <EmptyState title="No shadow variant">Add one with “Update variants” → Add variant → “shadow”: it gets copies of production requests, and its answers are compared with production&apos;s here.</EmptyState>
  );
}

/** The endpoint's captured requests and shadow comparisons (JSON Lines files in the artifact store), file by file. */
export function CapturedData({ endpoint }: { endpoint: EndpointView }) {
  const [kind, setKind] = useState<CapturedKind>("capture");
  const [variant, setVariant] = useState("");
  // The `before` cursor of each page after the first.
  const [cursors, setCursors] = useState<string[]>([]);
  // The file the reader opened (or paged in); until then the newest one, followed as new files come.
  const [chosen, setChosen] = useState<CapturedFile | null>(null);
  const before = cursors[cursors.length - 1];
  const { data, error } = useQuery({
    queryKey: [...queryKeys.endpoints.detail(endpoint.id), "captured", kind, variant, before ?? ""],
    queryFn: () =>
      api<CapturedFileList>(`/api/endpoints/${endpoint.id}/captured?${new URLSearchParams({ kind, limit: String(FILES_PER_PAGE), ...(variant ? { variant } : {}), ...(before ? { before } : {}) })}`),
    placeholderData: keepPreviousData,
    // The router writes captured data every 5 s: the first page follows it.
    refetchInterval: before ? false : 10_000,
  });
  const reset = () => {
    setCursors([]);
    setChosen(null);
  };
  const files = data?.files ?? [];
  const open = chosen ?? files[0] ?? null;

  return (
    <Card className="space-y-4 p-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div role="tablist" aria-label="Captured data" className="inline-flex rounded-md border border-zinc-300 p-0.5 dark:border-zinc-700">
          {kinds.map((k) => (
            <button
              key={k.id}
              type="button"
              role="tab"
              aria-selected={kind === k.id}
              onClick={() => {
                setKind(k.id);
                setVariant("");
                reset();
              }}
              className={`rounded px-3 py-1 text-sm ${kind === k.id ? "bg-sky-600 text-white" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"}`}
            >
              {k.label}
            </button>
          ))}
        </div>
        <label className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Variant
          <select
            value={variant}
            onChange={(e) => {
              setVariant(e.target.value);
              reset();
            }}
            className={`${controlClass} mt-1 w-48`}
          >
            <option value="">All variants</option>
            {(data?.variants ?? []).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="text-xs text-zinc-500">
        {kind === "capture" ? (
          <>
            SageMaker data capture JSON Lines under <code className="font-mono">capture/{endpoint.name}/&lt;variant&gt;/yyyy/mm/dd/hh/</code> (hours in UTC), one file per few seconds of traffic.
          </>
        ) : (
          <>
            The request, production&apos;s answer and the shadow&apos;s answer (never returned to callers), under <code className="font-mono">shadow/{endpoint.name}/&lt;shadow variant&gt;/yyyy/mm/dd/hh/</code>.
          </>
        )}
      </p>
      <ErrorNotice error={error} />
      {!data && !error ? <p className="text-sm text-zinc-500">Listing files…</p> : null}
      {data && files.length === 0 && cursors.length === 0 ? (variant ? <EmptyState title={`No files of variant ${variant}`}>Choose “All variants”.</EmptyState> : emptyHint(kind, endpoint)) : null}
      {files.length > 0 ? (
        <div className="max-h-64 overflow-auto">
            <Table label="Captured files">
              <thead>
                <tr>
                  <Th>Hour (UTC)</Th>
                  <Th>Variant</Th>
                  <Th>Written</Th>
                  <Th className="text-right">Records</Th>
                  <Th className="text-right">Size</Th>
                </tr>
              </thead>
              <tbody>
                {files.map((f) => (
                  <tr key={f.key} aria-current={open?.key === f.key ? "true" : undefined} className={open?.key === f.key ? "bg-sky-50 dark:bg-sky-950/40" : ""}>
                    <Td>
                      <button type="button" className={`${linkClass} font-mono text-xs`} onClick={() => setChosen(f)} aria-label={`Open ${f.variant} file written ${formatDateTime(f.writtenAt)}`}>
                        {f.partition}
                      </button>
                    </Td>
                    <Td className="text-xs">{f.variant}</Td>
                    <Td className="text-xs" title={f.writtenAt}>
                      {formatRelative(f.writtenAt)}
                    </Td>
                    <Td className="text-right text-xs tabular-nums">{f.records === null ? <span title="Large file: open it to count">–</span> : f.records.toLocaleString()}</Td>
                    <Td className="text-right text-xs tabular-nums">{formatBytes(f.size)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
        </div>
      ) : null}
      {data?.next || cursors.length > 0 ? (
        <div className="flex items-center justify-end gap-2">
          <Button size="sm" variant="secondary" className={dimmed} disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer files
          </Button>
          <Button size="sm" variant="secondary" className={dimmed} disabled={!data?.next} onClick={() => data?.next && setCursors([...cursors, data.next])}>
            Older files
          </Button>
        </div>
      ) : null}
      {open ? <FileRecords key={open.key} endpointId={endpoint.id} file={open} onPage={() => setChosen(open)} /> : null}
    </Card>
  );
}
