# Calls the handler in-process with the event in argv[1], N times (argv[2]),
# each call timed with the result serialised as the runtime would, and prints
# the median and the 99th percentile in nanoseconds.
import json
import sys
import time

from app import handler

event = json.load(open(sys.argv[1]))
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
for _ in range(2000):
    json.dumps(handler(event, None))
t = []
for _ in range(n):
    s = time.perf_counter_ns()
    json.dumps(handler(event, None))
    t.append(time.perf_counter_ns() - s)
t.sort()
print(t[n // 2], t[n * 99 // 100])
