#!/usr/bin/env python3
"""A stand-in training job for the Slurm lane.

    trainer.py CKPT MIB_PER_STEP            train: one step per 50 ms, each keeping
                                            MIB_PER_STEP more memory (its leak); on
                                            SIGUSR1 write CKPT (the step reached)
    trainer.py CKPT --resume                print the step in CKPT and exit

The checkpoint is written by rename, so a kill mid-write leaves the old one.
"""
import os
import signal
import sys
import time

ckpt = sys.argv[1]
if sys.argv[2] == "--resume":
    with open(ckpt) as f:
        print(f"resumed from step {int(f.read())}", flush=True)
    sys.exit(0)

mib = int(sys.argv[2])
step = 0


def checkpoint(signum, frame):
    with open(ckpt + ".tmp", "w") as f:
        f.write(str(step))
    os.rename(ckpt + ".tmp", ckpt)
    print(f"checkpoint at step {step}", file=sys.stderr, flush=True)


signal.signal(signal.SIGUSR1, checkpoint)
held = []
while True:
    held.append(b"\x01" * (mib << 20))  # written, so resident
    step += 1
    time.sleep(0.05)
