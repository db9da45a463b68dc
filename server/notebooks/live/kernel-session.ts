import "server-only";
import { KernelAPI, KernelConnection, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { describeNetworkError, serverSettings, type GatewayTarget } from "@/server/hosts/gateway-client";
import type { KernelStatus } from "@/lib/notebook-live-protocol";

// One kernel on one host, held by the studio server through @jupyterlab/services. It reports what
// happens to the kernel in words a person can act on; the notebook session decides what to do.

// Enterprise Gateway refuses kernels without KERNEL_USERNAME when it runs as root; Kernel Gateway
// passes KERNEL_* variables through to the kernel.
const KERNEL_USERNAME = "studio";
const START_TIMEOUT_MS = 120_000;
export const KERNEL_DIED = "The kernel died (out of memory, a crash, or exit()) and its host restarted it: variables and imports are gone. Run your cells again.";

export interface KernelEvents {
  status(status: KernelStatus, message: string | null): void;
  iopub(message: KernelMessage.IIOPubMessage): void;
}

/** Turns a failure to reach or use a gateway into a sentence for the notebook's banner. */
export function describeKernelError(target: GatewayTarget, error: unknown): { status: KernelStatus; message: string } {
  if (error instanceof ServerConnection.ResponseError) {
    const status = error.response.status;
    if (status === 401 || status === 403) {
      return { status: "unreachable", message: `The host refused the studio (${status}): its gateway token changed. An admin can update it on the Compute hosts page.` };
    }
    return { status: "dead", message: `The host could not start the kernel (${status}: ${error.message || error.response.statusText}).` };
  }
  if (error instanceof ServerConnection.NetworkError || error instanceof TypeError) {
    return { status: "unreachable", message: `${describeNetworkError(target.url, (error as { cause?: unknown }).cause ?? error).message} Your notebook is saved; run again once the host is back, or pick another host.` };
  }
  return { status: "dead", message: `The kernel could not be used: ${(error as Error)?.message ?? String(error)}` };
}

export class KernelSession {
  private connection: Kernel.IKernelConnection | null = null;
  private readonly settings: ServerConnection.ISettings;
  private lastStatus: KernelStatus = "none";
  private checkingGone = false;
  /** True while the studio itself (re)starts the kernel: a "starting" status then is expected. */
  private expectingStart = false;

  constructor(
    private readonly target: GatewayTarget,
    readonly kernelName: string,
    private readonly events: KernelEvents,
  ) {
    this.settings = serverSettings(target);
  }

  get id(): string | null {
    return this.connection?.id ?? null;
  }

  get kernel(): Kernel.IKernelConnection {
    if (!this.connection || this.connection.isDisposed) throw new Error("No kernel is running.");
    return this.connection;
  }

  get alive(): boolean {
    return Boolean(this.connection && !this.connection.isDisposed && this.lastStatus !== "dead" && this.lastStatus !== "culled");
  }

  /** Starts a new kernel on the host; `env` (KERNEL_* names) goes into the kernel's environment. */
  async start(env: Record<string, string> = {}): Promise<void> {
    this.report("starting", null);
    let timer: NodeJS.Timeout | undefined;
    try {
      const model = await Promise.race([
        KernelAPI.startNew({ name: this.kernelName, env: { ...env, KERNEL_USERNAME } } as KernelAPI.IKernelOptions, this.settings),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the host did not start a kernel within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        }),
      ]);
      this.attach(model);
    } catch (error) {
      const { status, message } = describeKernelError(this.target, error);
      this.report(status, message);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reattaches to a kernel started earlier (e.g. before the studio restarted); false if it is gone. */
  async connect(kernelId: string): Promise<boolean> {
    const model = await KernelAPI.getKernelModel(kernelId, this.settings).catch(() => undefined);
    if (!model) return false;
    this.attach(model);
    return true;
  }

  private attach(model: KernelAPI.IModel): void {
    const kernel = new KernelConnection({ model, serverSettings: this.settings, handleComms: false });
    this.connection = kernel;
    kernel.statusChanged.connect((_, status) => {
      if (kernel !== this.connection) return;
      switch (status) {
        case "starting":
          // Not asked for: the kernel process died and its host started a new one.
          if (!this.expectingStart && (this.lastStatus === "idle" || this.lastStatus === "busy")) {
            this.report("restarting", KERNEL_DIED);
            break;
          }
          this.report(status, null);
          break;
        case "idle":
        case "busy":
        case "restarting":
          this.report(status, null);
          break;
        case "autorestarting":
          this.report("restarting", KERNEL_DIED);
          break;
        case "dead":
          this.report("dead", "The kernel died. Restart it to go on; your notebook is saved.");
          break;
        default:
          break;
      }
    });
    kernel.connectionStatusChanged.connect((_, connection) => {
      if (kernel !== this.connection) return;
      if (connection === "connecting") {
        this.report("disconnected", "Lost the connection to the host; reconnecting…");
        void this.checkGone(kernel, { reconnect: false });
      } else if (connection === "connected") {
        // Back: the status it had may not change (no event), so say it again.
        const status = kernel.status;
        this.report(status === "busy" || status === "starting" || status === "restarting" ? status : "idle", null);
      } else if (!kernel.isDisposed && this.lastStatus !== "dead") {
        void this.checkGone(kernel, { reconnect: true });
      }
    });
    kernel.iopubMessage.connect((_, message) => {
      if (kernel === this.connection) this.events.iopub(message);
    });
    // A kernel the host shuts down (culling, an admin) does not always close its socket: ask.
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = setInterval(() => {
      if (kernel !== this.connection || kernel.isDisposed) {
        if (this.watchTimer) clearInterval(this.watchTimer);
        return;
      }
      void this.checkGone(kernel, { reconnect: false });
    }, KernelSession.watchEveryMs);
    this.watchTimer.unref();
  }

  /** How often a kernel's existence is checked on its host (JupyterLab polls every 10 s too). */
  static watchEveryMs = 10_000;
  private watchTimer: NodeJS.Timeout | null = null;

  /**
   * Is the kernel still on its host? Gone (culled or killed) ends the session with a banner; a
   * host that does not answer is reported while `reconnect` keeps trying every 5 s.
   */
  private async checkGone(kernel: Kernel.IKernelConnection, { reconnect }: { reconnect: boolean }): Promise<void> {
    if (this.checkingGone) return;
    this.checkingGone = true;
    let model: KernelAPI.IModel | undefined;
    try {
      model = await KernelAPI.getKernelModel(kernel.id, this.settings);
    } catch (error) {
      if (reconnect && kernel === this.connection && !kernel.isDisposed) {
        this.report("disconnected", describeKernelError(this.target, error).message);
        setTimeout(() => void this.checkGone(kernel, { reconnect: true }), 5_000).unref();
      }
      return;
    } finally {
      this.checkingGone = false;
    }
    if (kernel !== this.connection || kernel.isDisposed) return;
    if (!model || model.execution_state === "dead") {
      const wasIdle = this.lastStatus === "idle" || this.lastStatus === "disconnected";
      kernel.dispose();
      this.report(
        wasIdle && !model ? "culled" : "dead",
        wasIdle && !model
          ? "The host shut this kernel down after it sat idle (culling). Start a new kernel to go on; your notebook is saved."
          : "The kernel is gone from its host. Start a new kernel to go on; your notebook is saved.",
      );
      return;
    }
    if (reconnect && kernel.connectionStatus === "disconnected") await kernel.reconnect().catch(() => undefined);
  }

  private report(status: KernelStatus, message: string | null): void {
    this.lastStatus = status;
    this.events.status(status, message);
  }

  async interrupt(): Promise<void> {
    await this.kernel.interrupt();
  }

  async restart(): Promise<void> {
    this.report("restarting", null);
    this.expectingStart = true;
    try {
      await this.kernel.restart();
    } finally {
      this.expectingStart = false;
    }
  }

  /** Shuts the kernel down on its host. */
  async shutdown(): Promise<void> {
    const kernel = this.connection;
    this.connection = null;
    if (this.watchTimer) clearInterval(this.watchTimer);
    if (!kernel) return;
    try {
      await kernel.shutdown();
    } finally {
      kernel.dispose();
      this.report("none", null);
    }
  }

  /** Lets go of the kernel without stopping it (it keeps running on its host). */
  detach(): void {
    const kernel = this.connection;
    this.connection = null;
    if (this.watchTimer) clearInterval(this.watchTimer);
    kernel?.dispose();
  }
}
