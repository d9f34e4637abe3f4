#!/usr/bin/python3
"""A PyTorch job whose memory grows until the step's memory cgroup kills it.

    torch_oom.py dataloader   a DataLoader worker (num_workers=2) leaks; the kernel
                              kills it and PyTorch raises "DataLoader worker (pid N)
                              is killed by signal: Killed."
    torch_oom.py rank         run under torchrun: the rank itself leaks; torchrun
                              reports "Signal 9 (SIGKILL) received by PID N"
"""
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
    held = []
    while True:
        held.append(torch.ones(4 << 20))  # 16 MiB
        time.sleep(0.01)
