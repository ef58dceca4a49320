#!/usr/bin/env python3
"""Independent reference for dev.overtune.synth.LinearTheory and LinearTheoryScanTest (numpy only).

The same maps as the Java class (its SplittableRandom, Box-Muller and Gram-Schmidt, re-done here bit for
bit), but none of the engine: the two-layer linear network is trained by full-batch gradient descent on
the *exact* expected loss of the Markov chain (no sampling), fine-tuned by AdamW on the exact expected
loss of the fine-tuning chain with the scan's schedule, and perturbed by Gaussian noise of fixed size.
It prints, per checkpoint, the base pre-training loss, the noise sensitivity and the pre-training loss
after fine-tuning at each learning rate, for the misaligned and the aligned task, and exits 1 unless the
theory's facts hold: on the misaligned task the post-fine-tuning pre-training loss at --check-lr is
lowest at an interior checkpoint and higher at the last; on the aligned task it is lowest at the last
checkpoint at every rate; sensitivity to noise grows from the first checkpoint to the last.

    python3 engine/src/test/python/linear_theory.py [--seed 7] [--dump-maps FILE]

--dump-maps writes A and both fine-tuning maps as JSON, which LinearTheoryReferenceTest compares with
the Java class's.
"""
import argparse
import json
import sys

import numpy as np

M64 = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


class SplittableRandom:
    """java.util.SplittableRandom's nextDouble, for the same singular vectors as the Java class."""

    def __init__(self, seed):
        self.seed = seed & M64

    def next_double(self):
        self.seed = (self.seed + 0x9e3779b97f4a7c15) & M64
        return (mix64(self.seed) >> 11) * (1.0 / (1 << 53))

    def gaussian(self):
        u1 = self.next_double()
        u2 = self.next_double()
        return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


def orthonormal(rnd, n, k):
    basis = []
    while len(basis) < k:
        w = np.array([rnd.gaussian() for _ in range(n)])
        for b in basis:
            w = w - np.dot(w, b) * b
        norm = np.sqrt(np.dot(w, w))
        if norm > 1e-6:
            basis.append(w / norm)
    return basis


def maps(seed, vocab=32, rank=6, top=200.0, ratio=0.6):
    rnd = SplittableRandom(seed)
    u = orthonormal(rnd, vocab, rank + 1)
    v = orthonormal(rnd, vocab, rank + 1)
    s = top * ratio ** np.arange(rank)
    a = sum(s[i] * np.outer(u[i], v[i]) for i in range(rank))
    misaligned = a + s[0] * np.outer(u[rank], v[rank])
    aligned = 1.25 * a
    return s, a, {"misaligned": misaligned, "aligned": aligned}


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def stationary(p):
    w, vecs = np.linalg.eig(p.T)
    x = np.real(vecs[:, np.argmin(abs(w - 1))])
    return x / x.sum()


class Chain:
    """The next-token cross-entropy of the network on a Markov chain, in expectation under its stationary law."""

    def __init__(self, logits):
        self.p = softmax(logits)
        self.pi = stationary(self.p)

    def loss(self, w1, w2):
        return -(self.pi[:, None] * self.p * np.log(softmax(w1 @ w2))).sum()

    def grads(self, w1, w2):
        g = self.pi[:, None] * (softmax(w1 @ w2) - self.p)
        return g @ w2.T, w1.T @ g


def fine_tune(chain, w1, w2, lr, steps=40, warmup=4):
    """AdamW(0.9, 0.95, 1e-8), no weight decay, linear warm-up then cosine to lr/10: the scan's fine-tune."""
    params = [w1.copy(), w2.copy()]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    for t in range(1, steps + 1):
        s = t - 1
        rate = lr * (s + 1) / warmup if s < warmup else lr / 10 + 0.45 * lr * (1 + np.cos(np.pi * (s - warmup) / (steps - warmup)))
        for p, g, (m, v) in zip(params, chain.grads(*params), moments):
            m *= 0.9
            m += 0.1 * g
            v *= 0.95
            v += 0.05 * g * g
            p -= rate / (1 - 0.9 ** t) * m / (np.sqrt(v) / np.sqrt(1 - 0.95 ** t) + 1e-8)
    return params


def noise_sensitivity(chain, w1, w2, gamma, samples=16):
    rnd = np.random.default_rng(1000)
    base = chain.loss(w1, w2)
    return np.mean([chain.loss(w1 + gamma * rnd.standard_normal(w1.shape), w2 + gamma * rnd.standard_normal(w2.shape)) - base
                    for _ in range(samples)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rate", type=float, default=1.0, help="gradient-descent rate of pre-training")
    ap.add_argument("--steps", default="100,200,400,800,1600,3200,6400,12800", help="checkpoints, in steps")
    ap.add_argument("--lrs", default="0.003,0.01,0.03", help="fine-tuning learning rates")
    ap.add_argument("--check-lr", type=float, default=0.01, help="the rate whose misaligned curve must turn up")
    ap.add_argument("--gamma", type=float, default=0.3)
    ap.add_argument("--dump-maps", help="write A and the fine-tuning maps to this JSON file")
    args = ap.parse_args()
    s, a, tasks = maps(args.seed)
    if args.dump_maps:
        with open(args.dump_maps, "w") as f:
            json.dump({"pretrain": a.tolist(), **{name: b.tolist() for name, b in tasks.items()}}, f)
    pre = Chain(a)
    fine = {name: Chain(b) for name, b in tasks.items()}
    lrs = [float(x) for x in args.lrs.split(",")]
    rnd = np.random.default_rng(1)
    vocab = a.shape[0]
    w1 = rnd.standard_normal((vocab, vocab)) * 1e-3
    w2 = rnd.standard_normal((vocab, vocab)) * 1e-3
    print(f"singular values {np.round(s, 2)}; entropy rate of A {-(pre.pi[:, None] * pre.p * np.log(pre.p)).sum():.4f} nats")
    print("steps   base   |W1W2|*  dnoise  | " + " | ".join(f"{name}: OOD after FT at {lrs}" for name in fine))
    rows = []
    t = 0
    for target in [int(x) for x in args.steps.split(",")]:
        while t < target:
            g1, g2 = pre.grads(w1, w2)
            w1 -= args.rate * g1
            w2 -= args.rate * g2
            t += 1
        row = {"steps": t, "base": pre.loss(w1, w2), "nuclear": np.linalg.svd(w1 @ w2, compute_uv=False).sum(),
               "noise": noise_sensitivity(pre, w1, w2, args.gamma)}
        for name, chain in fine.items():
            row[name] = [pre.loss(*fine_tune(chain, w1, w2, lr)) for lr in lrs]
        rows.append(row)
        print(f"{t:6d} {row['base']:.4f} {row['nuclear']:7.1f} {row['noise']:+.4f} | "
              + " | ".join(" ".join(f"{x:.4f}" for x in row[name]) for name in fine), flush=True)

    failures = []
    base = [r["base"] for r in rows]
    if any(b1 >= b0 for b0, b1 in zip(base, base[1:])):
        failures.append("the base pre-training loss does not fall at every checkpoint")
    if not rows[-1]["noise"] > rows[0]["noise"]:
        failures.append("noise sensitivity does not grow from the first checkpoint to the last")
    mis = [r["misaligned"][lrs.index(args.check_lr)] for r in rows]
    k = int(np.argmin(mis))
    if not (0 < k < len(mis) - 1 and mis[-1] > mis[k]):
        failures.append(f"misaligned, LR {args.check_lr}: no interior minimum followed by a rise ({np.round(mis, 4)})")
    for j, lr in enumerate(lrs):
        al = [r["aligned"][j] for r in rows]
        if int(np.argmin(al)) != len(al) - 1:
            failures.append(f"aligned, LR {lr}: lowest before the last checkpoint ({np.round(al, 4)})")
    for f in failures:
        print("FAILED: " + f)
    if not failures:
        print("the linear theory's facts hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
