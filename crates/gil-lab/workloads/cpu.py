# CPU-bound: nothing but bytecode. The same text runs on our interpreter and on python3.


def count(n):
    i = 0
    while i < n:
        i += 1
    return i
