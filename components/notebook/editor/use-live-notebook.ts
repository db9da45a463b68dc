"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { notebookSocketPath, SOCKET_CLOSE, type ClientMessage, type ServerMessage } from "@/lib/notebook-live-protocol";
import { applyLocalOps, applyServerMessage, type LiveState } from "@/lib/notebook-live-state";
import type { EditOp } from "@/lib/notebook-ops";

// The tab's side of the notebook socket: keeps the tab's copy of the notebook in step with the
// server, reconnects by itself after a network drop (and catches up from a fresh snapshot), and
// never drops an edit made while disconnected: it is re-applied and sent once the socket is back.

export type Connection =
  | { state: "connecting" }
  | { state: "open" }
  | { state: "reconnecting"; attempt: number; retryAt: number }
  /** For good: signed out, no access, or the notebook is gone. */
  | { state: "closed"; reason: string; code: number };

export type KernelRequest = { type: "complete"; code: string; cursorPos: number } | { type: "inspect"; code: string; cursorPos: number; detailLevel: 0 | 1 };
export type Reply = { ok: true; content: Record<string, unknown> } | { ok: false; error: string };

/** Source edits are sent after this pause in typing (or at once before anything else is sent). */
const SOURCE_FLUSH_MS = 250;
const BACKOFF_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];

export interface LiveNotebook {
  state: LiveState | null;
  connection: Connection;
  /** Server-side refusals and failures, newest last, for the notification area. */
  notices: { id: number; message: string }[];
  dismissNotice(id: number): void;
  edit(ops: EditOp[]): void;
  /** Records a cell's new source locally at once and sends it after a short pause in typing. */
  setSource(cellId: string, source: string): void;
  send(message: Exclude<ClientMessage, { type: "ops" | "complete" | "inspect" }>): void;
  /** Completion and help from the kernel. */
  request(message: KernelRequest): Promise<Reply>;
  reconnectNow(): void;
}

let nextRequest = 0;
let nextNotice = 0;

export function useLiveNotebook(notebookId: string): LiveNotebook {
  const [state, setState] = useState<LiveState | null>(null);
  const [connection, setConnection] = useState<Connection>({ state: "connecting" });
  const [notices, setNotices] = useState<{ id: number; message: string }[]>([]);
  const stateRef = useRef<LiveState | null>(null);
  const socketRef = useRef<WebSocket | null>(null);
  /** Messages waiting for the socket (sent in order once it is open and the snapshot is in). */
  const outbox = useRef<ClientMessage[]>([]);
  const pendingSources = useRef(new Map<string, string>());
  const sourceTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const replies = useRef(new Map<string, (reply: Reply) => void>());
  const ready = useRef(false);
  const connectRef = useRef<() => void>(() => undefined);
  const attempt = useRef(0);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const commit = useCallback((next: LiveState | null) => {
    stateRef.current = next;
    setState(next);
  }, []);

  const transmit = useCallback((message: ClientMessage) => {
    const socket = socketRef.current;
    if (ready.current && socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else outbox.current.push(message);
  }, []);

  const flushSources = useCallback(() => {
    if (sourceTimer.current) clearTimeout(sourceTimer.current);
    sourceTimer.current = null;
    if (pendingSources.current.size === 0) return;
    const ops: EditOp[] = [...pendingSources.current].map(([cellId, source]) => ({ op: "set_source", cellId, source }));
    pendingSources.current.clear();
    transmit({ type: "ops", ops });
  }, [transmit]);

  useEffect(() => {
    let disposed = false;
    const connect = () => {
      if (disposed) return;
      ready.current = false;
      const url = new URL(notebookSocketPath(notebookId), window.location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(url);
      socketRef.current = socket;
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as ServerMessage;
        if (message.type === "reply") {
          const resolve = replies.current.get(message.requestId);
          replies.current.delete(message.requestId);
          resolve?.(message.ok ? { ok: true, content: message.content } : { ok: false, error: message.error });
          return;
        }
        if (message.type === "error") {
          setNotices((n) => [...n.slice(-4), { id: ++nextNotice, message: message.message }]);
          return;
        }
        let next = applyServerMessage(stateRef.current, message);
        if (message.type === "snapshot") {
          // Edits made while away are re-applied on top of the server's copy and sent now.
          const queued = [...outbox.current];
          for (const m of queued) if (m.type === "ops" && next) next = applyLocalOps(next, m.ops);
          for (const [cellId, source] of pendingSources.current) if (next) next = applyLocalOps(next, [{ op: "set_source", cellId, source }]);
          ready.current = true;
          attempt.current = 0;
          setConnection({ state: "open" });
          outbox.current = [];
          for (const m of queued) socket.send(JSON.stringify(m));
        }
        commit(next);
      };
      socket.onclose = (event) => {
        if (socketRef.current !== socket) return;
        ready.current = false;
        for (const resolve of replies.current.values()) resolve({ ok: false, error: "The connection to the studio dropped." });
        replies.current.clear();
        if (disposed) return;
        if (event.code === SOCKET_CLOSE.unauthenticated || event.code === SOCKET_CLOSE.notFound || event.code === SOCKET_CLOSE.gone) {
          setConnection({ state: "closed", code: event.code, reason: event.reason || "This notebook is no longer available." });
          return;
        }
        const delay = BACKOFF_MS[Math.min(attempt.current, BACKOFF_MS.length - 1)];
        attempt.current += 1;
        setConnection({ state: "reconnecting", attempt: attempt.current, retryAt: Date.now() + delay });
        // A refused upgrade only shows as a dropped socket: after a few, ask over HTTP why.
        if (attempt.current >= 3) {
          void fetch(`/api/notebooks/${encodeURIComponent(notebookId)}`, { credentials: "same-origin" })
            .then((res) => {
              if (res.status === 401) setConnection({ state: "closed", code: SOCKET_CLOSE.unauthenticated, reason: "You were signed out. Sign in again to go on; the notebook is saved." });
              else if (res.status === 404 || res.status === 403) setConnection({ state: "closed", code: SOCKET_CLOSE.notFound, reason: "You no longer have access to this notebook." });
              else return;
              if (retryTimer.current) clearTimeout(retryTimer.current);
              disposed = true;
            })
            .catch(() => undefined);
        }
        retryTimer.current = setTimeout(connect, delay);
      };
    };
    connectRef.current = () => {
      if (retryTimer.current) clearTimeout(retryTimer.current);
      connect();
    };
    connect();
    // Coming back online or to the tab: retry at once instead of waiting out the backoff.
    const retrySoon = () => {
      if (socketRef.current && socketRef.current.readyState !== WebSocket.OPEN && socketRef.current.readyState !== WebSocket.CONNECTING) connectRef.current();
    };
    window.addEventListener("online", retrySoon);
    document.addEventListener("visibilitychange", retrySoon);
    return () => {
      disposed = true;
      window.removeEventListener("online", retrySoon);
      document.removeEventListener("visibilitychange", retrySoon);
      if (retryTimer.current) clearTimeout(retryTimer.current);
      socketRef.current?.close(1000);
      socketRef.current = null;
    };
  }, [notebookId, commit]);

  // Typing saved on the way out (reload, tab closed): the server applies what it received.
  useEffect(() => {
    const flush = () => flushSources();
    window.addEventListener("pagehide", flush);
    return () => window.removeEventListener("pagehide", flush);
  }, [flushSources]);

  const edit = useCallback(
    (ops: EditOp[]) => {
      flushSources();
      if (ops.length === 0) return;
      if (stateRef.current) commit(applyLocalOps(stateRef.current, ops));
      transmit({ type: "ops", ops });
    },
    [commit, flushSources, transmit],
  );

  const setSource = useCallback(
    (cellId: string, source: string) => {
      if (stateRef.current) commit(applyLocalOps(stateRef.current, [{ op: "set_source", cellId, source }]));
      pendingSources.current.set(cellId, source);
      if (sourceTimer.current) clearTimeout(sourceTimer.current);
      sourceTimer.current = setTimeout(flushSources, SOURCE_FLUSH_MS);
    },
    [commit, flushSources],
  );

  const send = useCallback<LiveNotebook["send"]>(
    (message) => {
      flushSources();
      transmit(message);
    },
    [flushSources, transmit],
  );

  const request = useCallback<LiveNotebook["request"]>(
    (message) => {
      flushSources();
      const requestId = `r${++nextRequest}`;
      return new Promise<Reply>((resolve) => {
        if (!ready.current) return resolve({ ok: false, error: "Not connected to the studio." });
        replies.current.set(requestId, resolve);
        transmit({ ...message, requestId } as ClientMessage);
      });
    },
    [flushSources, transmit],
  );

  const dismissNotice = useCallback((id: number) => setNotices((n) => n.filter((x) => x.id !== id)), []);
  const reconnectNow = useCallback(() => connectRef.current(), []);

  return { state, connection, notices, dismissNotice, edit, setSource, send, request, reconnectNow };
}
