#!/usr/bin/python3
"""A PyTorch job whose memory grows until the step's memory cgroup kills it.

    torch_oom.py dataloader   a DataLoader worker (num_workers=2) leaks; the kernel
                              kills it and PyTorch raises "DataLoader worker (pid N)
                              is killed by signal: Killed."
    torch_oom.py rank MARKDIR run under torchrun (gloo on CPU): rank R leaks
                              (2 + 2R) MiB every 50 ms; the kernel kills the larger and
                              torchrun reports "Signal 9 (SIGKILL) received by PID N".
                              MARKDIR/mark.R gets "usr1 NS" when the rank gets SIGUSR1
                              (its checkpoint signal) and "tick NS" after each step
"""
import os
import signal
import sys
import time

import torch
import torch.utils.data as tud


class Leaky(tud.Dataset):
    def __init__(self):
        self.held = []

    def __len__(self):
        return 1 << 20

    def __getitem__(self, i):
        if tud.get_worker_info() is not None and tud.get_worker_info().id == 0:
            self.held.append(b"\x01" * (8 << 20))  # worker 0 keeps 8 MiB per item
        return torch.zeros(1)


if sys.argv[1] == "dataloader":
    for _ in tud.DataLoader(Leaky(), batch_size=1, num_workers=2):
        pass
else:
    import torch.distributed as dist

    rank = int(os.environ["RANK"])
    path = os.path.join(sys.argv[2], f"mark.{rank}")
    mark = open(path, "a", buffering=1)
    # the handler's own descriptor: it may run while the loop is inside mark.write
    ufd = os.open(path, os.O_WRONLY | os.O_APPEND)
    signal.signal(signal.SIGUSR1, lambda s, f: os.write(ufd, f"usr1 {time.time_ns()}\n".encode()))
    dist.init_process_group("gloo")
    dist.barrier()  # both ranks up: the leak starts together
    print(f"rank {rank} pid {os.getpid()} leaking {2 + 2 * rank} MiB per 50 ms", file=sys.stderr, flush=True)
    held = []
    while True:
        held.append(torch.ones((2 + 2 * rank) << 18))  # float32: (2 + 2R) MiB, written
        mark.write(f"tick {time.time_ns()}\n")
        time.sleep(0.05)
