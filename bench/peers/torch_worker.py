#!/usr/bin/env python3
"""The PyTorch side of bin/bench-peers: the same model, batch and jobs as overtune's worker.

Run by the harness as a long-lived process, so start-up is never timed. It loads the checkpoint
the harness wrote (safetensors, overtune's layout), then prints one line

    hello {"side": "pytorch", "model": ..., "config": {...}, "batch": B, "seq": T, "threads": N, ...}

and answers each command line "<job> <count>" with "ok <seconds> <loss>" (loss "nan" where the job
computes none) or "error <message>"; "quit" ends it. Jobs, each repeated <count> times:
    train  one training step: forward, backward, global-norm clip 1.0, AdamW (0.9, 0.95, 1e-8, wd 0.1 on matrices)
    eval   forward only: loss, per-token log-likelihoods and logits of the batch
    noise  params = base + N(0, (gamma * init std)^2) per tensor, then eval
    quant  params = int8 per-output-channel round-to-nearest of every matrix of base, then eval
    load   read the checkpoint's safetensors into the parameters
    peak   one 1024x1024 @ 1024x1024 float32 matmul
Only /usr/bin/python3 with Debian's python3-torch is assumed: numpy is not needed.
"""

import argparse
import ctypes
import json
import math
import os
import platform
import re
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_reader  # noqa: E402

IGNORE_INDEX = -100
NOISE_GAMMA = 1.0
INT8_LEVELS = 127.0
PEAK_N = 1024


def fixed_batch(batch, seq, vocab):
    """The batch both sides run: ids[i] = (7919 i + 13) mod V over the flattened [B, T], targets shifted by one."""
    i = torch.arange(batch * seq + 1, dtype=torch.int64)
    tokens = (i * 7919 + 13) % vocab
    ids = tokens[:-1].view(batch, seq).clone()
    targets = tokens[1:].view(batch, seq).clone()
    return ids, targets, torch.ones(batch, seq, dtype=torch.float32)


def loaded_blas():
    """The BLAS this process mapped (OpenBLAS, or a reference BLAS that would make the peer look slow), as variant/library."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            libs = {line.split()[-1] for line in f if re.search(r"/lib(open)?blas[^/]*$", line)}
    except OSError:
        return "unknown"
    openblas = [p for p in libs if "libopenblas" in os.path.basename(p)]
    return ", ".join(sorted(os.path.join(os.path.basename(os.path.dirname(p)), os.path.basename(p))
                            for p in (openblas or libs))) or "none mapped"


def openblas_core():
    """The core type OpenBLAS chose (or was told by OPENBLAS_CORETYPE) in this process, from the library itself."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if re.search(r"/lib(open)?blas[^/]*$", line)}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            if hasattr(lib, "openblas_get_corename"):
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
    except OSError:
        pass
    return "not OpenBLAS"


def threading():
    env = ", ".join("%s=%s" % (k, os.environ.get(k, "unset")) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY"))
    return "torch intra-op %d, inter-op %d; %s" % (torch.get_num_threads(), torch.get_num_interop_threads(), env)


class TorchWorker:
    def __init__(self, model, preset, batch, seq, threads, checkpoint):
        if seq > model.context_length:
            raise ValueError("seq %d exceeds the model's context %d" % (seq, model.context_length))
        self.model = model
        self.preset = preset
        self.checkpoint = checkpoint
        self.params = {s.name: torch.empty(s.shape, dtype=torch.float32) for s in model.params}
        self.load(1)
        self.ids, self.targets, self.mask = fixed_batch(batch, seq, model.vocab_size)
        self.weights = self.mask.view(-1) * (self.targets.view(-1) != IGNORE_INDEX)
        self.threads = threads
        self.base = None
        self.optimizer = None
        self.peak_operands = None

    def hello(self):
        return {
            "side": "pytorch",
            "model": self.preset,
            "model_type": self.model.family,
            "config": self.model.config,
            "params": sum(math.prod(s.shape) for s in self.model.params),
            "batch": self.ids.shape[0],
            "seq": self.ids.shape[1],
            "threads": torch.get_num_threads(),
            "versions": {"torch": torch.__version__, "python": platform.python_version(), "blas": loaded_blas(),
                         "openblas core": openblas_core(), "threading": threading()},
            "probes": "torch normal_ + add_ in place (gamma %g x init std); int8-channel via amax, div, round_, clamp_, mul_" % NOISE_GAMMA,
        }

    def loss(self, logits):
        nll = F.cross_entropy(logits.view(-1, self.model.vocab_size), self.targets.view(-1),
                              ignore_index=IGNORE_INDEX, reduction="none")
        return (nll * self.weights).sum() / self.weights.sum(), -nll

    def train(self, count):
        if self.optimizer is None:
            for p in self.params.values():
                p.requires_grad_(True)
            specs = self.model.params
            self.optimizer = torch.optim.AdamW(
                [{"params": [self.params[s.name] for s in specs if s.decays], "weight_decay": 0.1},
                 {"params": [self.params[s.name] for s in specs if not s.decays], "weight_decay": 0.0}],
                lr=1e-4, betas=(0.9, 0.95), eps=1e-8)
        plist = list(self.params.values())
        loss = None
        for _ in range(count):
            self.optimizer.zero_grad(set_to_none=True)
            loss, _ = self.loss(self.model.logits(self.params, self.ids))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(plist, 1.0)
            self.optimizer.step()
        return loss.item()

    def eval(self, count):
        loss = None
        with torch.no_grad():
            for _ in range(count):
                loss, _token_logprobs = self.loss(self.model.logits(self.params, self.ids))
        return loss.item()

    def _base(self):
        if self.base is None:
            self.base = {name: p.detach().clone() for name, p in self.params.items()}
        return self.base

    def noise(self, count):
        base = self._base()
        loss = None
        for _ in range(count):
            with torch.no_grad():
                for s in self.model.params:
                    p = self.params[s.name]
                    if s.init_std == 0:
                        p.copy_(base[s.name])
                    else:
                        p.normal_(0.0, NOISE_GAMMA * s.init_std).add_(base[s.name])
            loss = self.eval(1)
        return loss

    def quant(self, count):
        base = self._base()
        loss = None
        for _ in range(count):
            with torch.no_grad():
                for s in self.model.params:
                    p, b = self.params[s.name], base[s.name]
                    if len(s.shape) != 2:
                        p.copy_(b)
                        continue
                    scale = b.abs().amax(dim=1 - s.output_axis, keepdim=True) / INT8_LEVELS
                    scale.masked_fill_(scale == 0, 1.0)  # an all-zero channel stays zero
                    torch.div(b, scale, out=p).round_().clamp_(-INT8_LEVELS, INT8_LEVELS).mul_(scale)
            loss = self.eval(1)
        return loss

    def load(self, count):
        with torch.no_grad():
            for _ in range(count):
                safetensors_reader.load_into(self.checkpoint, self.params)
        return float("nan")

    def peak(self, count):
        if self.peak_operands is None:
            g = torch.Generator().manual_seed(1)
            self.peak_operands = [torch.rand(PEAK_N, PEAK_N, generator=g) * 2 - 1 for _ in range(3)]
        a, b, c = self.peak_operands
        for _ in range(count):
            torch.mm(a, b, out=c)
        return float("nan")


JOBS = ("train", "eval", "noise", "quant", "load", "peak")


def serve(worker, lines, out):
    for line in lines:
        words = line.split()
        if words == ["quit"]:
            return
        if len(words) != 2 or words[0] not in JOBS or not words[1].isdigit() or int(words[1]) < 1:
            out.write("error expected '<job> <count>' with job in %s and count >= 1, got '%s'\n" % (JOBS, line.strip()))
            out.flush()
            continue
        try:
            start = time.perf_counter()
            loss = getattr(worker, words[0])(int(words[1]))
            out.write("ok %.9f %r\n" % (time.perf_counter() - start, float(loss)))
        except Exception as e:  # the harness reports it and stops; the worker stays answerable
            out.write("error %s: %s\n" % (type(e).__name__, str(e).replace("\n", " ")))
        out.flush()


def main():
    ap = argparse.ArgumentParser(description="PyTorch worker for bin/bench-peers (line protocol on stdin/stdout)")
    ap.add_argument("--model", required=True, help="preset name, config.json or checkpoint directory")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--checkpoint", required=True, help="directory with model.safetensors written by overtune")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    try:
        worker = TorchWorker(models.resolve(args.model), args.model, args.batch, args.seq, args.threads, args.checkpoint)
    except (ValueError, OSError, KeyError) as e:
        print("error %s" % str(e).replace("\n", " "), flush=True)
        return 3
    print("hello " + json.dumps(worker.hello(), separators=(",", ":")), flush=True)
    serve(worker, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
