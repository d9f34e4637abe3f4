#!/usr/bin/env python3
"""A small training loop that checkpoints when oomguard warns it.

    oomguard run --warn -- python3 examples/train.py

On SIGUSR1 (oomguard's warning that memory is running out) the loop saves a
checkpoint at the end of the current step; on start it resumes from the last
checkpoint if there is one.  The checkpoint is written to a temporary file and
renamed, so a kill in the middle of a save never leaves a torn checkpoint.

With PyTorch (Debian: python3-torch) it trains a small MLP on synthetic data
and saves model + optimiser state with torch.save.  Without PyTorch it runs
the same loop on a pure-Python linear model and saves with pickle, so the
warning -> checkpoint -> resume cycle can be tried (and tested) anywhere.

--leak-mib N keeps N MiB more per step alive (a stand-in for the classic
training-loop leak: keeping every step's loss tensor with its graph), so the
warning really comes.  --workers N feeds the loop from a torch DataLoader with
N worker processes (the real start-up spike of a training job).

The policy for oomguard's notices: save at each one (the warning, and the
critical notice after it), so the last checkpoint is at most a few seconds of
training old when the kill comes.  With --stop-at-critical the job also stops
cleanly, losing nothing, on SIGUSR2; have oomguard send it at the critical
notice with a hook:

    oomguard run --warn --on-warn '[ "$OOMGUARD_LEVEL" = critical ] && kill -USR2 "$OOMGUARD_PID"' \
        -- python3 examples/train.py --stop-at-critical
    python3 examples/train.py --resume checkpoints/last.pt     # later: go on from there
"""
import signal

save_requested = False
stop_requested = False


def on_warning(signum, frame):
    # Only set a flag: saving inside a signal handler could interrupt the
    # very tensor operation the checkpoint needs.
    global save_requested, stop_requested
    save_requested = True
    if signum == signal.SIGUSR2:
        stop_requested = True


# First thing, before the imports: importing PyTorch alone takes a few hundred
# MiB, and a warning that arrives before the handler is in place would end
# the job (SIGUSR1's default action).
signal.signal(signal.SIGUSR1, on_warning)
signal.signal(signal.SIGUSR2, on_warning)

import argparse  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:  # the pure-Python fallback below behaves the same
    torch = None


def atomic_save(obj, path, saver):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        saver(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class TorchJob:
    name = "torch"

    def __init__(self, seed, workers=0):
        torch.manual_seed(seed)
        self.model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.w_true = torch.randn(16, 1)
        self.batches = self.loader(workers) if workers else None

    def loader(self, workers):
        """Batches from a DataLoader with worker processes, forever."""
        class Synthetic(torch.utils.data.Dataset):
            def __len__(self):
                return 1 << 16

            def __getitem__(self, i):
                return torch.randn(16)

        dl = torch.utils.data.DataLoader(Synthetic(), batch_size=64, num_workers=workers,
                                         persistent_workers=True)
        while True:
            yield from dl

    def step(self):
        x = next(self.batches) if self.batches else torch.randn(64, 16)
        y = x @ self.w_true
        loss = torch.nn.functional.mse_loss(self.model(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def state(self, step):
        return {"step": step, "model": self.model.state_dict(), "optim": self.opt.state_dict(),
                "w_true": self.w_true}

    def load(self, path):
        ck = torch.load(path)
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["optim"])
        self.w_true = ck["w_true"]
        return ck["step"]

    def save(self, path, step):
        atomic_save(self.state(step), path, torch.save)


class PureJob:
    """Linear regression by SGD in plain Python: the same loop, no PyTorch."""
    name = "pure-python"

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.w_true = [self.rng.uniform(-1, 1) for _ in range(16)]
        self.w = [0.0] * 16
        self.lr = 0.01

    def step(self):
        loss = 0.0
        grad = [0.0] * 16
        for _ in range(64):
            x = [self.rng.gauss(0, 1) for _ in range(16)]
            err = sum(a * b for a, b in zip(self.w, x)) - sum(a * b for a, b in zip(self.w_true, x))
            loss += err * err
            for i in range(16):
                grad[i] += 2 * err * x[i] / 64
        self.w = [w - self.lr * g for w, g in zip(self.w, grad)]
        return loss / 64

    def load(self, path):
        with open(path, "rb") as f:
            ck = pickle.load(f)
        self.w, self.w_true, step = ck["w"], ck["w_true"], ck["step"]
        self.rng.setstate(ck["rng"])
        return step

    def save(self, path, step):
        atomic_save({"step": step, "w": self.w, "w_true": self.w_true, "rng": self.rng.getstate()}, path, pickle.dump)


class Progress:
    """--progress FILE: one line per step and per checkpoint ("step N T",
    "ckpt N T", T = time.time()), so the work a kill cost can be measured."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644) if path else -1

    def __call__(self, kind, step):
        if self.fd >= 0:
            os.write(self.fd, f"{kind} {step} {time.time():.3f}\n".encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=100000, help="train up to this step (default 100000)")
    ap.add_argument("--ckpt", default="checkpoints/last.pt", help="checkpoint path (default checkpoints/last.pt)")
    ap.add_argument("--resume", metavar="PATH", help="resume from this checkpoint (and save there); "
                    "without it the run resumes from --ckpt if that exists")
    ap.add_argument("--leak-mib", type=float, default=0, help="keep this many MiB more alive every step")
    ap.add_argument("--step-ms", type=float, default=0, help="sleep this long per step (slows the demo)")
    ap.add_argument("--workers", type=int, default=0, help="PyTorch: feed batches from a DataLoader with N workers")
    ap.add_argument("--stop-at-critical", action="store_true",
                    help="on SIGUSR2 save and stop cleanly (exit 0), see the hook above")
    ap.add_argument("--progress", metavar="FILE", help="append 'step N T' per step and 'ckpt N T' per save")
    ap.add_argument("--pure", action="store_true", help="use the pure-Python model even if PyTorch is installed")
    args = ap.parse_args()
    if args.resume:
        args.ckpt = args.resume
    progress = Progress(args.progress)

    job = PureJob(1) if (torch is None or args.pure) else TorchJob(1, args.workers)
    start = 0
    if os.path.exists(args.ckpt):
        start = job.load(args.ckpt)
        print(f"[{job.name}] resumed from step {start} ({args.ckpt})", flush=True)
    elif args.resume:
        print(f"[{job.name}] no checkpoint at {args.resume} yet: starting from scratch", flush=True)
    else:
        print(f"[{job.name}] starting from scratch", flush=True)

    global save_requested, stop_requested
    leaked = []
    loss = float("nan")
    step = start
    for step in range(start + 1, args.steps + 1):
        loss = job.step()
        if args.leak_mib:
            chunk = bytearray(int(args.leak_mib * (1 << 20)))
            for i in range(0, len(chunk), 4096):  # touch it: really resident
                chunk[i] = 1
            leaked.append(chunk)
        progress("step", step)
        if save_requested:
            save_requested = False
            job.save(args.ckpt, step)
            progress("ckpt", step)
            print(f"[{job.name}] memory warning: saved checkpoint at step {step} (loss {loss:.4f})", flush=True)
            if stop_requested and args.stop_at_critical:
                print(f"[{job.name}] memory critical: stopped cleanly at step {step}; "
                      f"go on with --resume {args.ckpt}", flush=True)
                return 0
        stop_requested = False
        if step % 1000 == 0:
            print(f"[{job.name}] step {step} loss {loss:.4f}", flush=True)
        if args.step_ms:
            time.sleep(args.step_ms / 1000)
    if start < args.steps:
        job.save(args.ckpt, args.steps)
    print(f"[{job.name}] done at step {max(start, args.steps)} (loss {loss:.4f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
