"""The convoy effect on a real socket, for the book's convoy chapter (book/src/part-6/convoy.md).

A thread of this process sends an 8 KiB message over a socket to an echo server in another
process and reads the reply, 200 times. It does so beside 0, 1 and 2 CPU-bound threads at
the default switch interval, and then beside one CPU-bound thread at shorter intervals.
The echo server is a separate process on purpose: it has its own interpreter and GIL, so
the only thread of this process that ever waits for its GIL after a blocking call is the
one being timed.

Run it from the repository's root with the Python to measure:

    python3 crates/gil-lab/python/echo_convoy.py

It prints Markdown tables and the machine they were measured on. Standard library only.
"""

import multiprocessing
import os
import platform
import socket
import sys
import threading
import time

SIZE = 8 * 1024
ROUNDS = 200
DEFAULT_INTERVAL = 0.005


def receive_exactly(sock, size):
    """Reads exactly `size` bytes: a stream socket may return a message in pieces."""
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the echo server closed the connection")
        data += chunk
    return bytes(data)


def echo_server(sock):
    """In the child process: send back every message until the other end closes."""
    while True:
        try:
            message = receive_exactly(sock, SIZE)
        except ConnectionError:
            break
        sock.sendall(message)
    sock.close()


def burn(stop):
    """A CPU-bound thread: pure bytecode until told to stop."""
    total = 0
    while not stop.is_set():
        for i in range(1000):
            total += i
    return total


def round_trips(cpu_threads, interval):
    """Seconds that ROUNDS echoes take beside `cpu_threads` CPU-bound threads."""
    ours, theirs = socket.socketpair()
    server = multiprocessing.get_context("fork").Process(target=echo_server, args=(theirs,))
    server.start()
    theirs.close()
    message = b"x" * SIZE
    ours.sendall(message)  # one round trip before the clock starts: the server is running
    receive_exactly(ours, SIZE)

    sys.setswitchinterval(interval)
    stop = threading.Event()
    burners = [threading.Thread(target=burn, args=(stop,)) for _ in range(cpu_threads)]
    for burner in burners:
        burner.start()
    result = {}

    def client():
        start = time.perf_counter()
        for _ in range(ROUNDS):
            ours.sendall(message)
            if receive_exactly(ours, SIZE) != message:
                raise RuntimeError("the echo came back changed")
        result["seconds"] = time.perf_counter() - start

    timed = threading.Thread(target=client)
    timed.start()
    timed.join()
    stop.set()
    for burner in burners:
        burner.join()
    sys.setswitchinterval(DEFAULT_INTERVAL)
    ours.close()
    server.join()
    if "seconds" not in result:
        raise RuntimeError("the echo thread failed (see the traceback above)")
    return result["seconds"]


def label(interval):
    return f"{interval * 1000:g} ms" if interval >= 0.001 else f"{interval * 1e6:g} µs"


def row(cells):
    return "| " + " | ".join(cells) + " |"


def main():
    print(
        f"Machine: {os.cpu_count()} cores, {platform.system().lower()} {platform.release()}, "
        f"CPython {platform.python_version()}; {ROUNDS} round trips of {SIZE // 1024} KiB each."
    )
    print()
    print(row(["CPU-bound threads beside the echo", "switch interval", "200 round trips", "per round trip"]))
    print(row(["---", "---", "---:", "---:"]))
    cases = [(0, DEFAULT_INTERVAL), (1, DEFAULT_INTERVAL), (2, DEFAULT_INTERVAL),
             (1, 0.001), (1, 0.0001), (1, 0.000001)]
    for cpu_threads, interval in cases:
        seconds = round_trips(cpu_threads, interval)
        print(row([str(cpu_threads), label(interval), f"{seconds:.3f} s",
                   f"{seconds / ROUNDS * 1000:.2f} ms"]))


if __name__ == "__main__":
    main()
