#!/usr/bin/env python3
"""The PyTorch side of `bin/bench-peers --job scan`: one checkpoint's whole scan protocol, in two forms.

    loop      as a researcher writes it: for each learning rate and seed, copy the weights, fine-tune with
              torch.optim.AdamW and clip_grad_norm_ (its norm taken in float64: see clip_grad_norm_ below), evaluate; for each noise draw and quantisation, perturb a
              copy and evaluate; one model at a time.
    ensemble  as an expert batches it with functorch: the LR x seed fine-tunes as one ensemble
              (combine_state_for_ensemble, vmap(grad(loss)), a vectorised AdamW with a per-member rate and
              per-member global-norm clipping), and the noise draws and quantisations each evaluated as one
              ensemble in a vmapped forward.

Everything the protocol does comes from the JSON file the harness writes (--protocol): the token streams,
every fine-tune batch (window starts per seed and step), the rate of every step, the evaluation windows, the
noise scales and the quantisation formats, so both sides do the same work by construction. The worker speaks
bench-peers' line protocol (see torch_worker.py): "hello <json>", then "scan <count>" -> "ok <seconds> <loss>",
where loss is the base unit's validation loss; after every call it writes the last protocol's metrics, unit by
unit, to --results.
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_reader  # noqa: E402
from torch_worker import loaded_blas, openblas_core, threading  # noqa: E402

FORMS = ("loop", "ensemble")


# --------------------------------------------------------------------------
# what both forms share: the protocol, windows, perturbations


class Protocol:
    def __init__(self, spec):
        self.spec = spec
        s = spec["streams"]
        self.streams = {k: torch.tensor(v, dtype=torch.int64) for k, v in s.items()}
        ev = spec["eval"]
        self.eval_batch, self.eval_seq, self.windows = ev["batch"], ev["seq"], ev["windows"]
        ft = spec["finetune"]
        self.ft = ft
        self.train_windows = [[torch.tensor(rows, dtype=torch.int64) for rows in steps] for steps in ft["batches"]]
        self.members = [(lr_i, seed_i) for lr_i in range(len(ft["lrs"])) for seed_i in range(len(ft["seeds"]))]
        self.noise = spec["noise"]
        self.quant = spec["quant"]

    def summary(self):
        """What the harness compares between the sides (it refuses a run where any of it differs)."""
        ft = self.ft
        return {"members": len(self.members), "steps": ft["steps"], "ft_batch": ft["batch"], "ft_seq": ft["seq"],
                "eval_batch": self.eval_batch, "eval_seq": self.eval_seq,
                "windows": {k: self.windows[k] for k in sorted(self.windows)},
                "noise_draws": len(self.noise["gammas"]) * self.noise["samples"], "quant_formats": len(self.quant),
                "units": 1 + len(self.members) + len(self.noise["gammas"]) * self.noise["samples"] + len(self.quant)}

    def train_batch(self, seed_i, step):
        """ids, targets [B, T] of one fine-tune step of one seed: the rows of seq + 1 tokens the harness listed."""
        toks = self.train_windows[seed_i][step]
        return toks[:, :-1], toks[:, 1:]

    def eval_batches(self, split):
        """The split's consecutive full windows, in batches of the eval batch size: (ids, targets) [n, T]."""
        seq, n = self.eval_seq, self.windows[split]
        stream = self.streams[split]
        for first in range(0, n, self.eval_batch):
            w = torch.arange(first, min(n, first + self.eval_batch))
            toks = stream[w[:, None] * seq + torch.arange(seq + 1)[None, :]]
            yield toks[:, :-1], toks[:, 1:]


def window_nll(logits, targets):
    """Per-window mean negative log-likelihood: logits [..., n, T, V], targets [n, T] -> [..., n]."""
    logp = torch.log_softmax(logits, dim=-1)
    tgt = targets.expand(logp.shape[:-1])
    return -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1).mean(-1)


def quantize(b, out_axis, bits, group):
    """Round-to-nearest onto a symmetric grid of `bits` bits, a scale per output channel or per group of it,
    in float64 as overtune's Quantization does, written back dequantised in float32."""
    levels = float((1 << (bits - 1)) - 1)
    w = b.double() if out_axis == 0 else b.double().t()  # [channels, length]
    length = w.shape[1]
    g = length if group == 0 else min(group, length)
    pad = (-length) % g
    padded = F.pad(w, (0, pad))
    blocks = padded.view(w.shape[0], -1, g)
    scale = blocks.abs().amax(dim=-1, keepdim=True) / levels
    q = torch.where(scale == 0, torch.zeros_like(blocks),
                    torch.clamp(torch.round(blocks / torch.where(scale == 0, torch.ones_like(scale), scale)), -levels, levels) * scale)
    q = q.view(w.shape[0], -1)[:, :length]
    return (q if out_axis == 0 else q.t()).float()


def decays(spec):
    return len(spec.shape) >= 2


def clip_grad_norm_(params, max_norm):
    """torch.nn.utils.clip_grad_norm_, with each gradient's norm taken in float64 as overtune and the ensemble take it.

    torch's own float32 norm kernel is not accurate enough here: on `small` it is off by 4e-4 relative on the tied
    embedding's gradient (4096 x 256 = 1M elements, a few large rows), so every clipped step fed AdamW a gradient
    scaled by a slightly different factor, and the fine-tunes drifted 1e-3 from the other sides (the same clip with a
    float64 norm brings the loop within 2e-6 of the ensemble's arithmetic). The coefficient and the scaling are
    clip_grad_norm_'s own: max_norm / (norm + 1e-6), clamped at 1, multiplied into every gradient.
    """
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, dtype=torch.float64) for g in grads]))
    coef = torch.clamp(max_norm / (norm + 1e-6), max=1.0).float()
    for g in grads:
        g.mul_(coef)
    return norm


# --------------------------------------------------------------------------
# (a) the loop a researcher writes


class LoopScan:
    def __init__(self, model, proto, base):
        self.model, self.proto, self.base = model, proto, base

    def evaluate(self, params, splits):
        out = {}
        with torch.no_grad():
            for split in splits:
                losses = [window_nll(self.model.logits(params, ids), tgt) for ids, tgt in self.proto.eval_batches(split)]
                out[split] = torch.cat(losses).double().mean().item()
        return out

    def run(self):
        p, model, base = self.proto, self.model, self.base
        results = {}
        results[p.spec["units"]["base"]] = metrics(self.evaluate(base, ("val", "test", "ood")))
        ft = p.ft
        for lr_i, seed_i in p.members:
            params = {n: t.clone().requires_grad_(True) for n, t in base.items()}
            plist = list(params.values())
            opt = torch.optim.AdamW(
                [{"params": [params[s.name] for s in model.params if decays(s)], "weight_decay": ft["weight_decay"]},
                 {"params": [params[s.name] for s in model.params if not decays(s)], "weight_decay": 0.0}],
                lr=ft["lrs"][lr_i], betas=(ft["beta1"], ft["beta2"]), eps=ft["eps"])
            loss = None
            for step in range(ft["steps"]):
                for group in opt.param_groups:
                    group["lr"] = ft["schedules"][lr_i][step]
                ids, tgt = p.train_batch(seed_i, step)
                logits = model.logits(params, ids)
                loss = F.cross_entropy(logits.reshape(-1, model.vocab_size), tgt.reshape(-1))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                clip_grad_norm_(plist, ft["clip"])
                opt.step()
            m = metrics(self.evaluate({n: t.detach() for n, t in params.items()}, ("val", "test", "ood")))
            m["train_loss_last"] = loss.item()
            results[p.spec["units"]["finetune"][lr_i][seed_i]] = m
        noise = p.noise
        work = {n: t.clone() for n, t in base.items()}
        with torch.no_grad():
            for g_i, gamma in enumerate(noise["gammas"]):
                for k in range(noise["samples"]):
                    for s in model.params:
                        if s.init_std == 0:
                            work[s.name].copy_(base[s.name])
                        else:
                            work[s.name].normal_(0.0, gamma * s.init_std).add_(base[s.name])
                    results[p.spec["units"]["noise"][g_i][k]] = metrics(self.evaluate(work, ("ood",)))
            for q_i, q in enumerate(p.quant):
                for s in model.params:
                    work[s.name] = quantize(base[s.name], s.output_axis, q["bits"], q["group"]) if len(s.shape) == 2 else base[s.name]
                results[p.spec["units"]["quant"][q_i]] = metrics(self.evaluate(work, ("val", "test", "ood")))
        return results


# --------------------------------------------------------------------------
# (b) the ensemble an expert writes with functorch


class Member(torch.nn.Module):
    """The functional model as a module, so functorch's combine_state_for_ensemble can stack copies of it."""

    def __init__(self, model, tensors):
        super().__init__()
        self.model = model
        self.names = [s.name for s in model.params]
        for i, name in enumerate(self.names):
            self.register_parameter("p%d" % i, torch.nn.Parameter(tensors[name].detach().clone(), requires_grad=False))

    def forward(self, ids):
        return self.model.logits({n: getattr(self, "p%d" % i) for i, n in enumerate(self.names)}, ids)


class EnsembleScan:
    def __init__(self, model, proto, base):
        from functorch import combine_state_for_ensemble, grad, vmap
        self.vmap, self.grad, self.combine = vmap, grad, combine_state_for_ensemble
        self.model, self.proto, self.base = model, proto, base

    def stack(self, count):
        """`count` copies of the base model as one ensemble: the functional model and its stacked parameters [M, ...]."""
        fmodel, params, buffers = self.combine([Member(self.model, self.base) for _ in range(count)])
        return fmodel, [q.detach() for q in params], buffers

    def evaluate(self, fmodel, params, buffers, splits):
        """Every member on every window: one vmapped forward per batch of windows; per member, per split, the mean loss."""
        forward = self.vmap(fmodel, in_dims=(0, 0, None))
        out = {}
        with torch.no_grad():
            for split in splits:
                losses = [window_nll(forward(params, buffers, ids), tgt) for ids, tgt in self.proto.eval_batches(split)]
                out[split] = torch.cat(losses, dim=-1).double().mean(-1).tolist()
        return [{split: out[split][m] for split in splits} for m in range(params[0].shape[0])]

    def run(self):
        p, model = self.proto, self.model
        units = p.spec["units"]
        results = {}
        specs = model.params
        # Base and quantisations: one ensemble of 1 + Q members.
        fmodel, params, buffers = self.stack(1 + len(p.quant))
        with torch.no_grad():
            for q_i, q in enumerate(p.quant):
                for i, s in enumerate(specs):
                    if len(s.shape) == 2:
                        params[i][1 + q_i].copy_(quantize(self.base[s.name], s.output_axis, q["bits"], q["group"]))
        for m, scores in enumerate(self.evaluate(fmodel, params, buffers, ("val", "test", "ood"))):
            results[units["base"] if m == 0 else units["quant"][m - 1]] = metrics(scores)
        del params
        # Noise: one ensemble of gammas x samples members, each base + N(0, (gamma * init std)^2).
        noise = p.noise
        draws = [(g_i, k) for g_i in range(len(noise["gammas"])) for k in range(noise["samples"])]
        fmodel, params, buffers = self.stack(len(draws))
        gammas = torch.tensor([noise["gammas"][g_i] for g_i, _ in draws])
        with torch.no_grad():
            for i, s in enumerate(specs):
                if s.init_std != 0:
                    sigma = (gammas * s.init_std).view(-1, *([1] * len(s.shape)))
                    params[i].add_(torch.randn_like(params[i]) * sigma)
        for (g_i, k), scores in zip(draws, self.evaluate(fmodel, params, buffers, ("ood",))):
            results[units["noise"][g_i][k]] = metrics(scores)
        del params
        # Fine-tunes: one ensemble of LR x seed members trained together.
        results.update(self.finetune())
        return results

    def finetune(self):
        p, model, ft = self.proto, self.model, self.ft_settings()
        members = p.members
        M = len(members)
        fmodel, params, buffers = self.stack(M)
        specs = model.params
        V = model.vocab_size

        def loss_of(member_params, member_buffers, ids, tgt):
            logits = fmodel(member_params, member_buffers, ids)
            return F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))

        from functorch import grad_and_value
        step_fn = self.vmap(grad_and_value(loss_of), in_dims=(0, 0, 0, 0))
        m_state = [torch.zeros_like(t) for t in params]
        v_state = [torch.zeros_like(t) for t in params]
        b1, b2, eps, wd, clip = ft["beta1"], ft["beta2"], ft["eps"], ft["weight_decay"], ft["clip"]
        decay_mask = [decays(s) for s in specs]
        loss = None
        for step in range(ft["steps"]):
            batches = [p.train_batch(seed_i, step) for _, seed_i in members]
            ids = torch.stack([b[0] for b in batches])
            tgt = torch.stack([b[1] for b in batches])
            grads, loss = step_fn(tuple(params), buffers, ids, tgt)
            with torch.no_grad():
                lr = torch.tensor([ft["schedules"][lr_i][step] for lr_i, _ in members], dtype=torch.float32)
                norm = torch.sqrt(sum(g.double().pow(2).flatten(1).sum(1) for g in grads))
                coef = torch.clamp(clip / (norm + 1e-6), max=1.0).float()
                t = step + 1
                step_size = lr / (1 - b1 ** t)
                corr2 = math.sqrt(1 - b2 ** t)
                for i, (w, g) in enumerate(zip(params, grads)):
                    shape = (M,) + (1,) * (w.dim() - 1)
                    g = g * coef.view(shape)
                    if decay_mask[i] and wd != 0:
                        w.mul_((1 - lr * wd).view(shape))
                    m_state[i].mul_(b1).add_(g, alpha=1 - b1)
                    v_state[i].mul_(b2).addcmul_(g, g, value=1 - b2)
                    denom = (v_state[i].sqrt() / corr2).add_(eps)
                    w.sub_(step_size.view(shape) * m_state[i] / denom)
        evaluated = self.evaluate(fmodel, params, buffers, ("val", "test", "ood"))
        out = {}
        for j, ((lr_i, seed_i), scores) in enumerate(zip(members, evaluated)):
            m = metrics(scores)
            m["train_loss_last"] = loss[j].item()
            out[p.spec["units"]["finetune"][lr_i][seed_i]] = m
        return out

    def ft_settings(self):
        return self.proto.ft


def metrics(scores):
    names = {"val": "id_val_loss", "test": "id_test_loss", "ood": "ood_loss"}
    return {names[k]: v for k, v in scores.items()}


# --------------------------------------------------------------------------
# the worker


class ScanWorker:
    def __init__(self, form, model, preset, proto, threads, checkpoint, results_path):
        self.form, self.model, self.preset, self.proto = form, model, preset, proto
        self.results_path = results_path
        self.base = {s.name: torch.empty(s.shape, dtype=torch.float32) for s in model.params}
        with torch.no_grad():
            safetensors_reader.load_into(checkpoint, self.base)

    def hello(self):
        ft = self.proto.ft
        return {
            "side": "pytorch-" + self.form,
            "model": self.preset,
            "model_type": self.model.family,
            "config": self.model.config,
            "params": sum(math.prod(s.shape) for s in self.model.params),
            "batch": ft["batch"],
            "seq": ft["seq"],
            "threads": torch.get_num_threads(),
            "versions": {"torch": torch.__version__, "python": platform.python_version(), "blas": loaded_blas(),
                         "openblas core": openblas_core(), "threading": threading()},
            "probes": {"loop": "one model at a time: torch.optim.AdamW, clip_grad_norm_ (float64 norm), normal_ + add_, float64 rounding",
                       "ensemble": "functorch combine_state_for_ensemble + vmap(grad_and_value) fine-tunes, vectorised AdamW,"
                                   " vmapped evaluation of noise and quantisation ensembles"}[self.form],
            "protocol": self.proto.summary(),
        }

    def scan(self, count):
        results = None
        for _ in range(count):
            runner = LoopScan if self.form == "loop" else EnsembleScan
            results = runner(self.model, self.proto, self.base).run()
        with open(self.results_path, "w", encoding="utf-8") as f:
            json.dump({"side": "pytorch-" + self.form, "units": results}, f)
        return results[self.proto.spec["units"]["base"]]["id_val_loss"]


def serve(worker, lines, out):
    for line in lines:
        words = line.split()
        if words == ["quit"]:
            return
        if len(words) != 2 or words[0] != "scan" or not words[1].isdigit() or int(words[1]) < 1:
            out.write("error expected 'scan <count>' with count >= 1, got '%s'\n" % line.strip())
            out.flush()
            continue
        try:
            start = time.perf_counter()
            loss = worker.scan(int(words[1]))
            out.write("ok %.9f %r\n" % (time.perf_counter() - start, float(loss)))
        except Exception as e:  # the harness reports it and stops; the worker stays answerable
            out.write("error %s: %s\n" % (type(e).__name__, str(e).replace("\n", " ")))
        out.flush()


def main():
    ap = argparse.ArgumentParser(description="PyTorch scan-protocol worker for bin/bench-peers --job scan")
    ap.add_argument("--form", required=True, choices=FORMS)
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--protocol", required=True, help="the protocol JSON the harness wrote")
    ap.add_argument("--results", required=True, help="where the last protocol's metrics go, unit by unit")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    try:
        with open(args.protocol, encoding="utf-8") as f:
            proto = Protocol(json.load(f))
        worker = ScanWorker(args.form, models.resolve(args.model), args.model, proto, args.threads, args.checkpoint, args.results)
    except (ValueError, OSError, KeyError) as e:
        print("error %s" % str(e).replace("\n", " "), flush=True)
        return 3
    print("hello " + json.dumps(worker.hello(), separators=(",", ":")), flush=True)
    serve(worker, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
