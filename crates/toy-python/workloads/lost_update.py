# Two threads add to one global. `counter += 1` is LOAD_GLOBAL, BINARY_OP, STORE_GLOBAL with
# no eval-breaker check in between, so no update is lost. `counter += bump()` has a CALL
# between the load and the store, and a thread can lose the GIL at a CALL: updates are lost.
counter = 0


def bump():
    return 1


def add(n):
    global counter
    i = 0
    while i < n:
        counter += bump()
        i += 1
    return counter


def add_plain(n):
    global counter
    i = 0
    while i < n:
        counter += 1
        i += 1
    return counter


def get():
    return counter


def reset():
    global counter
    counter = 0
