# Studio hardware probe: run as code in a short-lived kernel on a compute host
# (or as `python3 hardware_probe.py`). Standard library only. Prints exactly one
# line:  STUDIO_PROBE_JSON:{...compact JSON...}
# Every value it cannot read is null; it never raises. Everything lives inside
# one function so executing it in a kernel leaves no names behind.


def _studio_hardware_probe():
    import json
    import math
    import os
    import platform
    import shutil
    import socket
    import subprocess
    import sys

    def safe(fn, default=None):
        try:
            return fn()
        except Exception:
            return default

    def read(path):
        with open(path) as f:
            return f.read().strip()

    def read_or_none(path, convert=str):
        try:
            return convert(read(path))
        except (OSError, ValueError):
            return None

    def cgroup_dirs():
        """This process's cgroup directories, innermost first (v2 and v1 layouts)."""
        dirs = []
        for line in read("/proc/self/cgroup").splitlines():
            _, controllers, rel = line.split(":", 2)
            for ctrl in controllers.split(",") if controllers else [""]:
                base = os.path.join("/sys/fs/cgroup", ctrl) if ctrl else "/sys/fs/cgroup"
                parts = [p for p in rel.split("/") if p]
                for i in range(len(parts), -1, -1):  # walk up to the root
                    dirs.append(os.path.join(base, *parts[:i]))
        return dirs

    def cgroup_cpu_limit():
        """CPU quota in CPUs (float) or None when unlimited/unknown."""
        limits = []
        for d in safe(cgroup_dirs, []):
            v2 = (read_or_none(os.path.join(d, "cpu.max")) or "").split()  # "max 100000" | "150000 100000"
            if len(v2) == 2 and v2[0] != "max":
                limits.append(int(v2[0]) / int(v2[1]))
            quota = read_or_none(os.path.join(d, "cpu.cfs_quota_us"), int)  # v1, -1 = none
            period = read_or_none(os.path.join(d, "cpu.cfs_period_us"), int)
            if quota and quota > 0 and period:
                limits.append(quota / period)
        return min(limits) if limits else None

    def cgroup_memory():
        """(limit_bytes, usage_bytes) of the tightest cgroup memory limit, or None."""
        best = None
        for d in safe(cgroup_dirs, []):
            for limit_file, usage_file in (("memory.max", "memory.current"),  # v2
                                           ("memory.limit_in_bytes", "memory.usage_in_bytes")):  # v1
                limit = read_or_none(os.path.join(d, limit_file), int)  # "max" -> None
                if limit and limit < 2**60 and (best is None or limit < best[0]):  # v1: huge = none
                    best = (limit, read_or_none(os.path.join(d, usage_file), int))
        return best

    def cpu_count():
        n = safe(lambda: len(os.sched_getaffinity(0))) or os.cpu_count()
        quota = safe(cgroup_cpu_limit)
        if quota:
            n = min(n, max(1, math.ceil(quota))) if n else max(1, math.ceil(quota))
        return n

    def cpu_model():
        text = safe(lambda: read("/proc/cpuinfo"), "")
        for key in ("model name", "Model", "Hardware", "cpu model", "Processor"):
            for line in text.splitlines():
                name, _, value = line.partition(":")
                if name.strip() == key and value.strip():
                    return value.strip()
        if sys.platform == "darwin":
            out = safe(lambda: subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True, text=True, timeout=5).stdout.strip())
            if out:
                return out
        return platform.processor() or None

    def memory():
        """(total_bytes, available_bytes)."""
        meminfo = {}
        for line in safe(lambda: read("/proc/meminfo").splitlines(), []):
            key, _, rest = line.partition(":")
            fields = rest.split()
            if fields and fields[0].isdigit():
                meminfo[key] = int(fields[0]) * 1024  # values are in kB
        total, available = meminfo.get("MemTotal"), meminfo.get("MemAvailable")
        if total is None:
            total = safe(lambda: os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        if available is None:
            available = safe(lambda: os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
        if sys.platform == "darwin":
            if total is None:
                total = safe(lambda: int(subprocess.run(
                    ["sysctl", "-n", "hw.memsize"], capture_output=True, text=True, timeout=5).stdout))
            if available is None:
                available = safe(macos_available)
        cgroup = safe(cgroup_memory)  # a container sees the host's /proc/meminfo
        if cgroup and (total is None or cgroup[0] < total):
            limit, usage = cgroup
            total = limit
            if usage is not None:  # usage includes page cache: a conservative estimate
                free_in_cgroup = max(0, limit - usage)
                available = free_in_cgroup if available is None else min(available, free_in_cgroup)
        return total, available

    def macos_available():
        out = subprocess.run(["vm_stat"], capture_output=True, text=True, timeout=5).stdout
        page = int(out.split("page size of")[1].split()[0])
        pages = {k.strip(): int(v.strip(" .")) for k, v in
                 (line.split(":", 1) for line in out.splitlines()[1:] if ":" in line)}
        return page * sum(pages.get(k, 0) for k in ("Pages free", "Pages inactive", "Pages speculative"))

    def number(text):
        """int or float from an nvidia-smi field; None for "[N/A]", "[Not Supported]"."""
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                pass
        return None

    def mib_to_bytes(text):
        value = number(text)
        return None if value is None else int(value * 1024 * 1024)

    def gpus():
        """(list of GPUs, error string or None) from nvidia-smi."""
        exe = shutil.which("nvidia-smi")
        if not exe:
            return [], None
        query = "index,name,uuid,memory.total,memory.used,utilization.gpu,temperature.gpu"
        try:
            proc = subprocess.run(
                [exe, "--query-gpu=" + query, "--format=csv,noheader,nounits"],
                capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            return [], "nvidia-smi timed out after 5 s"
        except Exception as exc:
            return [], "nvidia-smi could not run: %s" % exc
        if proc.returncode != 0:
            msg = (proc.stderr.strip() or proc.stdout.strip())[:500]
            return [], "nvidia-smi exited %d: %s" % (proc.returncode, msg)
        result = []
        for line in proc.stdout.splitlines():
            parts = [p.strip() for p in line.split(",")]
            if len(parts) < 7:
                continue
            # name is the only free-text field: take the others from both ends
            name = ",".join(parts[1:-5])
            uuid, mem_total, mem_used, util, temp = parts[-5:]
            result.append({
                "index": number(parts[0]),
                "name": name or None,
                "uuid": uuid or None,
                "memory_total_bytes": mib_to_bytes(mem_total),  # nounits: MiB
                "memory_used_bytes": mib_to_bytes(mem_used),
                "utilization_percent": number(util),
                "temperature_c": number(temp),
            })
        if not result and proc.stdout.strip():
            return [], "could not parse nvidia-smi output: %s" % proc.stdout.strip()[:200]
        return result, None

    def platform_name():  # e.g. "Linux-6.1.0-18-amd64-x86_64"
        return "-".join(p for p in (platform.system(), platform.release(), platform.machine()) if p) or None

    mem_total, mem_available = safe(memory, (None, None))
    gpu_list, gpu_error = safe(gpus, ([], "GPU probe failed"))
    info = {
        "cpu_count": safe(cpu_count),
        "cpu_model": safe(cpu_model),
        "memory_total_bytes": mem_total,
        "memory_available_bytes": mem_available,
        "platform": safe(platform_name),
        "python_version": safe(platform.python_version),
        "hostname": safe(socket.gethostname),
        "gpus": gpu_list,
        "gpu_error": gpu_error,
    }
    print("STUDIO_PROBE_JSON:" + json.dumps(info, separators=(",", ":")), flush=True)


try:
    _studio_hardware_probe()
except Exception as _exc:  # last resort (not expected): the studio still gets its line
    import json as _json

    print("STUDIO_PROBE_JSON:" + _json.dumps({"probe_error": str(_exc)}, separators=(",", ":")))
    del _json
finally:
    del _studio_hardware_probe
