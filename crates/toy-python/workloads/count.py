# A pure-bytecode loop: the interpreter's speed, and a GIL's cost per check.
def count(n):
    i = 0
    while i < n:
        i += 1
    return i
