# The CPython side of the lab. The lab sends this file on stdin, after the interpreter's
# prelude and a workload, and ends it with one call whose result is printed as JSON.
# Every helper times the same thing the Rust side times, with time.perf_counter().

import json
import multiprocessing
import sys
import threading
import time

def _warm_up(seconds):
    """Spins for `seconds` before anything is timed: the first runs in a fresh process are
    slower (the CPU clock ramps up, caches are cold), by up to a third on a small VM."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        pass


def _target(name, args, results, index):
    def run():
        results[index] = globals()[name](*args)
    return run


def threads(jobs, interval=None, background=()):
    """Runs each job in a thread of its own, beside `background` functions that loop while
    the global `running` is true; returns the wall time of the jobs."""
    if interval is not None:
        sys.setswitchinterval(interval)
    globals()["running"] = True
    helpers = [threading.Thread(target=globals()[name]) for name in background]
    for helper in helpers:
        helper.start()
    results = [None] * len(jobs)
    workers = [
        threading.Thread(target=_target(name, args, results, i))
        for i, (name, args) in enumerate(jobs)
    ]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - start
    globals()["running"] = False
    for helper in helpers:
        helper.join()
    sys.setswitchinterval(0.005)
    return {"seconds": seconds, "results": results, "counter": globals().get("counter")}


def _median(values):
    return sorted(values)[len(values) // 2]


def paired(one, two, repeats, background_two=()):
    """Times `threads(one)` and `threads(two, background=background_two)` in turns, after a
    warm-up; returns the median of each and the median of the turns' ratios two / one."""
    def first():
        return threads(one)["seconds"]

    def second():
        return threads(two, background=background_two)["seconds"]

    start = time.perf_counter()
    while True:  # warm up for half a second, as the lab does on its side
        first()
        second()
        if time.perf_counter() - start >= 0.5:
            break
    ones, twos = [], []
    for _ in range(repeats):
        ones.append(first())
        twos.append(second())
    ratios = [b / a for a, b in zip(ones, twos)]
    return {"one": _median(ones), "two": _median(twos), "ratio": _median(ratios)}


def sequence(jobs):
    """Runs the jobs one after another in one new thread (as `threads` runs each job in a
    thread: on CPython 3.11 here, the main thread ran the same loop about a fifth slower)."""
    answer = {}

    def run():
        start = time.perf_counter()
        answer["results"] = [globals()[name](*args) for name, args in jobs]
        answer["seconds"] = time.perf_counter() - start

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return answer


def _nothing():
    return None


def _in_child(job):
    name, args = job
    return globals()[name](*args)


def processes(jobs, workers):
    """Runs the jobs in a pool of forked worker processes (start-up not timed)."""
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        # Start every worker before the clock does: the warm-up jobs wait for the fork.
        pool.map(_in_child, [("_nothing", [])] * workers, chunksize=1)
        start = time.perf_counter()
        results = pool.map(_in_child, jobs, chunksize=1)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "results": results}


def version():
    return {"version": sys.version.split()[0]}
