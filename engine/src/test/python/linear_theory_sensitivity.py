#!/usr/bin/env python3
"""Why the linear theory's noise sensitivity grows under full-batch training and not under small minibatches.

Pre-trains the two-layer linear network of linear_theory.py (the same map A, seed 7, init std 1e-3) by gradient
descent at --rate, either on the exact expected loss (--batch 0, the theory's gradient flow) or on minibatches of
--batch random windows of 50 tokens from a 1M-token sample of A's chain (as the engine's pre-training draws them),
and prints per checkpoint the pre-training loss, the nuclear norm of W1 W2, ||W1||^2 + ||W2||^2 and the loss
increase under Gaussian noise N(0, --gamma^2) on every weight (16 draws, exact expected loss).

    python3 engine/src/test/python/linear_theory_sensitivity.py --batch 20     # 20 x 50 tokens a step
    python3 engine/src/test/python/linear_theory_sensitivity.py --batch 200    # 200 x 50
    python3 engine/src/test/python/linear_theory_sensitivity.py --batch 0      # full batch
"""
import argparse

import numpy as np

from linear_theory import Chain, maps, noise_sensitivity, sample_chain, softmax


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=20, help="windows of 50 tokens a step; 0: the exact expected loss")
    ap.add_argument("--steps", default="10,20,40,80,100,200,400,800,1600,3200,6400,12800")
    ap.add_argument("--gamma", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    _, a, _ = maps(args.seed)
    pre = Chain(a)
    vocab, seq = a.shape[0], 50
    tokens = sample_chain(pre.p, 1_000_000, np.random.default_rng(11))
    rnd = np.random.default_rng(1)
    w1 = rnd.standard_normal((vocab, vocab)) * 1e-3
    w2 = rnd.standard_normal((vocab, vocab)) * 1e-3
    batches = np.random.default_rng(5)
    offsets = np.arange(seq)
    print(f"rate {args.rate}, " + (f"{args.batch} x {seq} tokens a step" if args.batch else "full batch (exact expected loss)"))
    print(" steps    loss  |W1W2|*  |W1|^2+|W2|^2  dnoise")
    t = 0
    for target in [int(x) for x in args.steps.split(",")]:
        while t < target:
            if args.batch:
                starts = batches.integers(0, len(tokens) - seq - 1, args.batch)[:, None] + offsets
                counts = np.zeros((vocab, vocab))
                np.add.at(counts, (tokens[starts].ravel(), tokens[starts + 1].ravel()), 1)
                g = (counts.sum(1, keepdims=True) * softmax(w1 @ w2) - counts) / counts.sum()
            else:
                g = pre.pi[:, None] * (softmax(w1 @ w2) - pre.p)
            w1, w2 = w1 - args.rate * (g @ w2.T), w2 - args.rate * (w1.T @ g)
            t += 1
        nuclear = np.linalg.svd(w1 @ w2, compute_uv=False).sum()
        print(f"{t:6d}  {pre.loss(w1, w2):.4f}  {nuclear:7.1f}  {np.sum(w1 ** 2) + np.sum(w2 ** 2):13.1f}  "
              f"{noise_sensitivity(pre, w1, w2, args.gamma):+.4f}", flush=True)


if __name__ == "__main__":
    main()
