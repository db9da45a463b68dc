import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import WebSocket from "ws";
import { z } from "zod";
import { hardwareSchema, kernelSpecSchema, type Hardware, type HostStatus, type KernelSpecSummary } from "@/server/hosts/host-status";

/** A gateway's address and secret, only ever held on the server. */
export interface GatewayTarget {
  url: string;
  token: string | null;
}

// REST calls answer in milliseconds on a healthy gateway; 5 s tells "down or firewalled" from
// "slow" without making the hosts page wait long. A probe kernel may take much longer to start on
// a busy GPU box (CUDA init), so it gets 60 s.
const REST_TIMEOUT_MS = 5_000;
const KERNEL_PROBE_TIMEOUT_MS = 60_000;

export class GatewayError extends Error {
  constructor(
    readonly status: Exclude<HostStatus, "healthy" | "unknown" | "disabled">,
    message: string,
    /** The HTTP status the gateway answered with, when it answered. */
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

function authHeaders(target: GatewayTarget): Record<string, string> {
  return target.token ? { Authorization: `token ${target.token}` } : {};
}

/** Turns a fetch failure into a sentence a person can act on. */
export function describeNetworkError(url: string, error: unknown): GatewayError {
  const where = new URL(url).host;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new GatewayError("unreachable", `No answer from ${where} within ${REST_TIMEOUT_MS / 1000} s. Check that the gateway is running and that no firewall blocks the port.`);
  }
  switch (code) {
    case "ECONNREFUSED":
      return new GatewayError("unreachable", `Connection refused by ${where}. Is the gateway running and listening on that address and port?`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new GatewayError("unreachable", `The host name in ${where} could not be resolved. Check the URL.`);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new GatewayError("unreachable", `No network route to ${where}. Check the address and the network between the studio and the host.`);
    case "ECONNRESET":
      return new GatewayError("unreachable", `${where} closed the connection. If the gateway serves HTTPS, use an https:// URL.`);
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
    case "CERT_HAS_EXPIRED":
      return new GatewayError("unreachable", `The TLS certificate of ${where} is not trusted (${code}).`);
    default:
      return new GatewayError("unreachable", `Could not reach ${where}: ${cause?.message ?? (error as Error)?.message ?? String(error)}.`);
  }
}

async function getJson(target: GatewayTarget, pathname: string): Promise<unknown> {
  const url = new URL(pathname, target.url.endsWith("/") ? target.url : `${target.url}/`).toString();
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(target), signal: AbortSignal.timeout(REST_TIMEOUT_MS), redirect: "manual" });
  } catch (error) {
    throw describeNetworkError(url, error);
  }
  if (res.status === 401 || res.status === 403) {
    throw new GatewayError(
      "auth_failed",
      target.token ? "Authentication failed: the gateway rejected the token. Check the token on the host." : "Authentication failed: the gateway requires a token.",
      res.status,
    );
  }
  if (!res.ok) {
    throw new GatewayError("error", `The gateway answered ${res.status} ${res.statusText} for ${pathname}. Is this the gateway's base URL?`, res.status);
  }
  try {
    return await res.json();
  } catch {
    throw new GatewayError("error", `${pathname} did not answer JSON: this URL does not look like a Jupyter gateway.`);
  }
}

// Enterprise Gateway adds its own version; Kernel Gateway and jupyter server report only the
// jupyter_server version.
const apiInfoSchema = z.object({ version: z.string(), gateway_version: z.string().optional() }).loose();
const kernelSpecsSchema = z.object({
  default: z.string(),
  kernelspecs: z.record(
    z.string(),
    z.object({ name: z.string(), spec: z.object({ display_name: z.string(), language: z.string() }).loose() }).loose(),
  ),
});
const kernelsSchema = z.array(z.object({ id: z.string(), name: z.string() }).loose());

export interface GatewayInfo {
  version: string;
  defaultKernel: string;
  kernelSpecs: KernelSpecSummary[];
  /** null when the gateway does not list kernels (Enterprise Gateway's default) or failed to. */
  runningKernels: number | null;
}

function parseOrExplain<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new GatewayError("error", `${what} has an unexpected shape: this URL does not look like a Jupyter gateway.`);
  return parsed.data;
}

/** Reads version, kernel specs and running kernels over the gateway's REST API. */
export async function readGatewayInfo(target: GatewayTarget): Promise<GatewayInfo> {
  const info = parseOrExplain(apiInfoSchema, await getJson(target, "api"), "GET /api");
  const specs = parseOrExplain(kernelSpecsSchema, await getJson(target, "api/kernelspecs"), "GET /api/kernelspecs");
  const kernelSpecs = Object.values(specs.kernelspecs)
    .map((k) => kernelSpecSchema.parse({ name: k.name, displayName: k.spec.display_name, language: k.spec.language }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const version = info.gateway_version ? `Enterprise Gateway ${info.gateway_version} · Jupyter Server ${info.version}` : `Jupyter Server ${info.version}`;
  return { version, defaultKernel: specs.default, kernelSpecs, runningKernels: await countKernels(target) };
}

/**
 * Running kernels, or null when unknown. The token already passed /api and /api/kernelspecs, so a
 * 403 here means kernel listing is switched off (Enterprise Gateway's default, EG_LIST_KERNELS),
 * and a 5xx is Enterprise Gateway failing while a kernel starts (enterprise_gateway#1395): neither
 * makes the host unusable.
 */
async function countKernels(target: GatewayTarget): Promise<number | null> {
  try {
    return parseOrExplain(kernelsSchema, await getJson(target, "api/kernels"), "GET /api/kernels").length;
  } catch (error) {
    if (error instanceof GatewayError && (error.httpStatus === 403 || (error.httpStatus ?? 0) >= 500)) return null;
    throw error;
  }
}

/**
 * Settings for @jupyterlab/services in Node: our fetch, and a `ws` WebSocket that sends the token
 * in a header, so it never appears in a URL (URLs end up in access logs).
 */
export function serverSettings(target: GatewayTarget): ServerConnection.ISettings {
  const baseUrl = target.url.endsWith("/") ? target.url : `${target.url}/`;
  const headers = target.token ? { Authorization: `token ${target.token}` } : {};
  class AuthenticatedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    token: target.token ?? "",
    appendToken: false,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
    WebSocket: AuthenticatedWebSocket as unknown as typeof globalThis.WebSocket,
  });
}

const PROBE_MARKER = "STUDIO_PROBE_JSON:";
const PROBE_KERNEL_USERNAME = "studio";
let probeSource: Promise<string> | undefined;

function hardwareProbeSource(): Promise<string> {
  probeSource ??= readFile(path.join(process.cwd(), "kernels/probe/hardware_probe.py"), "utf8");
  return probeSource;
}

/**
 * Starts a short-lived kernel on the host, runs kernels/probe/hardware_probe.py in it and shuts the
 * kernel down again: CPU, memory and GPUs as the host's kernels see them.
 */
export async function probeHardware(target: GatewayTarget, kernelName: string): Promise<Hardware> {
  const manager = new KernelManager({ serverSettings: serverSettings(target) });
  // If startNew fails at once, dispose() can run before the manager's first poll, whose promise
  // would then reject with no handler and take the process down.
  manager.ready.catch(() => undefined);
  const code = await hardwareProbeSource();
  let started = false;
  // Enterprise Gateway refuses kernels without KERNEL_USERNAME when it runs as root (its default
  // EG_UNAUTHORIZED_USERS); Kernel Gateway passes KERNEL_* variables through to the kernel.
  const options = { name: kernelName, env: { KERNEL_USERNAME: PROBE_KERNEL_USERNAME } } as Kernel.IKernelOptions;
  const starting = manager.startNew(options, { handleComms: false }).then((kernel) => {
    started = true;
    return kernel;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayError("error", `The probe kernel did not finish within ${KERNEL_PROBE_TIMEOUT_MS / 1000} s.`)), KERNEL_PROBE_TIMEOUT_MS);
  });
  const run = async (): Promise<Hardware> => {
    const kernel = await starting;
    let output = "";
    let failure: string | undefined;
    const future = kernel.requestExecute({ code, silent: false, store_history: false });
    future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
      if (msg.header.msg_type === "stream") output += (msg.content as KernelMessage.IStreamMsg["content"]).text;
      if (msg.header.msg_type === "error") {
        const c = msg.content as KernelMessage.IErrorMsg["content"];
        failure = `${c.ename}: ${c.evalue}`;
      }
    };
    await future.done;
    if (failure) throw new GatewayError("error", `The hardware probe failed in the kernel: ${failure}`);
    const line = output.split("\n").find((l) => l.startsWith(PROBE_MARKER));
    if (!line) throw new GatewayError("error", "The hardware probe printed no result.");
    const parsed = hardwareSchema.safeParse(JSON.parse(line.slice(PROBE_MARKER.length)));
    if (!parsed.success) throw new GatewayError("error", "The hardware probe's result has an unexpected shape.");
    return parsed.data;
  };
  try {
    return await Promise.race([run(), timeout]);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    if (error instanceof ServerConnection.ResponseError) {
      const status = error.response.status;
      if (status === 401) throw new GatewayError("auth_failed", "Authentication failed: the gateway rejected the token when starting a kernel.", status);
      // Gateways put their reason in the status text (e.g. "User 'root' is not authorized to start kernel").
      const reason = error.message || error.response.statusText || "no reason given";
      throw new GatewayError("error", `The gateway refused to start a probe kernel (${status}: ${reason}).`, status);
    }
    throw new GatewayError("error", `Could not run a probe kernel: ${(error as Error).message || String(error)}`);
  } finally {
    clearTimeout(timer);
    const cleanup = starting
      .then((kernel) => kernel.shutdown())
      .catch(() => undefined)
      .finally(() => manager.dispose());
    // A kernel that started is shut down before the probe reports; one still starting when the
    // timeout won (a pod being scheduled) is shut down whenever it comes up, in the background.
    if (started) await cleanup;
  }
}
