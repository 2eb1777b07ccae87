# The Part 1 lab's Python column (crates/switch-lab/python/lab.py).
#
# The lab writes this file to a temporary directory and runs
#     python3 lab.py 'CALL'
# where CALL is an expression of the functions below; the last line printed is its value,
# as JSON. Every timing function returns the median, over `runs` runs, of the seconds that
# one operation took (one start, one round trip). The file is a real module (not a script
# fed on stdin) so that multiprocessing's "spawn" and "forkserver" children can import it.

import asyncio
import json
import multiprocessing
import platform
import queue
import sys
import threading
import time


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def per_op(run, n, runs):
    """Median over `runs` timed calls of run(n) (after one untimed), divided by n."""
    run(n)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(n)
        times.append((time.perf_counter() - start) / n)
    return median(times)


def version():
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "default_start_method": multiprocessing.get_start_method(),
        "start_methods": multiprocessing.get_all_start_methods(),
    }


# --- starting ---------------------------------------------------------------------------


def nothing():
    pass


def thread_start(n, runs):
    def run(n):
        for _ in range(n):
            t = threading.Thread(target=nothing)
            t.start()
            t.join()

    return per_op(run, n, runs)


def process_start(n, runs, method):
    context = multiprocessing.get_context(method)

    def run(n):
        for _ in range(n):
            p = context.Process(target=nothing)
            p.start()
            p.join()
            if p.exitcode != 0:
                raise RuntimeError(f"a {method} child exited with {p.exitcode}")

    return per_op(run, n, runs)


async def _nothing_async():
    pass


def task_start(n, runs):
    async def spawn_and_await(n):
        for _ in range(n):
            await asyncio.create_task(_nothing_async())

    return per_op(lambda n: asyncio.run(spawn_and_await(n)), n, runs)


# --- ping-pong ----------------------------------------------------------------------------


def condition_ping_pong(n, runs):
    def run(n):
        cond = threading.Condition()
        state = {"turn": 0}

        def pong():
            for i in range(n):
                with cond:
                    while state["turn"] != 2 * i + 1:
                        cond.wait()
                    state["turn"] = 2 * i + 2
                    cond.notify()

        t = threading.Thread(target=pong)
        t.start()
        for i in range(n):
            with cond:
                state["turn"] = 2 * i + 1
                cond.notify()
                while state["turn"] != 2 * i + 2:
                    cond.wait()
        t.join()

    return per_op(run, n, runs)


def queue_ping_pong(n, runs):
    def run(n):
        there, back = queue.SimpleQueue(), queue.SimpleQueue()

        def pong():
            for _ in range(n):
                back.put(there.get())

        t = threading.Thread(target=pong)
        t.start()
        for i in range(n):
            there.put(i)
            back.get()
        t.join()

    return per_op(run, n, runs)


def _echo(conn, n):
    for _ in range(n):
        conn.send_bytes(conn.recv_bytes())
    conn.close()


def pipe_ping_pong_threads(n, runs):
    def run(n):
        mine, theirs = multiprocessing.Pipe()
        t = threading.Thread(target=_echo, args=(theirs, n))
        t.start()
        for _ in range(n):
            mine.send_bytes(b"x")
            mine.recv_bytes()
        t.join()
        mine.close()

    return per_op(run, n, runs)


def pipe_ping_pong_processes(n, runs):
    def run(n):
        mine, theirs = multiprocessing.Pipe()
        p = multiprocessing.Process(target=_echo, args=(theirs, n))
        p.start()
        theirs.close()
        start = time.perf_counter()
        for _ in range(n):
            mine.send_bytes(b"x")
            mine.recv_bytes()
        elapsed = time.perf_counter() - start
        p.join()
        mine.close()
        return elapsed

    run(n)
    return median([run(n) / n for _ in range(runs)])


def task_ping_pong(n, runs):
    async def both(n):
        state = {"turn": 0}

        async def pong():
            for i in range(n):
                while state["turn"] != 2 * i + 1:
                    await asyncio.sleep(0)
                state["turn"] = 2 * i + 2

        async def ping():
            start = time.perf_counter()
            for i in range(n):
                state["turn"] = 2 * i + 1
                while state["turn"] != 2 * i + 2:
                    await asyncio.sleep(0)
            return time.perf_counter() - start

        other = asyncio.create_task(pong())
        elapsed = await asyncio.create_task(ping())
        await other
        return elapsed

    asyncio.run(both(n))
    return median([asyncio.run(both(n)) / n for _ in range(runs)])


# --- the same job in threads and in processes ---------------------------------------------


def work(chunk):
    """A CPU-bound job of pure Python: the number of steps of the Collatz sequence of each
    number, summed."""
    total = 0
    for x in chunk:
        while x != 1:
            x = x // 2 if x % 2 == 0 else 3 * x + 1
            total += 1
    return total


def job_input(n):
    return [1000 + (i * 7919) % 100000 for i in range(n)]


def chunks(data, k):
    size, extra = divmod(len(data), k)
    out, at = [], 0
    for i in range(k):
        end = at + size + (1 if i < extra else 0)
        out.append(data[at:end])
        at = end
    return out


def in_threads(data, k):
    parts = chunks(data, k)
    results = [None] * k

    def one(i):
        results[i] = work(parts[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


def in_processes(data, k):
    with multiprocessing.Pool(k) as pool:
        return sum(pool.map(work, chunks(data, k)))


def job(n, runs):
    """Seconds for the whole input: in 1 and 2 threads, in 1 and 2 processes (a Pool started
    inside the timing, as the Rust side starts its workers), taken in turns (after one turn
    not counted) so that a burst of load elsewhere hits all four alike; the speed-ups are the
    medians of the turns' ratios."""
    data = job_input(n)
    expected = work(data)
    configs = [
        ("threads_1", in_threads, 1),
        ("threads_2", in_threads, 2),
        ("processes_1", in_processes, 1),
        ("processes_2", in_processes, 2),
    ]
    times = {name: [] for name, _, _ in configs}
    for turn in range(runs + 1):
        for name, run, k in configs:
            start = time.perf_counter()
            got = run(data, k)
            elapsed = time.perf_counter() - start
            if got != expected:
                raise RuntimeError(f"{name} computed {got}, not {expected}")
            if turn > 0:
                times[name].append(elapsed)
    out = {"n": n, "expected": expected}
    for name in times:
        out[name] = median(times[name])
    for kind in ("threads", "processes"):
        ones, twos = times[f"{kind}_1"], times[f"{kind}_2"]
        out[f"{kind}_speedup"] = median([a / b for a, b in zip(ones, twos)])
    return out


def _receive(conn):
    conn.send_bytes(conn.recv_bytes())
    conn.send(len(conn.recv()))
    conn.close()


def send(n, runs):
    """Seconds to send n numbers (a list, pickled) over a Pipe to a running process, until
    it says how many it got."""
    data = job_input(n)

    def once():
        mine, theirs = multiprocessing.Pipe()
        p = multiprocessing.Process(target=_receive, args=(theirs,))
        p.start()
        mine.send_bytes(b"x")
        mine.recv_bytes()
        start = time.perf_counter()
        mine.send(data)
        got = mine.recv()
        elapsed = time.perf_counter() - start
        p.join()
        if got != n:
            raise RuntimeError(f"the child got {got} numbers, not {n}")
        return elapsed

    return median([once() for _ in range(runs)])


if __name__ == "__main__":
    print(json.dumps(eval(sys.argv[1])))
