"""kernels/probe/hardware_probe.py run as a subprocess, with fake nvidia-smi and cgroup files."""

import io
import json
import os
import platform
import stat
import subprocess
import sys
import textwrap
from contextlib import redirect_stdout

from kgtest import PROBE, PROBE_PREFIX, parse_probe_output

GPU_QUERY = "--query-gpu=index,name,uuid,memory.total,memory.used,utilization.gpu,temperature.gpu"
MIB = 1024 * 1024


def run_probe(env=None, code=None):
    """Run the probe (or `code`) with this interpreter; return (parsed JSON, stdout)."""
    args = [sys.executable, str(PROBE)] if code is None else [sys.executable, "-c", code]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return parse_probe_output(proc.stdout), proc.stdout


def env_with_fake_nvidia_smi(tmp_path, script_body):
    """PATH with a fake `nvidia-smi` (a shell script) in front."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "nvidia-smi"
    exe.write_text("#!/bin/sh\n" + textwrap.dedent(script_body))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    env = dict(os.environ)
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    return env


def env_without_nvidia_smi():
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        d for d in env.get("PATH", "").split(os.pathsep)
        if d and not os.path.exists(os.path.join(d, "nvidia-smi"))
    )
    return env


def test_probe_prints_one_compact_json_line_with_expected_types():
    info, stdout = run_probe(env_without_nvidia_smi())
    assert stdout.count("\n") == 1 and stdout.startswith(PROBE_PREFIX)
    assert stdout == PROBE_PREFIX + json.dumps(info, separators=(",", ":")) + "\n"  # compact
    assert set(info) == {
        "cpu_count", "cpu_model", "memory_total_bytes", "memory_available_bytes",
        "platform", "python_version", "hostname", "gpus", "gpu_error",
    }
    assert isinstance(info["cpu_count"], int) and info["cpu_count"] >= 1
    if hasattr(os, "sched_getaffinity"):
        assert info["cpu_count"] <= len(os.sched_getaffinity(0))
    assert info["cpu_model"] is None or isinstance(info["cpu_model"], str)
    assert isinstance(info["memory_total_bytes"], int) and info["memory_total_bytes"] > 0
    assert isinstance(info["memory_available_bytes"], int)
    assert 0 <= info["memory_available_bytes"] <= info["memory_total_bytes"]
    assert info["platform"].startswith(platform.system() + "-")
    assert info["platform"].endswith(platform.machine())
    assert info["python_version"] == platform.python_version()
    assert isinstance(info["hostname"], str) and info["hostname"]
    assert info["gpus"] == [] and info["gpu_error"] is None


def test_probe_under_exec_semantics_leaves_no_names_behind():
    # The studio sends the file's text as a cell: no __file__, no __main__ guard.
    namespace = {"__name__": "__not_main__"}
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(PROBE.read_text(), "<studio-probe>", "exec"), namespace)
    info = parse_probe_output(out.getvalue())
    assert isinstance(info["cpu_count"], int)
    assert set(namespace) == {"__name__", "__builtins__"}


def test_fake_nvidia_smi_two_gpus_are_parsed(tmp_path):
    # Exactly what the real nvidia-smi prints for this query with
    # --format=csv,noheader,nounits: ", "-separated, memory in MiB, no units.
    env = env_with_fake_nvidia_smi(tmp_path, f"""\
        if [ "$1" != "{GPU_QUERY}" ] || [ "$2" != "--format=csv,noheader,nounits" ]; then
            echo "unexpected arguments: $*" >&2; exit 2
        fi
        echo "0, NVIDIA A100-SXM4-80GB, GPU-3b5b2c3e-9d0a-6f1b-1c9e-2f7f5b8d1a01, 81920, 1234, 37, 41"
        echo "1, NVIDIA GeForce RTX 4090, GPU-9a8b7c6d-5e4f-3a2b-1c0d-ffeeddccbbaa, 24564, 0, [N/A], [Not Supported]"
    """)
    info, _ = run_probe(env)
    assert info["gpu_error"] is None
    assert info["gpus"] == [
        {
            "index": 0,
            "name": "NVIDIA A100-SXM4-80GB",
            "uuid": "GPU-3b5b2c3e-9d0a-6f1b-1c9e-2f7f5b8d1a01",
            "memory_total_bytes": 81920 * MIB,
            "memory_used_bytes": 1234 * MIB,
            "utilization_percent": 37,
            "temperature_c": 41,
        },
        {
            "index": 1,
            "name": "NVIDIA GeForce RTX 4090",
            "uuid": "GPU-9a8b7c6d-5e4f-3a2b-1c0d-ffeeddccbbaa",
            "memory_total_bytes": 24564 * MIB,
            "memory_used_bytes": 0,
            "utilization_percent": None,
            "temperature_c": None,
        },
    ]


def test_failing_nvidia_smi_reports_gpu_error(tmp_path):
    env = env_with_fake_nvidia_smi(tmp_path, """\
        echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2
        exit 9
    """)
    info, _ = run_probe(env)
    assert info["gpus"] == []
    assert info["gpu_error"].startswith("nvidia-smi exited 9: NVIDIA-SMI has failed")
    assert isinstance(info["cpu_count"], int)  # the rest of the probe still works


CGROUP_WRAPPER = """
import builtins, sys
ROOT = {root!r}
_open = builtins.open
def fake_open(path, *args, **kwargs):
    if isinstance(path, str) and path.startswith(("/proc/self/cgroup", "/proc/meminfo", "/sys/fs/cgroup")):
        path = ROOT + path
    return _open(path, *args, **kwargs)
builtins.open = fake_open
code = _open({probe!r}).read()
exec(compile(code, "<probe>", "exec"), {{"__name__": "probe"}})
"""


def write_tree(root, files):
    for rel, text in files.items():
        path = root / rel.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


MEMINFO = "MemTotal:       16384000 kB\nMemFree:         1000000 kB\nMemAvailable:   12000000 kB\n"


def test_cgroup_v2_cpu_quota_and_memory_limit(tmp_path):
    write_tree(tmp_path, {
        "/proc/self/cgroup": "0::/kubepods/pod1/ctr\n",
        "/proc/meminfo": MEMINFO,
        "/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max": "max 100000\n",
        "/sys/fs/cgroup/kubepods/pod1/cpu.max": "50000 100000\n",  # 0.5 CPU on a parent
        "/sys/fs/cgroup/kubepods/pod1/ctr/memory.max": str(2048 * MIB) + "\n",
        "/sys/fs/cgroup/kubepods/pod1/ctr/memory.current": str(512 * MIB) + "\n",
        "/sys/fs/cgroup/memory.max": "max\n",
    })
    info, _ = run_probe(env_without_nvidia_smi(),
                        CGROUP_WRAPPER.format(root=str(tmp_path), probe=str(PROBE)))
    assert info["cpu_count"] == 1
    assert info["memory_total_bytes"] == 2048 * MIB
    assert info["memory_available_bytes"] == 1536 * MIB


def test_cgroup_v1_cpu_quota_and_no_memory_limit(tmp_path):
    write_tree(tmp_path, {
        "/proc/self/cgroup": "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n",
        "/proc/meminfo": MEMINFO,
        # inside a container the controller's root is the container's own cgroup
        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "100000\n",
        "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",  # "unlimited"
        "/sys/fs/cgroup/memory/memory.usage_in_bytes": str(100 * MIB) + "\n",
    })
    info, _ = run_probe(env_without_nvidia_smi(),
                        CGROUP_WRAPPER.format(root=str(tmp_path), probe=str(PROBE)))
    assert info["cpu_count"] == 1
    assert info["memory_total_bytes"] == 16384000 * 1024
    assert info["memory_available_bytes"] == 12000000 * 1024


def test_probe_output_is_valid_json_with_nulls_when_files_are_missing(tmp_path):
    # No /proc/meminfo, no cgroup files: memory falls back to sysconf, nothing raises.
    write_tree(tmp_path, {"/proc/self/cgroup": "garbage\n"})
    info, _ = run_probe(env_without_nvidia_smi(),
                        CGROUP_WRAPPER.format(root=str(tmp_path), probe=str(PROBE)))
    assert isinstance(info["cpu_count"], int)
    if sys.platform.startswith("linux"):  # SC_PHYS_PAGES / SC_AVPHYS_PAGES exist
        assert info["memory_total_bytes"] > 0
    json.dumps(info)
