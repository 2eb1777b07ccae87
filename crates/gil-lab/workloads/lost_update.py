# Two threads add to one global. `counter += bump()` compiles to a load, a call and a
# store: a thread switch at the call falls between the load and the store, and the other
# thread's additions in between are lost. `counter += 1` has no call in the middle.

counter = 0


def bump():
    return 1


def add(n):
    global counter
    i = 0
    while i < n:
        counter += bump()
        i += 1
    return i


def add_plain(n):
    global counter
    i = 0
    while i < n:
        counter += 1
        i += 1
    return i
