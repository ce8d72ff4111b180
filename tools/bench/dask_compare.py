#!/usr/bin/python3
"""Compare troupe-bench with Dask on the same small-task and array workloads.

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

Array workloads (Dask side): dask.array on the threaded scheduler with 2 threads
(dask.config.set(scheduler="threads", num_workers=2)), each in a fresh process
(this script re-invoked with --array-worker) so that its peak memory is its own.
*_peak_mb is that process's peak RSS (VmHWM) in MB, absolute; *_baseline_mb
(in the JSON) is its RSS right after importing numpy and dask.array. MB here
are 2^20 bytes; GB in GB/s are 10^9 bytes.
  array_seed_s/_peak_mb     x = da.random.random((N, N), chunks=(1000, 1000));
                            y = x + x.T; y[::2, N/4:].mean(axis=1).compute(),
                            N = --seed-n (20,000); timed from building the graph
                            to the result. Another N scales the time by (20000/N)^2.
  array_bigger_than_memory_s/_peak_mb
                            da.random.random((N, N), chunks=(1000, 1000));
                            (x * x).mean(1).compute(), reported for N = 100,000
                            (80 GB, more than the machine's memory), at full size by
                            default; with --big-n N < 100,000 the time is scaled by
                            (100000/N)^2; the peak is as measured.
  elementwise_gb_per_s      a, b, c: float64 1-D arrays from da.random.random in
                            chunks of 1,000,000 elements, persisted (not timed);
                            da.store(a * b + c, out) into a preallocated, touched
                            numpy array; inputs + output = --elementwise-gb (8 GB,
                            2 GB each). GB/s = bytes of a, b, c and out / seconds,
                            best of 3 stores.
  kmeans_s                  k-means (k = 3) of 10,000,000 x 2 blobs (--kmeans-n) in
                            chunks of 1,000,000 rows, k-means|| initialisation then
                            Lloyd iterations to a centre shift < 1e-4 (see
                            kmeans_dask); timed from initialisation to the converged
                            centres, data generation excluded. Debian has no
                            dask-ml, so the algorithm is written here in dask.array
                            + numpy, the same one troupe's example runs.

troupe's process figures (proc_*, transfer, recovery) run on worker processes
too (troupe's local_cluster with processes = true), so they compare like with
like with Dask's LocalCluster; troupe's map/round trip/tree figures are on its
in-process cluster.

The cluster is a LocalCluster(n_workers=2, threads_per_worker=1, processes=True),
i.e. Dask's normal distributed scheduler with worker processes.

--no-troupe runs only Dask, --no-dask only troupe-bench; --array-only runs only
the array workloads (and passes --array-only to troupe-bench), --no-array skips
them.

Use /usr/bin/python3 (the shebang) so that Debian's dask is importable; the
array workloads also need python3-numpy, which python3-distributed does not
pull in.
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
SEED_REF_N = 20000  # array_seed_s is reported for a 20,000 x 20,000 array
BIG_REF_N = 100000  # array_bigger_than_memory_s is reported for 100,000 x 100,000
BIG_DEFAULT_N = 100000  # the full 80 GB (about 40 s in Dask here); --big-n 25000 is quicker
KMEANS_CENTRES = ((-5.0, -5.0), (0.0, 5.0), (5.0, -2.0))

# name, lower_is_better, unit
METRICS = [
    ("map_tasks_per_s", False, "tasks/s"),
    ("roundtrip_us_median", True, "us"),
    ("roundtrip_us_p99", True, "us"),
    ("tree_65536_s", True, "s"),
]
# dask.array workloads (same names in troupe-bench's JSON)
ARRAY_METRICS = [
    ("array_seed_s", True, "s"),
    ("array_seed_peak_mb", True, "MB"),
    ("array_bigger_than_memory_s", True, "s"),
    ("array_bigger_than_memory_peak_mb", True, "MB"),
    ("elementwise_gb_per_s", False, "GB/s"),
    ("kmeans_s", True, "s"),
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

def run_troupe(path, timeout, extra_args=()):
    """Return (figures dict or None, note or None)."""
    path = Path(path)
    if not path.is_file() or not os.access(path, os.X_OK):
        return None, (f"troupe-bench not found at {path} (build it first, or pass "
                      f"--troupe PATH); showing Dask figures only")
    cmd = [str(path), "--json", *extra_args]
    log(f"running {' '.join(cmd)} (timeout {timeout:.0f} s)")
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
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


# --------------------------------------------------------------------------- dask.array
# Each workload runs in a fresh process (this script with --array-worker NAME):
# ru_maxrss only ever grows, so a process shared by two workloads would report
# the larger of their peaks for both.

def rss_mb():
    """Current resident set size of this process in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    """Peak resident set size of this process since it was exec'd, in MB.

    VmHWM, not ru_maxrss: ru_maxrss keeps the high-water mark from before
    exec, i.e. the RSS of the parent this process was forked from."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def array_seed(n):
    import dask.array as da
    t0 = time.perf_counter()
    x = da.random.random((n, n), chunks=(1000, 1000))
    y = x + x.T
    z = y[::2, n // 4:].mean(axis=1).compute()
    dt = time.perf_counter() - t0
    assert z.shape == ((n + 1) // 2,) and abs(z.mean() - 1.0) < 0.05, z.mean()
    return {"seconds": dt, "n": n}


def array_big(n):
    import dask.array as da
    t0 = time.perf_counter()
    x = da.random.random((n, n), chunks=(1000, 1000))
    m = (x * x).mean(1).compute()
    dt = time.perf_counter() - t0
    assert m.shape == (n,) and abs(m.mean() - 1 / 3) < 0.01, m.mean()  # E[U^2] = 1/3
    return {"seconds": dt, "n": n}


def elementwise(gb, repetitions=3):
    import numpy as np
    import dask.array as da
    n = int(gb * 1e9 / 32)  # a, b, c and out: 4 arrays of 8-byte elements
    a, b, c = (da.random.random(n, chunks=1_000_000).persist() for _ in range(3))
    out = np.empty(n)
    out.fill(0.0)  # first touch outside the timing: page faults are not bandwidth
    best = float("inf")
    for _ in range(repetitions):
        t0 = time.perf_counter()
        # lock=False: the chunks write disjoint regions of out, and da.store's
        # default lock would serialise the two threads' writes.
        da.store(a * b + c, out, lock=False)
        best = min(best, time.perf_counter() - t0)
    i = n // 2
    probe = (a[i] * b[i] + c[i]).compute()
    assert out[i] == probe, (out[i], probe)
    return {"seconds": best, "n": n, "bytes": 32 * n, "gb_per_s": 32 * n / best / 1e9}


def centre_rows(labels, centres):
    return centres[labels]


def make_blobs(n, chunk=1_000_000):
    """n points around KMEANS_CENTRES: a centre drawn uniformly per point, plus
    N(0, 1) noise per feature."""
    import numpy as np
    import dask.array as da
    centres = np.array(KMEANS_CENTRES)
    k, d = centres.shape
    rs = da.random.RandomState(0)
    labels = rs.randint(0, k, size=n, chunks=chunk)
    noise = rs.standard_normal((n, d), chunks=(chunk, d))
    rows = labels.map_blocks(centre_rows, centres, new_axis=1, dtype=float,
                             chunks=(labels.chunks[0], (d,)))
    return (rows + noise).persist()


def nearest(points, centres):
    """Index of the nearest centre for each point (lowest index on a tie) and the
    squared distance to it. One pass per centre over contiguous feature columns
    with preallocated outputs: no (points x centres) temporary (k-means|| has ~30
    candidates, chunks 1,000,000 rows), and 4x faster than boolean indexing."""
    import numpy as np
    n, d = points.shape
    cols = [np.ascontiguousarray(points[:, f]) for f in range(d)]
    d2 = np.full(n, np.inf)
    label = np.zeros(n, dtype=np.int64)
    dj, t, closer = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
    for j, c in enumerate(centres):
        dj.fill(0.0)
        for f in range(d):
            np.subtract(cols[f], c[f], out=t)
            np.multiply(t, t, out=t)
            np.add(dj, t, out=dj)
        np.less(dj, d2, out=closer)
        np.copyto(d2, dj, where=closer)
        np.copyto(label, j, where=closer)
    return label, d2


def nearest_d2(points, centres):
    return nearest(points, centres)[1]


def cluster_sums(points, centres):
    """Per centre: the sum of the points nearest to it (one column per feature)
    and their count (last column)."""
    import numpy as np
    k, d = centres.shape
    label, _ = nearest(points, centres)
    out = np.empty((k, d + 1))
    for f in range(d):
        out[:, f] = np.bincount(label, weights=points[:, f], minlength=k)
    out[:, d] = np.bincount(label, minlength=k)
    return out


def reduce_cluster_sums(X, centres):
    """cluster_sums of every chunk of X (a task each), added up."""
    k, d = centres.shape
    nb = X.numblocks[0]
    parts = X.map_blocks(cluster_sums, centres, dtype=float, chunks=((k,) * nb, (d + 1,)))
    return parts.compute().reshape(nb, k, d + 1).sum(axis=0)


def weighted_lloyd(points, weights, centres, tol, max_iter):
    """Lloyd's iterations on a small weighted point set, in numpy."""
    import numpy as np
    for it in range(1, max_iter + 1):
        label, _ = nearest(points, centres)
        new = centres.copy()
        for j in range(len(centres)):
            w = weights[label == j]
            if w.sum() > 0:  # an empty cluster keeps its centre
                new[j] = (points[label == j] * w[:, None]).sum(axis=0) / w.sum()
        shift = np.sqrt(((new - centres) ** 2).sum(axis=1)).max()
        centres = new
        if shift < tol:
            break
    return centres, it


def kmeans_dask(X, k, rounds=5, tol=1e-4, max_iter=100, seed=0):
    """k-means|| initialisation (Bahmani et al. 2012) then Lloyd's iterations on
    the dask array X (rows are points). Returns the centres and a dict of
    iterations (Lloyd's), candidates (of k-means||) and init_s (its time)."""
    import numpy as np
    import dask.array as da
    t0 = time.perf_counter()
    rng = np.random.RandomState(seed)
    n = X.shape[0]
    i = rng.randint(n)
    cand = X[i:i + 1].compute()
    ell = 2 * k  # oversampling factor
    sampler = da.random.RandomState(seed + 1)
    for _ in range(rounds):
        d2 = X.map_blocks(nearest_d2, cand, drop_axis=1, dtype=float).persist()
        cost = float(d2.sum().compute())
        # u < ell * d2 / cost samples with probability min(1, ell * d2 / cost),
        # since u < 1; a point that is already a candidate has d2 = 0.
        u = sampler.random_sample(n, chunks=X.chunks[0])
        cand = np.vstack([cand, X[u < ell * d2 / cost].compute()])
        del d2
    # Weight each candidate by the points nearest to it, then reduce the ~30
    # candidates to k centres locally: weighted k-means++, weighted Lloyd.
    weights = reduce_cluster_sums(X, cand)[:, -1]
    chosen = [rng.choice(len(cand), p=weights / weights.sum())]
    for _ in range(1, k):
        p = weights * nearest_d2(cand, cand[chosen])
        chosen.append(rng.choice(len(cand), p=p / p.sum()))
    centres, _ = weighted_lloyd(cand, weights, cand[chosen], tol, 30)
    init_s = time.perf_counter() - t0

    for it in range(1, max_iter + 1):
        sums = reduce_cluster_sums(X, centres)
        counts = sums[:, -1:]
        new = np.where(counts > 0, sums[:, :-1] / np.maximum(counts, 1), centres)
        shift = np.sqrt(((new - centres) ** 2).sum(axis=1)).max()
        centres = new
        if shift < tol:
            break
    return centres, {"iterations": it, "candidates": len(cand), "init_s": init_s}


def kmeans(n):
    import numpy as np
    X = make_blobs(n)
    t0 = time.perf_counter()
    centres, info = kmeans_dask(X, k=len(KMEANS_CENTRES))
    dt = time.perf_counter() - t0
    centres = centres[np.lexsort(centres.T[::-1])]  # sorted by x: stable output
    log(f"kmeans: {dt:.2f} s ({info['init_s']:.2f} s k-means|| with "
        f"{info['candidates']} candidates, then {info['iterations']} Lloyd iterations), "
        f"centres {np.round(centres, 4).tolist()}")
    expected = np.array(sorted(KMEANS_CENTRES))
    assert np.abs(centres - expected).max() < 0.05, centres
    return {"seconds": dt, "n": n, "centres": centres.tolist(), **info}


def array_worker(args):
    """Run one array workload in this (fresh) process; print its figures as JSON."""
    import numpy  # noqa: F401  (imported for the baseline)
    import dask
    import dask.array  # noqa: F401
    baseline = rss_mb()
    dask.config.set(scheduler="threads", num_workers=2)
    name = args.array_worker
    if name == "seed":
        out = array_seed(args.seed_n)
    elif name == "big":
        out = array_big(args.big_n)
    elif name == "elementwise":
        out = elementwise(args.elementwise_gb)
    elif name == "kmeans":
        out = kmeans(args.kmeans_n)
    else:
        raise SystemExit(f"unknown --array-worker {name}")
    out.update(peak_mb=peak_rss_mb(), baseline_mb=baseline, dask_version=dask.__version__)
    print(json.dumps(out), flush=True)
    return 0


def run_array_worker(name, args):
    """Run one workload in a fresh process; return (figures or None, note or None)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--array-worker", name,
           "--seed-n", str(args.seed_n), "--big-n", str(args.big_n),
           "--elementwise-gb", str(args.elementwise_gb), "--kmeans-n", str(args.kmeans_n)]
    # numpy's BLAS must not add threads of its own to the 2 of the scheduler.
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    log(f"dask.array: {name} in a fresh process (timeout {args.task_timeout:.0f} s)")
    try:
        # A timeout here kills the process, which SIGALRM (deadline()) could not
        # do to a thread pool busy in numpy.
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=args.task_timeout, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"Dask array workload {name} took longer than {args.task_timeout:.0f} s"
    for line in proc.stderr.strip().splitlines():
        if "dask_compare:" in line:
            print(line, file=sys.stderr, flush=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return None, f"Dask array workload {name} failed: " + " | ".join(tail)
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def run_dask_arrays(args):
    """Return (figures dict, notes list) of the array workloads."""
    res, notes = {}, []

    def run(name):
        out, note = run_array_worker(name, args)
        if note:
            notes.append(note)
        elif "dask_version" not in res:
            res["dask_version"] = out["dask_version"]
        return out

    if args.seed_n > 0 and (out := run("seed")):
        scale = (SEED_REF_N / args.seed_n) ** 2
        res.update(array_seed_s=out["seconds"] * scale, array_seed_measured_s=out["seconds"],
                   array_seed_n=args.seed_n, array_seed_peak_mb=out["peak_mb"],
                   array_seed_baseline_mb=out["baseline_mb"])
        if args.seed_n != SEED_REF_N:
            notes.append(f"Dask array_seed_s is scaled from N = {args.seed_n} "
                         f"({out['seconds']:.3f} s x {scale:g}); its peak is as measured")
    if args.big_n > 0 and (out := run("big")):
        scale = (BIG_REF_N / args.big_n) ** 2
        res.update(array_bigger_than_memory_s=out["seconds"] * scale,
                   array_bigger_than_memory_measured_s=out["seconds"],
                   array_bigger_than_memory_n=args.big_n,
                   array_bigger_than_memory_peak_mb=out["peak_mb"],
                   array_bigger_than_memory_baseline_mb=out["baseline_mb"])
        if args.big_n != BIG_REF_N:
            notes.append(f"Dask array_bigger_than_memory_s is scaled from N = {args.big_n} "
                         f"({out['seconds']:.3f} s x {scale:g}; --full-big runs N = "
                         f"{BIG_REF_N}); its peak memory is as measured at N = {args.big_n}, "
                         f"where the data ({8 * args.big_n ** 2 / 1e9:g} GB) need not "
                         f"exceed memory")
    if args.elementwise_gb > 0 and (out := run("elementwise")):
        res.update(elementwise_gb_per_s=out["gb_per_s"], elementwise_s=out["seconds"],
                   elementwise_gb=out["bytes"] / 1e9, elementwise_peak_mb=out["peak_mb"],
                   elementwise_baseline_mb=out["baseline_mb"])
    if args.kmeans_n > 0 and (out := run("kmeans")):
        res.update(kmeans_s=out["seconds"], kmeans_n=args.kmeans_n,
                   kmeans_iterations=out["iterations"], kmeans_candidates=out["candidates"],
                   kmeans_init_s=out["init_s"],
                   kmeans_centres=out["centres"], kmeans_peak_mb=out["peak_mb"],
                   kmeans_baseline_mb=out["baseline_mb"])
        if args.kmeans_n != 10_000_000:
            notes.append(f"Dask kmeans_s is measured at {args.kmeans_n} samples, not "
                         f"10,000,000 (not scaled)")
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


def build_rows(troupe, dask, scheduler=True, array=True):
    """Table rows; scheduler: the task workloads, array: the dask.array ones."""
    troupe = troupe or {}
    dask = dask or {}
    rows = []
    for name, lower, unit in (METRICS if scheduler else []) + (ARRAY_METRICS if array else []):
        tv, dv = troupe.get(name), dask.get(name)
        rows.append((name, unit, tv, dv, ratio(tv, dv, lower)))
    if not scheduler:
        return rows
    for row, tk, dk, lower, unit in PROCESS_METRICS:
        tv, dv = troupe.get(tk), dask.get(dk)
        rows.append((row, unit, tv, dv, ratio(tv, dv, lower)))
    # troupe's map figure against Dask's threaded scheduler on the same workload
    tv, dv = troupe.get("map_tasks_per_s"), dask.get("threaded_map_tasks_per_s")
    rows.append(("map_tasks_per_s_vs_threaded", "tasks/s", tv, dv, ratio(tv, dv, False)))
    return rows


def print_table(rows, notes, args, troupe_bandwidth=None):
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
    if not args.array_only:
        print(f"(dask = distributed LocalCluster, 2 worker processes x 1 thread; "
              f"map N={args.map_n}, round trips K={args.roundtrips}, "
              f"tree leaves={args.tree_leaves}; times: lower is better)")
    if not args.no_array:
        print(f"(dask arrays = threaded scheduler, 2 threads, a fresh process each; "
              f"seed N={args.seed_n}, bigger-than-memory N={args.big_n}, "
              f"elementwise {args.elementwise_gb:g} GB, kmeans {args.kmeans_n:,} samples; "
              f"peak_mb = peak RSS of that process)")
    if troupe_bandwidth is not None:
        print(f"(machine memory bandwidth measured by troupe-bench: "
              f"{troupe_bandwidth:.2f} GB/s; compare elementwise_gb_per_s with it)")
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
    ap.add_argument("--no-troupe", action="store_true", help="only run the Dask workloads")
    ap.add_argument("--no-array", action="store_true",
                    help="skip the array workloads (array_*, elementwise, kmeans)")
    ap.add_argument("--array-only", action="store_true",
                    help="only the array workloads (passed on to troupe-bench)")
    ap.add_argument("--seed-n", type=int, default=SEED_REF_N,
                    help="side of the array_seed array (default %(default)s; other "
                         "values scale the time by (20000/N)^2; 0 skips it)")
    ap.add_argument("--big-n", type=int, default=None,
                    help=f"side of the bigger-than-memory array on the Dask side (default "
                         f"{BIG_DEFAULT_N}, or {BIG_REF_N} with --full-big; the time is "
                         f"scaled by (100000/N)^2; 0 skips it)")
    ap.add_argument("--full-big", action="store_true",
                    help=f"run the bigger-than-memory workload at N = {BIG_REF_N} (80 GB)")
    ap.add_argument("--elementwise-gb", type=float, default=8.0,
                    help="GB of a, b, c and the output together (default %(default)s; "
                         "0 skips it)")
    ap.add_argument("--kmeans-n", type=int, default=10_000_000,
                    help="k-means samples (default %(default)s; 0 skips it)")
    ap.add_argument("--array-worker", help=argparse.SUPPRESS)  # internal: one workload
    ap.add_argument("--json", action="store_true",
                    help="print the combined result as one JSON object")
    ap.add_argument("--troupe-timeout", type=float, default=900,
                    help="seconds allowed for troupe-bench (default %(default)s)")
    ap.add_argument("--startup-timeout", type=float, default=120,
                    help="seconds allowed for the Dask cluster to start (default %(default)s)")
    ap.add_argument("--task-timeout", type=float, default=900,
                    help="seconds allowed for each Dask workload (default %(default)s)")
    args = ap.parse_args()
    if args.big_n is None:
        args.big_n = BIG_REF_N if args.full_big else BIG_DEFAULT_N
    for name in ("map_n", "roundtrips", "tree_leaves", "seed_n", "big_n", "kmeans_n",
                 "elementwise_gb"):
        if getattr(args, name) < 0:
            ap.error(f"--{name.replace('_', '-')} must be >= 0")
    if args.array_only and args.no_array:
        ap.error("--array-only and --no-array exclude each other")
    if args.array_worker:
        return array_worker(args)

    troupe, notes = None, []
    if not args.no_troupe:
        troupe, note = run_troupe(args.troupe, args.troupe_timeout,
                                  ["--array-only"] if args.array_only
                                  else ["--no-array"] if args.no_array else [])
        notes += [note] if note else []

    dask_res = None
    if not args.no_dask and not args.array_only:
        try:
            dask_res, dask_notes = run_dask(args)
            notes += dask_notes
        except Exception as e:
            notes.append(f"Dask benchmark failed: {type(e).__name__}: {e}")
    if not args.no_dask and not args.no_array:
        # after the distributed cluster has gone: these need the memory
        array_res, array_notes = run_dask_arrays(args)
        notes += array_notes
        if array_res:
            dask_res = {**(dask_res or {}), **array_res}

    rows = build_rows(troupe, dask_res, scheduler=not args.array_only, array=not args.no_array)
    if args.json:
        print(json.dumps({
            "troupe": troupe,
            "dask": dask_res,
            "troupe_better_by": {n: r for n, _, _, _, r in rows if r is not None},
            "params": {"map_n": args.map_n, "roundtrips": args.roundtrips,
                       "tree_leaves": args.tree_leaves, "troupe": args.troupe,
                       "array": not args.no_array, "array_only": args.array_only,
                       "seed_n": args.seed_n, "big_n": args.big_n,
                       "elementwise_gb": args.elementwise_gb, "kmeans_n": args.kmeans_n},
            "notes": notes,
        }, indent=2))
        for n in notes:
            log(n)
    else:
        print_table(rows, notes, args, (troupe or {}).get("memory_bandwidth_gb_per_s"))
    # Missing troupe or missing Dask is not an error; having nothing at all is.
    return 0 if (troupe or dask_res) else 1


if __name__ == "__main__":
    sys.exit(main())
