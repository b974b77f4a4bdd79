#!/usr/bin/env python3
"""footprint_bench: what each process costs to start and to keep, beside redis-server measured the
same way in the same run (the reference), and what the survey service holds after a large import.

- Cold start: from exec to the first accepted TCP connection on its port (migrations, the
  database, the server built), polled every millisecond, on a fresh data directory each run.
- Idle RSS: VmRSS one second after it accepts connections.
- The survey service: RSS fresh, right after `sokei survey demo --respondents N` (N respondents
  of 77 questions imported through the running services), and two seconds after a second import
  as large (what it holds should not grow with the number of imports).
Medians of RUNS runs; the machine's core count printed.
usage: bench/footprint_bench.py BUILD_DIR [RUNS] [RESPONDENTS]   (or --runs=N --respondents=N)
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mib(pid, field="VmRSS"):
    """VmRSS (all resident memory), RssAnon (the heap and stacks) or RssFile (mapped files: the
    binary, its libraries, SQLite's memory-mapped database pages), in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_parts(pid):
    return rss_mib(pid), rss_mib(pid, "RssAnon"), rss_mib(pid, "RssFile")


def wait_accepting(port, proc, limit=20.0):
    """Returns once the port accepts a connection (polled every ms); raises if it never does."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"the process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                return
        except OSError:
            time.sleep(0.001)
    raise RuntimeError(f"port {port} did not open")


def start(argv, env, port, log):
    """The process, and the milliseconds from its exec to its first accepted connection."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_accepting(port, proc)
    return proc, (time.perf_counter() - t0) * 1000


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def service_env(work):
    env = dict(os.environ)
    env.update({"SOKEI_DATA_DIR": work, "SOKEI_AUTH_MODE": "dev", "SOKEI_THREADS": "2"})
    for k in ("SOKEI_REDIS_ADDR", "SOKEI_DATABASE_URL"):
        env.pop(k, None)
    return env


def one_run(build):
    """{row: (start_ms, rss_mib)} for the reference and each process, each on a fresh directory."""
    out = {}
    rows = [
        ("redis-server (reference)", None),
        ("sokei-plan", "services/plan/sokei-plan"),
        ("sokei-kpi", "services/kpi/sokei-kpi"),
        ("sokei-survey", "services/survey/sokei-survey"),
        ("sokei-gateway", "gateway/sokei-gateway"),
    ]
    for label, binary in rows:
        work = tempfile.mkdtemp(prefix="sokei-footprint-")
        port = free_port()
        env = service_env(work)
        if binary is None:
            argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no"]
        else:
            argv = [os.path.join(build, binary)]
            if "gateway" in binary:
                env.update({"SOKEI_GATEWAY_DEV": "1", "SOKEI_GATEWAY_THREADS": "2",
                            "SOKEI_GATEWAY_HTTP_ADDR": f"127.0.0.1:{port}",
                            "SOKEI_GATEWAY_OPS_ADDR": f"127.0.0.1:{free_port()}",
                            "SOKEI_GATEWAY_GRPC_ADDR": f"127.0.0.1:{free_port()}"})
                for s in ("PLAN", "KPI", "SURVEY"):
                    env[f"SOKEI_{s}_ADDR"] = f"127.0.0.1:{free_port()}"
            else:
                name = binary.split("/")[1].upper()
                env[f"SOKEI_{name}_ADDR"] = f"127.0.0.1:{port}"
        with open(os.path.join(work, "log"), "w") as log:
            proc, ms = start(argv, env, port, log)
            time.sleep(1.0)
            rss = rss_mib(proc.pid)
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)
        out[label] = (ms, rss)
    return out


def survey_run(build, respondents):
    """The survey service's RSS fresh, right after an import of `respondents`, 2 s after a second
    one; the first import's wall time."""
    work = tempfile.mkdtemp(prefix="sokei-footprint-survey-")
    env = service_env(work)
    ports = {s: free_port() for s in ("PLAN", "KPI", "SURVEY")}
    for s, p in ports.items():
        env[f"SOKEI_{s}_ADDR"] = f"127.0.0.1:{p}"
    procs = []
    try:
        with open(os.path.join(work, "log"), "w") as log:
            for s, binary in (("PLAN", "services/plan/sokei-plan"), ("KPI", "services/kpi/sokei-kpi"),
                              ("SURVEY", "services/survey/sokei-survey")):
                proc, _ = start([os.path.join(build, binary)], env, ports[s], log)
                procs.append(proc)
            survey = procs[-1]
            time.sleep(1.0)
            fresh = rss_parts(survey.pid)
            def load(survey_id):
                t0 = time.perf_counter()
                subprocess.run([os.path.join(build, "tools/sokei"), "survey", "demo", "--year",
                                "2024", "--respondents", str(respondents), "--id", survey_id],
                               env=env, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                return time.perf_counter() - t0
            import_s = load("footprint-a")
            after = rss_parts(survey.pid)
            load("footprint-b")  # a second survey as large: does what is held grow with imports?
            time.sleep(2.0)
            later = rss_parts(survey.pid)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)
    return fresh, after, later, import_s


def main():
    build = sys.argv[1]
    runs, respondents = 3, 50000
    positional = []
    for a in sys.argv[2:]:  # RUNS RESPONDENTS, or --runs=N --respondents=N (others ignored)
        if a.startswith("--runs="):
            runs = int(a.split("=", 1)[1])
        elif a.startswith("--respondents="):
            respondents = int(a.split("=", 1)[1])
        elif a.isdigit():
            positional.append(int(a))
    if positional:
        runs = positional[0]
    if len(positional) > 1:
        respondents = positional[1]
    results = [one_run(build) for _ in range(runs)]
    surveys = [survey_run(build, respondents) for _ in range(runs)]
    print(f"\nfootprint_bench: {os.cpu_count()} cores; medians of {runs} runs; "
          "fresh data directory each start")
    print(f"  {'process':<28} {'cold start ms':>14} {'vs ref':>8} {'idle RSS MiB':>13} {'vs ref':>8}")
    ref_ms = statistics.median(r["redis-server (reference)"][0] for r in results)
    ref_rss = statistics.median(r["redis-server (reference)"][1] for r in results)
    for label in results[0]:
        ms = statistics.median(r[label][0] for r in results)
        rss = statistics.median(r[label][1] for r in results)
        print(f"  {label:<28} {ms:>14.1f} {ms / ref_ms:>7.1f}× {rss:>13.1f} {rss / ref_rss:>7.1f}×")
    secs = statistics.median(s[3] for s in surveys)
    print(f"\n  sokei-survey around an import of {respondents:,} respondents × 77 questions "
          f"through the services ({secs:.1f} s, {respondents / secs:,.0f} respondents/s end to end):")
    print(f"    {'MiB':<34} {'fresh':>8} {'1st import':>11} {'2nd import':>11} {'held':>8}")
    for i, what in enumerate(("RSS", "  of which anonymous (heap)",
                              "  of which mapped files (SQLite)")):
        fresh = statistics.median(s[0][i] for s in surveys)
        after = statistics.median(s[1][i] for s in surveys)
        later = statistics.median(s[2][i] for s in surveys)
        print(f"    {what:<34} {fresh:>8.1f} {after:>11.1f} {later:>11.1f} {later - fresh:>+8.1f}")


if __name__ == "__main__":
    main()
