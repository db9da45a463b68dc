import "server-only";
import { KernelAPI, KernelConnection, type KernelMessage } from "@jupyterlab/services";
import { describeNetworkError, serverSettings } from "@/server/hosts/gateway-client";
import { gatewayTargetOf } from "@/server/hosts/probe-host";
import { kernelEnv } from "@/server/hosts/studio-url";

// Work the worker hands to a compute host as a kernel that runs one SDK function (training jobs'
// `studio._runner.run_job`, ONNX exports' `studio.onnx_export.run_for_studio`): the kernel is
// started with the studio's address and a scoped token, and the function does the rest over HTTP.

const KERNEL_USERNAME = "studio";
const START_TIMEOUT_MS = 120_000;

export interface TaskHost {
  name: string;
  url: string;
  tokenCiphertext: string | null;
  defaultKernel: string | null;
}

/** The code executed in the kernel: gateways hand only KERNEL_* variables to kernels, so they are adopted first. */
export function sdkBootstrap(module: string, fn: string): string {
  return [
    "import os as _os",
    "for _k, _v in list(_os.environ.items()):",
    "    if _k.startswith('KERNEL_STUDIO_'):",
    "        _os.environ[_k[len('KERNEL_'):]] = _v",
    `from ${module} import ${fn} as _studio_task`,
    "_studio_task()",
  ].join("\n");
}

/**
 * Starts a kernel on `host` with `variables` (STUDIO_URL, STUDIO_TOKEN, …) in its environment.
 * Throws an Error whose message says in a sentence why not (refused, DNS, no answer in 120 s, …).
 */
export async function startTaskKernel(host: TaskHost, kernelName: string | null, variables: Record<string, string>): Promise<KernelAPI.IModel> {
  const settings = serverSettings(gatewayTargetOf(host));
  const name = kernelName ?? host.defaultKernel ?? "python3";
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      KernelAPI.startNew({ name, env: { ...kernelEnv(variables), KERNEL_USERNAME } } as KernelAPI.IKernelOptions, settings),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the host did not start a kernel within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    const network = error instanceof Error && /fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(`${error.message} ${String((error as { cause?: unknown }).cause)}`);
    throw new Error(`could not start a "${name}" kernel: ${network ? describeNetworkError(host.url, error).message : (error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export interface TaskOutcome {
  /** The Python exception that ended the code, if one did. */
  error: { ename: string; evalue: string } | null;
  /** The last lines the code printed (stdout and stderr), for a reason or the worker's log. */
  output: string;
}

/** Why a task failed, in a sentence; a host without the studio SDK gets the fix. */
export function taskFailure(host: { name: string }, what: string, error: { ename: string; evalue: string }): string {
  if (error.ename === "ModuleNotFoundError" && /studio/.test(error.evalue)) {
    return `The studio SDK is not installed on host ${host.name} (${error.evalue}). Install it there: pip install kernels/sdk (see kernels/README.md).`;
  }
  return `${what} failed on host ${host.name}: ${error.ename}: ${error.evalue}`;
}

/**
 * Executes `code` in the kernel. `done` resolves when the code ends (with the exception it raised,
 * if any) and rejects when the kernel dies or restarts first; `dispose` lets go of the connection.
 */
export function runInKernel(host: TaskHost, model: KernelAPI.IModel, code: string): { done: Promise<TaskOutcome>; dispose(): void } {
  const connection = new KernelConnection({ model, serverSettings: serverSettings(gatewayTargetOf(host)), handleComms: false });
  let error: TaskOutcome["error"] = null;
  let output = "";
  const future = connection.requestExecute({ code, silent: false, store_history: false, allow_stdin: false, stop_on_error: true });
  future.onIOPub = (message) => {
    if (message.header.msg_type === "error") {
      const content = (message as KernelMessage.IErrorMsg).content;
      error = { ename: content.ename, evalue: content.evalue };
    } else if (message.header.msg_type === "stream") {
      output = (output + (message as KernelMessage.IStreamMsg).content.text).slice(-16_000);
    }
  };
  const done = future.done.then((reply) => {
    if (reply.content.status === "error" && !error) {
      const content = reply.content as KernelMessage.IReplyErrorContent;
      error = { ename: content.ename, evalue: content.evalue };
    }
    return { error, output };
  });
  return {
    done,
    dispose: () => {
      if (!connection.isDisposed) connection.dispose();
    },
  };
}

/** Shuts a task's kernel down (best effort: a host that is gone has nothing left to shut). */
export async function shutdownTaskKernel(host: TaskHost, kernelId: string): Promise<void> {
  await KernelAPI.shutdownKernel(kernelId, serverSettings(gatewayTargetOf(host))).catch(() => undefined);
}
