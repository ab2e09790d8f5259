#!/usr/bin/python3
"""Expected lighting of the planted row of lamps in tests/unit/test_audit.c, computed here independently of
safemap's C code from the definitions in docs/audit.md:

- a straight residential street from x = 0 to 300 m (target P4: average 5 lx, minimum 1 lx), cut into 12
  segments of 25 m, each sampled at the middles of 5 equal intervals (every 5 m);
- lamps on the street at x = 12.5 + 25 k, k = 0..11, except k = 4, 5, 6 (the planted gap of 75 m), each of
  4000 lm, maintenance factor 0.8, mounted 6 m high, reaching 10 x 6 = 60 m;
- a lamp's horizontal illuminance at horizontal distance r: E = I0 cos(g)^2 / d^2 with I0 = F MF / pi,
  d^2 = h^2 + r^2, cos(g) = h / d (the downward cosine intensity I(g) = I0 cos g).

Prints the average and minimum lux of each segment with 17 significant digits; test_audit.c holds them.
"""
import math

F, MF, H, REACH = 4000.0, 0.8, 6.0, 60.0
lamps = [12.5 + 25 * k for k in range(12) if k not in (4, 5, 6)]

def lux(x):
    e = 0.0
    for l in lamps:
        r = abs(x - l)
        if r >= REACH:
            continue
        d2 = H * H + r * r
        cosg = H / math.sqrt(d2)
        e += (F * MF / math.pi) * cosg * cosg / d2
    return e

for s in range(12):
    v = [lux(25 * s + (k + 0.5) * 5) for k in range(5)]
    print("{%.17g, %.17g}," % (sum(v) / 5, min(v)))
