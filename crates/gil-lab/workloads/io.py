# I/O-bound and mixed workloads. sleep_ms(n) blocks without the GIL (time.sleep under
# python3); `running` lets the lab stop the CPU-bound threads from outside.

running = True


def wait(rounds, ms):
    i = 0
    while i < rounds:
        sleep_ms(ms)
        i += 1
    return i


def burn():
    n = 0
    while running:
        n += 1
    return n


def count(n):
    i = 0
    while i < n:
        i += 1
    return i


def echo(rounds):
    # A blocking call that returns at once, then a little bytecode: each round the thread
    # gives the GIL up and must get it back, like a server answering a request.
    i = 0
    while i < rounds:
        sleep_ms(0)
        i += 1
    return i


def poll():
    # An I/O-bound thread: wakes up every 5 ms, does a little work, sleeps again.
    n = 0
    while running:
        sleep_ms(5)
        n += 1
    return n
