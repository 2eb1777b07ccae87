# The integral of cos(x) over [0, pi/2] by the midpoint rule, in integers only: every
# quantity is scaled by SCALE. The exact answer is 1, so the result is close to SCALE.

SCALE = 1000000
HALF_PI = 1570796


def cos_scaled(x):
    # Taylor series of cos around 0, good to about 1e-6 for |x| <= pi/2.
    x2 = x * x // SCALE
    term = SCALE
    total = SCALE
    k = 1
    while k < 8:
        term = -term * x2 // SCALE // ((2 * k - 1) * (2 * k))
        total += term
        k += 1
    return total


def integrate_bytecode(steps):
    total = 0
    i = 0
    while i < steps:
        x = (2 * i + 1) * HALF_PI // (2 * steps)
        total += cos_scaled(x)
        i += 1
    return total * HALF_PI // steps // SCALE


def integrate_native(steps):
    return integrate(steps)


def integrate_native_holding(steps):
    return integrate_holding_the_gil(steps)
