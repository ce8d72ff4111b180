#!/usr/bin/python3
"""Compare troupe-bench with Dask on the same small-task workloads.

Runs troupe's benchmark binary (``troupe-bench --json``) and the same workloads
on Debian's Dask/distributed (python3-distributed, 2022.12; install with
``tools/install-deps --bench``), then prints a table or one JSON object.

Workloads (Dask side):
  map_tasks_per_s           client.map(inc, range(N)) + client.gather, N = --map-n;
                            timed from submission to the last result.
  roundtrip_us_median/_p99  K sequential client.submit(inc, i, pure=False).result().
  tree_65536_s              binary tree reduction with dask.delayed: leaves
                            inc(i) for i < L, then pairwise add up to one root
                            (2L-1 tasks), computed on the distributed client;
                            timed from building the graph to the result. With
                            --tree-leaves L < 65536 the time is scaled linearly
                            to 65,536 leaves (reported as such).
  threaded_map_tasks_per_s  the map workload as N dask.delayed(inc) calls
                            computed with scheduler="threads" (2 threads).
  cluster_startup_s         LocalCluster(2 worker processes) until both connected
                            (troupe's proc_startup_s starts 4).
  transfer_gb_per_s         a 256 MiB bytes result made on one worker, used by a task
                            pinned to the other (workers=[...]): time of that task.
  recovery_s                2,000 tasks sleeping 5 ms on 2 workers; after 500 results
                            one worker process is killed (SIGKILL); time until all
                            results are back.

troupe's process figures (proc_*, transfer, recovery) run on worker processes
too (troupe's local_cluster with processes = true), so they compare like with
like with Dask's LocalCluster; troupe's map/round trip/tree figures are on its
in-process cluster.

The cluster is a LocalCluster(n_workers=2, threads_per_worker=1, processes=True),
i.e. Dask's normal distributed scheduler with worker processes.

Use /usr/bin/python3 (the shebang) so that Debian's dask is importable.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TROUPE = REPO_ROOT / "build" / "tools" / "bench" / "troupe-bench"
TREE_REF_LEAVES = 65536

# name, lower_is_better, unit
METRICS = [
    ("map_tasks_per_s", False, "tasks/s"),
    ("roundtrip_us_median", True, "us"),
    ("roundtrip_us_p99", True, "us"),
    ("tree_65536_s", True, "s"),
]
# troupe on worker processes against the same Dask figure:
# (row name, troupe key, dask key, lower_is_better, unit)
PROCESS_METRICS = [
    ("proc_map_tasks_per_s", "proc_map_tasks_per_s", "map_tasks_per_s", False, "tasks/s"),
    ("proc_roundtrip_us_median", "proc_roundtrip_us_median", "roundtrip_us_median", True, "us"),
    ("proc_startup_s", "proc_startup_s", "cluster_startup_s", True, "s"),
    ("transfer_gb_per_s", "transfer_gb_per_s", "transfer_gb_per_s", False, "GB/s"),
    ("recovery_s", "recovery_s", "recovery_s", True, "s"),
]


# Task functions: module level so worker processes can run them.
def inc(x):
    return x + 1


def add(x, y):
    return x + y


def blob(mib, seed):
    b = bytearray(mib << 20)
    b[::4096] = bytes((seed + i) % 256 for i in range(len(b[::4096])))
    return bytes(b)


def length(b):
    return len(b)


def sleepy_inc(x):
    time.sleep(0.005)
    return x + 1


class Deadline(Exception):
    pass


@contextmanager
def deadline(seconds, what):
    """Raise Deadline in the main thread if the block takes longer than seconds."""

    def on_alarm(signum, frame):
        raise Deadline(f"{what} took longer than {seconds:.0f} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def log(msg):
    print(f"dask_compare: {msg}", file=sys.stderr, flush=True)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


# --------------------------------------------------------------------------- troupe

def run_troupe(path, timeout):
    """Return (figures dict or None, note or None)."""
    path = Path(path)
    if not path.is_file() or not os.access(path, os.X_OK):
        return None, (f"troupe-bench not found at {path} (build it first, or pass "
                      f"--troupe PATH); showing Dask figures only")
    log(f"running {path} --json (timeout {timeout:.0f} s)")
    try:
        proc = subprocess.run([str(path), "--json"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"troupe-bench timed out after {timeout:.0f} s"
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        return None, (f"troupe-bench exited with {proc.returncode}: "
                      + " | ".join(tail))
    out = proc.stdout.strip()
    candidates = [out] + [l for l in reversed(out.splitlines()) if l.lstrip().startswith("{")]
    for text in candidates:
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj, None
    return None, "troupe-bench --json printed no JSON object: " + out[:200]


# --------------------------------------------------------------------------- dask

def tree_graph(delayed, leaves):
    level = [delayed(inc)(i) for i in range(leaves)]
    while len(level) > 1:
        nxt = [delayed(add)(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def run_dask(args):
    """Return (figures dict or None, notes list)."""
    notes = []
    try:
        import dask
        from dask import delayed
        import distributed
    except ImportError as e:
        return None, [f"Dask is not importable with {sys.executable} ({e}); install "
                      f"python3-distributed (tools/install-deps --bench) and run this "
                      f"script with /usr/bin/python3. Showing troupe figures only"]

    import logging
    res = {"dask_version": dask.__version__, "distributed_version": distributed.__version__}
    t = args.task_timeout
    N = args.map_n

    # Threaded scheduler first (no cluster processes competing for the 2 cores).
    if N > 0:
        log(f"threaded scheduler: map of {N} tasks")
        with deadline(t, "threaded map"):
            dask.compute(*[delayed(inc)(i) for i in range(min(N, 1000))],
                         scheduler="threads", num_workers=2)  # warm-up
            t0 = time.perf_counter()
            out = dask.compute(*[delayed(inc)(i) for i in range(N)],
                               scheduler="threads", num_workers=2)
            dt = time.perf_counter() - t0
        assert out[-1] == N
        res["threaded_map_tasks_per_s"] = N / dt

    log("starting LocalCluster(n_workers=2, threads_per_worker=1, processes=True)")
    with deadline(args.startup_timeout, "LocalCluster startup"):
        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
            death_timeout=args.startup_timeout)
        client = distributed.Client(cluster, timeout=args.startup_timeout)
        client.wait_for_workers(2, timeout=args.startup_timeout)
        res["cluster_startup_s"] = time.perf_counter() - t0
    try:
        with deadline(t, "warm-up"):
            warm = client.map(inc, range(-200, 0), pure=False)
            client.gather(warm)
            del warm

        if N > 0:
            log(f"distributed: client.map of {N} tasks")
            with deadline(t, "distributed map"):
                t0 = time.perf_counter()
                futs = client.map(inc, range(N))
                distributed.wait(futs, timeout=t)
                out = client.gather(futs)
                dt = time.perf_counter() - t0
            assert out[-1] == N
            del futs, out
            res["map_tasks_per_s"] = N / dt

        K = args.roundtrips
        if K > 0:
            log(f"distributed: {K} sequential submit().result() round trips")
            with deadline(t, "round trips"):
                for i in range(10):  # warm-up
                    client.submit(inc, i, pure=False).result(timeout=t)
                lat = []
                for i in range(K):
                    t0 = time.perf_counter()
                    r = client.submit(inc, i, pure=False).result(timeout=t)
                    lat.append((time.perf_counter() - t0) * 1e6)
                    assert r == i + 1
            res["roundtrip_us_median"] = statistics.median(lat)
            res["roundtrip_us_p99"] = percentile(lat, 99)

        L = args.tree_leaves
        if L > 0:
            log(f"distributed: tree reduction of {L} leaves ({2 * L - 1} tasks)")
            with deadline(t, "tree reduction"):
                t0 = time.perf_counter()
                root = tree_graph(delayed, L)
                t1 = time.perf_counter()
                total = client.compute(root).result(timeout=t)
                dt = time.perf_counter() - t0
            assert total == L * (L + 1) // 2, total
            res["tree_leaves"] = L
            res["tree_build_s"] = t1 - t0
            res["tree_s"] = dt
            res["tree_65536_s"] = dt * TREE_REF_LEAVES / L
            if L != TREE_REF_LEAVES:
                notes.append(f"Dask tree_65536_s is scaled linearly from {L} leaves "
                             f"({dt:.3f} s measured x {TREE_REF_LEAVES / L:g})")
        log("distributed: 256 MiB result moved worker to worker")
        with deadline(t, "transfer"):
            workers = sorted(client.scheduler_info()["workers"])
            x = client.submit(blob, 256, 1, workers=[workers[0]], pure=False)
            distributed.wait([x], timeout=t)
            t0 = time.perf_counter()
            n = client.submit(length, x, workers=[workers[1]], pure=False).result(timeout=t)
            dt = time.perf_counter() - t0
            assert n == 256 << 20
            res["transfer_gb_per_s"] = (256 << 20) / dt / 1e9
            del x

        log("distributed: SIGKILL one of 2 workers running 2,000 tasks of 5 ms")
        with deadline(t, "recovery"):
            pids = client.run(os.getpid)
            futs = client.map(sleepy_inc, range(2000), pure=False)
            done = 0
            for _ in distributed.as_completed(futs):
                done += 1
                if done == 500:
                    break
            t0 = time.perf_counter()
            os.kill(sorted(pids.values())[-1], signal.SIGKILL)
            out = client.gather(futs)
            res["recovery_s"] = time.perf_counter() - t0
            assert out == [i + 1 for i in range(2000)]
            del futs
    finally:
        try:
            with deadline(60, "cluster shutdown"):
                client.close(timeout=30)
                cluster.close(timeout=30)
        except Exception as e:  # a slow shutdown must not lose the figures
            notes.append(f"Dask cluster shutdown: {e}")
    return res, notes


# --------------------------------------------------------------------------- report

def ratio(troupe, dask, lower_is_better):
    """How many times better troupe is than Dask."""
    if troupe is None or dask is None or troupe <= 0 or dask <= 0:
        return None
    return dask / troupe if lower_is_better else troupe / dask


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.4f}"


def build_rows(troupe, dask):
    troupe = troupe or {}
    dask = dask or {}
    rows = []
    for name, lower, unit in METRICS:
        tv, dv = troupe.get(name), dask.get(name)
        rows.append((name, unit, tv, dv, ratio(tv, dv, lower)))
    for row, tk, dk, lower, unit in PROCESS_METRICS:
        tv, dv = troupe.get(tk), dask.get(dk)
        rows.append((row, unit, tv, dv, ratio(tv, dv, lower)))
    # troupe's map figure against Dask's threaded scheduler on the same workload
    tv, dv = troupe.get("map_tasks_per_s"), dask.get("threaded_map_tasks_per_s")
    rows.append(("map_tasks_per_s_vs_threaded", "tasks/s", tv, dv, ratio(tv, dv, False)))
    return rows


def print_table(rows, notes, args):
    head = ("metric", "unit", "troupe", "dask", "troupe better by")
    body = [(n, u, fmt(t), fmt(d), "-" if r is None else f"{r:.1f}x")
            for n, u, t, d, r in rows]
    widths = [max(len(str(r[i])) for r in [head] + body) for i in range(len(head))]
    # metric and unit left-aligned, figures right-aligned
    line = "{:<%d}  {:<%d}  " % (widths[0], widths[1]) + \
           "  ".join("{:>%d}" % w for w in widths[2:])
    print(line.format(*head))
    print(line.format(*("-" * w for w in widths)))
    for r in body:
        print(line.format(*r))
    print(f"(dask = distributed LocalCluster, 2 worker processes x 1 thread; "
          f"map N={args.map_n}, round trips K={args.roundtrips}, "
          f"tree leaves={args.tree_leaves}; times: lower is better)")
    for n in notes:
        print(f"note: {n}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--troupe", default=str(DEFAULT_TROUPE),
                    help="path to troupe-bench (default: %(default)s)")
    ap.add_argument("--map-n", type=int, default=20000,
                    help="tasks in the map workload (default %(default)s; Dask does ~1,000/s)")
    ap.add_argument("--roundtrips", type=int, default=500,
                    help="sequential submit/result round trips (default %(default)s)")
    ap.add_argument("--tree-leaves", type=int, default=TREE_REF_LEAVES,
                    help="leaves of the tree reduction (default %(default)s; smaller "
                         "values are scaled linearly to 65,536; 0 skips it)")
    ap.add_argument("--no-dask", action="store_true", help="only run troupe-bench")
    ap.add_argument("--json", action="store_true",
                    help="print the combined result as one JSON object")
    ap.add_argument("--troupe-timeout", type=float, default=900,
                    help="seconds allowed for troupe-bench (default %(default)s)")
    ap.add_argument("--startup-timeout", type=float, default=120,
                    help="seconds allowed for the Dask cluster to start (default %(default)s)")
    ap.add_argument("--task-timeout", type=float, default=900,
                    help="seconds allowed for each Dask workload (default %(default)s)")
    args = ap.parse_args()
    for name in ("map_n", "roundtrips", "tree_leaves"):
        if getattr(args, name) < 0:
            ap.error(f"--{name.replace('_', '-')} must be >= 0")

    troupe, note = run_troupe(args.troupe, args.troupe_timeout)
    notes = [note] if note else []

    dask_res = None
    if not args.no_dask:
        try:
            dask_res, dask_notes = run_dask(args)
            notes += dask_notes
        except Exception as e:
            notes.append(f"Dask benchmark failed: {type(e).__name__}: {e}")

    rows = build_rows(troupe, dask_res)
    if args.json:
        print(json.dumps({
            "troupe": troupe,
            "dask": dask_res,
            "troupe_better_by": {n: r for n, _, _, _, r in rows if r is not None},
            "params": {"map_n": args.map_n, "roundtrips": args.roundtrips,
                       "tree_leaves": args.tree_leaves, "troupe": args.troupe},
            "notes": notes,
        }, indent=2))
        for n in notes:
            log(n)
    else:
        print_table(rows, notes, args)
    # Missing troupe or missing Dask is not an error; having nothing at all is.
    return 0 if (troupe or dask_res) else 1


if __name__ == "__main__":
    sys.exit(main())
