#!/usr/bin/env python3
"""A stand-in for a training job, for `make demo` and the README.

It forks two "data-loader" workers the way PyTorch's DataLoader does, holds a
little memory in each, and prints the oom_score_adj that every process
carries, so the protection read-back can be checked against the kernel's own
view.  SIGUSR1 (oomguard's early warning) makes it "save a checkpoint".
"""
import os
import signal
import sys
import time

STEPS = int(os.environ.get("DEMO_STEPS", "5"))
step = 0


def adj(pid="self"):
    with open(f"/proc/{pid}/oom_score_adj") as f:
        return int(f.read())


def on_warn(signum, frame):
    print(f"step {step}: got SIGUSR1 from oomguard, saving checkpoint", flush=True)


def worker():
    ballast = bytearray(16 << 20)
    for i in range(0, len(ballast), 4096):  # touch it: really resident
        ballast[i] = 1
    signal.pause()


signal.signal(signal.SIGUSR1, on_warn)
workers = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        worker()
        os._exit(0)
    workers.append(pid)

print(f"trainer pid {os.getpid()}: oom_score_adj {adj()}", flush=True)
for w in workers:
    print(f"worker  pid {w}: oom_score_adj {adj(w)} (forked after start, inherited)", flush=True)
for step in range(1, STEPS + 1):
    time.sleep(0.2)
    print(f"step {step}/{STEPS}: loss {1.0 / step:.3f}", flush=True)
for w in workers:
    os.kill(w, signal.SIGTERM)
    os.waitpid(w, 0)
print("done", flush=True)
sys.exit(0)
