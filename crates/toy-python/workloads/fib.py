# Recursive calls: a CALL (and an eval-breaker check) per call.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
