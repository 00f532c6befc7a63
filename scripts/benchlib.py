"""Shared by scripts/bench-vs-moto and scripts/bench-startup: find (or build)
the release binary, make a data directory with an account, start and stop
servers on free ports, describe the machine."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT_PASSWORD = "Bench-Root-Passw0rd!"


def say(msg: str) -> None:
    print(f"==> {msg}", file=sys.stderr, flush=True)


def release_binary() -> Path:
    """$KEYWARD_BIN, else the release build (built with --locked when missing or stale)."""
    if os.environ.get("KEYWARD_BIN"):
        return Path(os.environ["KEYWARD_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    say("cargo build --release --locked -p keyward")
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "keyward"], cwd=REPO, check=True)
    return target / "release" / "keyward"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_account(binary: Path, data_dir: Path) -> dict:
    """An account with an IAM user `admin` (AdministratorAccess) and its key."""
    data_dir.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(
        [str(binary), "account", "create", "--email", "bench@example.com", "--password-stdin",
         "--admin-user", "admin", "--output", "json", "--data-dir", str(data_dir)],
        input=ROOT_PASSWORD, capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def start_keyward(binary: Path, data_dir: Path, log: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """`keyward serve` on a free port; returns the process and its endpoint."""
    proc = subprocess.Popen(
        [str(binary), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), *extra],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    m = re.search(r"listening on (http://\S+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"keyward did not start: {line!r}; see {log}")
    return proc, m.group(1)


def start_moto(log: Path) -> tuple[subprocess.Popen, str]:
    moto = shutil.which("moto_server")
    if not moto:
        raise RuntimeError("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"moto_server did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def machine_state() -> dict:
    def read(path: str) -> str:
        try:
            return Path(path).read_text().strip()
        except OSError:
            return "?"
    cpu = next((l.split(":", 1)[1].strip() for l in read("/proc/cpuinfo").splitlines()
                if l.startswith("model name")), "?")
    others = subprocess.run(["bash", "-c", "pgrep -c -x 'rustc|cc1|cc1plus|ld|cargo' || true"],
                            capture_output=True, text=True).stdout.strip()
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                         capture_output=True, text=True).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": rev,
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "loadavg": read("/proc/loadavg").split(" ")[:3],
        "compilers_running": others,
    }


def describe_machine(state: dict) -> str:
    return (f"{state['date']}, commit {state['commit']}, {state['cpus']} CPUs ({state['cpu']}), "
            f"load average {' '.join(state['loadavg'])}, "
            f"{state['compilers_running']} compiler/linker processes of other builds running")
