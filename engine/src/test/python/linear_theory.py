#!/usr/bin/env python3
"""Independent reference for dev.overtune.synth.LinearTheory and LinearTheoryScanTest (numpy only).

The same maps as the Java class (its SplittableRandom, Box-Muller and Gram-Schmidt, re-done here bit for
bit), but none of the engine: the two-layer linear network is pre-trained by full-batch gradient descent on
the *exact* expected loss of the Markov chain (the theory's deterministic setting, no sampling), fine-tuned by
AdamW with the scan's schedule on minibatches of 16 x 64 tokens of the fine-tuning chain (seed s draws the same
batches at every checkpoint, as the scan's do), and perturbed by Gaussian noise of fixed size. It prints, per
checkpoint, the base pre-training loss, the noise sensitivity and the pre-training loss after fine-tuning at
each learning rate (mean over seeds), for the misaligned and the aligned task, and exits 1 unless the theory's
facts hold: the base loss falls at every checkpoint; on the misaligned task the post-fine-tuning pre-training
loss at --check-lr is lowest at an interior checkpoint, rises at each of the >= 4 checkpoints after it, and the
report's own test (the largest standardised Mann-Kendall S over tails, by permutation) gives p <= 0.05/--tests;
on the aligned task that test finds no such rise at any of its rates; sensitivity to noise grows.

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
    aligned = 1.5 * a
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


def sample_chain(p, n, rng):
    """n tokens of the Markov chain with transition matrix p."""
    cumulative = np.cumsum(p, 1)
    out = np.empty(n, dtype=np.int64)
    x = int(rng.integers(p.shape[0]))
    r = rng.random(n)
    for t in range(n):
        out[t] = x
        x = min(int(np.searchsorted(cumulative[x], r[t], side="right")), p.shape[0] - 1)
    return out


def fine_tune(tokens, w1, w2, lr, seed, steps=100, warmup=4, batch=16, seq=64):
    """AdamW(0.9, 0.95, 1e-8), no weight decay, linear warm-up then cosine to lr/10, as the scan's fine-tune;
    minibatches of `batch` windows of `seq` tokens drawn from the task's text by `seed` (the same at every checkpoint)."""
    rnd = np.random.default_rng(100 + seed)
    vocab = w1.shape[0]
    params = [w1.copy(), w2.copy()]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    offsets = np.arange(seq)
    for t in range(1, steps + 1):
        s = t - 1
        rate = lr * (s + 1) / warmup if s < warmup else lr / 10 + 0.45 * lr * (1 + np.cos(np.pi * (s - warmup) / (steps - warmup)))
        starts = rnd.integers(0, len(tokens) - seq - 1, batch)[:, None] + offsets
        counts = np.zeros((vocab, vocab))
        np.add.at(counts, (tokens[starts].ravel(), tokens[starts + 1].ravel()), 1)
        g = counts.sum(1, keepdims=True) * softmax(params[0] @ params[1]) - counts
        g /= counts.sum()
        for p, grad, (m, v) in zip(params, (g @ params[1].T, params[0].T @ g), moments):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.95
            v += 0.05 * grad * grad
            p -= rate / (1 - 0.9 ** t) * m / (np.sqrt(v) / np.sqrt(1 - 0.95 ** t) + 1e-8)
    return params


def rising_tail(m):
    """The report's inflection statistic: the largest standardised Mann-Kendall S over tails of >= 3 points."""
    best, s, k = -np.inf, 0.0, len(m)
    for b in range(k - 1, -1, -1):
        s += np.sign(m[b + 1:] - m[b]).sum()
        n = k - b
        if n >= 3:
            best = max(best, s / np.sqrt(n * (n - 1) * (2 * n + 5) / 18))
    return best


def rising_tail_p(m, orderings=4000):
    """One-sided permutation p of rising_tail over the order of the points (random orderings, seeded)."""
    m = np.asarray(m, dtype=float)
    observed = rising_tail(m)
    rnd = np.random.default_rng(1)
    hits = sum(rising_tail(rnd.permutation(m)) >= observed - 1e-12 for _ in range(orderings))
    return (1 + hits) / (1 + orderings)


def noise_sensitivity(chain, w1, w2, gamma, samples=16):
    rnd = np.random.default_rng(1000)
    base = chain.loss(w1, w2)
    return np.mean([chain.loss(w1 + gamma * rnd.standard_normal(w1.shape), w2 + gamma * rnd.standard_normal(w2.shape)) - base
                    for _ in range(samples)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rate", type=float, default=2.0, help="gradient-descent rate of pre-training")
    ap.add_argument("--steps", default="100,200,400,800,1600,2260,3200,3800,4500,5400,6400,7600,9000,10800,12800",
                    help="checkpoints, in steps")
    ap.add_argument("--misaligned-lrs", default="0.004", help="the misaligned task's fine-tuning learning rates")
    ap.add_argument("--aligned-lrs", default="0.001,0.004,0.016", help="the aligned task's fine-tuning learning rates")
    ap.add_argument("--check-lr", type=float, default=0.004, help="the misaligned rate whose curve must turn up")
    ap.add_argument("--seeds", type=int, default=3, help="fine-tune seeds")
    ap.add_argument("--ft-steps", type=int, default=100)
    ap.add_argument("--gamma", type=float, default=0.3)
    ap.add_argument("--tests", type=int, default=13, help="tests the report adjusts by Holm (2 + 2 per rate + 1)")
    ap.add_argument("--dump-maps", help="write A and the fine-tuning maps to this JSON file")
    args = ap.parse_args()
    s, a, tasks = maps(args.seed)
    if args.dump_maps:
        with open(args.dump_maps, "w") as f:
            json.dump({"pretrain": a.tolist(), **{name: b.tolist() for name, b in tasks.items()}}, f)
    pre = Chain(a)
    fine = {name: Chain(b) for name, b in tasks.items()}
    text = {name: sample_chain(chain.p, 250_000, np.random.default_rng(3)) for name, chain in fine.items()}
    grids = {"misaligned": [float(x) for x in args.misaligned_lrs.split(",")],
             "aligned": [float(x) for x in args.aligned_lrs.split(",")]}
    rnd = np.random.default_rng(1)
    vocab = a.shape[0]
    w1 = rnd.standard_normal((vocab, vocab)) * 1e-3
    w2 = rnd.standard_normal((vocab, vocab)) * 1e-3
    print(f"singular values {np.round(s, 2)}; entropy rate of A {-(pre.pi[:, None] * pre.p * np.log(pre.p)).sum():.4f} nats")
    print("steps   base   |W1W2|*  dnoise  max|g| | " + " | ".join(f"{name}: OOD after FT at {grids[name]}" for name in fine))
    rows = []
    t = 0
    largest_gradient = 0.0
    for target in [int(x) for x in args.steps.split(",")]:
        while t < target:
            g1, g2 = pre.grads(w1, w2)
            largest_gradient = max(largest_gradient, abs(g1).max(), abs(g2).max())
            w1 -= args.rate * g1
            w2 -= args.rate * g2
            t += 1
        row = {"steps": t, "base": pre.loss(w1, w2), "nuclear": np.linalg.svd(w1 @ w2, compute_uv=False).sum(),
               "noise": noise_sensitivity(pre, w1, w2, args.gamma)}
        for name in fine:
            row[name] = [np.mean([pre.loss(*fine_tune(text[name], w1, w2, lr, seed, args.ft_steps)) for seed in range(args.seeds)])
                         for lr in grids[name]]
        rows.append(row)
        print(f"{t:6d} {row['base']:.4f} {row['nuclear']:7.1f} {row['noise']:+.4f} {largest_gradient:.4f} | "
              + " | ".join(" ".join(f"{x:.4f}" for x in row[name]) for name in fine), flush=True)

    failures = []
    base = [r["base"] for r in rows]
    if any(b1 >= b0 for b0, b1 in zip(base, base[1:])):
        failures.append("the base pre-training loss does not fall at every checkpoint")
    noise = [r["noise"] for r in rows]
    if not noise[-1] > noise[0] + 0.03:
        failures.append(f"noise sensitivity does not grow from the first checkpoint to the last ({np.round(noise, 4)})")
    alpha = 0.05 / args.tests
    mis = [r["misaligned"][grids["misaligned"].index(args.check_lr)] for r in rows]
    k = int(np.argmin(mis))
    p = rising_tail_p(mis)
    print(f"misaligned, LR {args.check_lr}: lowest at {rows[k]['steps']} steps, then {len(mis) - 1 - k} checkpoints; "
          f"rising-tail permutation p = {p:.5f} (first Holm step needs <= {alpha:.5f})")
    if not (0 < k <= len(mis) - 5 and all(y > x for x, y in zip(mis[k:], mis[k + 1:])) and p <= alpha):
        failures.append(f"misaligned, LR {args.check_lr}: no interior minimum followed by a rise at each of >= 4 checkpoints "
                        f"that the permutation test finds ({np.round(mis, 4)}, p = {p:.5f})")
    for j, lr in enumerate(grids["aligned"]):
        al = [r["aligned"][j] for r in rows]
        p = rising_tail_p(al)
        print(f"aligned, LR {lr}: lowest at {rows[int(np.argmin(al))]['steps']} steps; rising-tail permutation p = {p:.4f}")
        if p <= alpha:
            failures.append(f"aligned, LR {lr}: the permutation test finds a rise ({np.round(al, 4)}, p = {p:.4f})")
    for f in failures:
        print("FAILED: " + f)
    if not failures:
        print("the linear theory's facts hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
