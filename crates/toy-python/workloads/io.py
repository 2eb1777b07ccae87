# Blocking work: sleep_ms releases the GIL, so waits overlap across threads.
def wait(ms):
    sleep_ms(ms)
    return ms


def wait_many(times, ms):
    i = 0
    while i < times:
        sleep_ms(ms)
        i += 1
    return times * ms
