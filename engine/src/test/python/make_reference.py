#!/usr/bin/env python3
"""Independent PyTorch reference for overtune's GPT-2 engine tests.

What it is
    A from-scratch, plain-torch GPT-2 (the computation of Hugging Face's
    GPT2LMHeadModel: pre-LayerNorm blocks, Conv1D layout ``y = x @ W + b``,
    causal attention, "gelu_new", tied lm head, no dropout) for a tiny config.
    It builds seeded weights and a seeded batch, computes everything in
    float64, and writes small float32 fixtures that the Java tests compare
    against: logits, masked cross-entropy loss, the gradient of the loss
    w.r.t. every parameter, and a 10-step AdamW training run (per-step losses,
    learning rates and the final parameters).

    It is deliberately independent of overtune's code: it imports nothing from
    this repository and reads none of its files. It needs only torch and numpy
    (no transformers, no safetensors package; safetensors files are written
    and re-read by hand below).

How to run (from the repository root)
    /usr/bin/python3 engine/src/test/python/make_reference.py
    /usr/bin/python3 engine/src/test/python/make_reference.py --out /tmp/ref

Output (default: engine/src/test/resources/reference/gpt2-tiny/)
    config.json          HF-style GPT-2 config
    model.safetensors    initial weights, F32, HF parameter names
    batch.safetensors    input_ids (I64), targets (I64), loss_mask (F32)
    expected.safetensors logits, loss, grad.<name>, step_losses, step_lrs,
                         final.<name> (all F32)
    train.json           the training hyperparameters used

The output is byte-for-byte deterministic across runs. make_reference_families.py
reuses this file's batch, training run and fixture writer for the other families.
"""

import argparse
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

# --------------------------------------------------------------------------
# configuration

CONFIG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "vocab_size": 512,
    "n_positions": 64,
    "n_embd": 64,
    "n_layer": 2,
    "n_head": 4,
    "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new",
    "tie_word_embeddings": True,
    "n_inner": None,
}

TRAIN = {
    "seed": 1234,
    "batch_size": 2,
    "seq_len": 32,
    "steps": 10,
    "lr_peak": 1e-3,
    "lr_min": 1e-4,
    "warmup_steps": 2,
    "lr_schedule": "linear warmup lr_peak*(s+1)/warmup for s<warmup, then cosine from lr_peak to lr_min: "
                   "lr_min + 0.5*(lr_peak-lr_min)*(1+cos(pi*(s-warmup)/(steps-warmup)))",
    "optimizer": "torch.optim.AdamW",
    "betas": [0.9, 0.95],
    "eps": 1e-8,
    "weight_decay": 0.1,
    "weight_decay_applies_to": "parameters with dim >= 2 (others 0)",
    "grad_clip_norm": 1.0,
    "ignore_index": -100,
    "loss": "sum(w*nll)/sum(w), w = loss_mask * (targets != ignore_index)",
    "compute_dtype": "float64",
    "stored_dtype": "float32",
    "init": {
        "matrices_and_embeddings_std": 0.02,
        "c_proj_weight_std": "0.02/sqrt(2*n_layer)",
        "bias_std": 0.02,
        "layernorm_weight": "1 + N(0, 0.1)",
        "layernorm_bias_std": 0.02,
    },
}

DEFAULT_OUT = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "resources", "reference", "gpt2-tiny"))


# --------------------------------------------------------------------------
# safetensors, by hand

_DTYPES = {np.dtype("<f4"): "F32", np.dtype("<i8"): "I64", np.dtype("bool"): "BOOL"}
_NP_OF = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8"), "BOOL": np.dtype("bool")}
PRODUCER = "make_reference.py"


def to_numpy(t):
    """torch tensor -> little-endian numpy array (float -> F32, int -> I64)."""
    t = t.detach().cpu()
    if t.is_floating_point():
        return np.ascontiguousarray(t.to(torch.float32).numpy().astype("<f4"))
    if t.dtype == torch.int64:
        return np.ascontiguousarray(t.numpy().astype("<i8"))
    if t.dtype == torch.bool:
        return np.ascontiguousarray(t.numpy())
    raise TypeError("unsupported dtype %s" % t.dtype)


def write_safetensors(path, tensors, producer=PRODUCER):
    """tensors: dict name -> numpy array (<f4, <i8 or bool). Data laid out in sorted name order."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = tensors[name]
        dt = _DTYPES[arr.dtype]
        raw = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"producer": producer}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (dict name -> numpy array, metadata). Checks the layout strictly."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    meta = header.pop("__metadata__", None)
    out = {}
    expect = 0
    for name in sorted(header, key=lambda k: header[k]["data_offsets"][0]):
        info = header[name]
        b, e = info["data_offsets"]
        assert b == expect, "tensors not contiguous at %s" % name
        dt = _NP_OF[info["dtype"]]
        count = int(np.prod(info["shape"], dtype=np.int64)) if info["shape"] else 1
        assert e - b == count * dt.itemsize, "size mismatch for %s" % name
        out[name] = np.frombuffer(body[b:e], dtype=dt).reshape(info["shape"])
        expect = e
    assert expect == len(body), "trailing bytes in data section"
    return out, meta


def check_roundtrip(path, tensors, producer=PRODUCER):
    got, meta = read_safetensors(path)
    assert meta == {"producer": producer}, meta
    assert sorted(got) == sorted(tensors), (sorted(got), sorted(tensors))
    for k, v in tensors.items():
        g = got[k]
        assert g.dtype == v.dtype and g.shape == v.shape, k
        assert g.tobytes() == v.tobytes(), "value mismatch for %s" % k


# --------------------------------------------------------------------------
# model (functional, params held in a dict keyed by HF name)

def param_shapes(cfg):
    V, P, C, L = cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"], cfg["n_layer"]
    shapes = [("transformer.wte.weight", (V, C)), ("transformer.wpe.weight", (P, C))]
    for i in range(L):
        p = "transformer.h.%d." % i
        shapes += [
            (p + "ln_1.weight", (C,)), (p + "ln_1.bias", (C,)),
            (p + "attn.c_attn.weight", (C, 3 * C)), (p + "attn.c_attn.bias", (3 * C,)),
            (p + "attn.c_proj.weight", (C, C)), (p + "attn.c_proj.bias", (C,)),
            (p + "ln_2.weight", (C,)), (p + "ln_2.bias", (C,)),
            (p + "mlp.c_fc.weight", (C, 4 * C)), (p + "mlp.c_fc.bias", (4 * C,)),
            (p + "mlp.c_proj.weight", (4 * C, C)), (p + "mlp.c_proj.bias", (C,)),
        ]
    shapes += [("transformer.ln_f.weight", (C,)), ("transformer.ln_f.bias", (C,))]
    return shapes


def init_params(cfg):
    """float32 draws (so the stored F32 weights are exactly the float64 run's start)."""
    L = cfg["n_layer"]
    params = {}
    for name, shape in param_shapes(cfg):
        is_ln = ".ln_" in name
        if is_ln and name.endswith(".weight"):
            t = 1.0 + 0.1 * torch.randn(shape, dtype=torch.float32)
        elif name.endswith(".bias"):
            t = 0.02 * torch.randn(shape, dtype=torch.float32)
        elif name.endswith("c_proj.weight"):
            t = (0.02 / math.sqrt(2 * L)) * torch.randn(shape, dtype=torch.float32)
        else:
            t = 0.02 * torch.randn(shape, dtype=torch.float32)
        params[name] = t.contiguous()
    return params


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(p, cfg, idx):
    B, T = idx.shape
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    hs = C // H
    pos = torch.arange(T, dtype=torch.int64)
    x = p["transformer.wte.weight"][idx] + p["transformer.wpe.weight"][pos][None, :, :]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        q_ = "transformer.h.%d." % i
        h = F.layer_norm(x, (C,), p[q_ + "ln_1.weight"], p[q_ + "ln_1.bias"], eps)
        qkv = h @ p[q_ + "attn.c_attn.weight"] + p[q_ + "attn.c_attn.bias"]
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, H, hs).transpose(1, 2)
        k = k.view(B, T, H, hs).transpose(1, 2)
        v = v.view(B, T, H, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~causal, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        y = y @ p[q_ + "attn.c_proj.weight"] + p[q_ + "attn.c_proj.bias"]
        x = x + y
        h = F.layer_norm(x, (C,), p[q_ + "ln_2.weight"], p[q_ + "ln_2.bias"], eps)
        h = gelu_new(h @ p[q_ + "mlp.c_fc.weight"] + p[q_ + "mlp.c_fc.bias"])
        h = h @ p[q_ + "mlp.c_proj.weight"] + p[q_ + "mlp.c_proj.bias"]
        x = x + h
    x = F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    return x @ p["transformer.wte.weight"].t()


def masked_loss(logits, targets, loss_mask, ignore_index):
    valid = targets != ignore_index
    w = loss_mask * valid.to(loss_mask.dtype)
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (w * nll).sum() / w.sum()


def lr_at(s, tr):
    peak, lo, warm, S = tr["lr_peak"], tr["lr_min"], tr["warmup_steps"], tr["steps"]
    if s < warm:
        return peak * (s + 1) / warm
    prog = (s - warm) / (S - warm)
    return lo + 0.5 * (peak - lo) * (1.0 + math.cos(math.pi * prog))


# --------------------------------------------------------------------------

def make_batch(vocab_size, tr):
    """Seeded ids and targets, one ignored target and a masked tail, so both loss weights are exercised."""
    B, T, ign = tr["batch_size"], tr["seq_len"], tr["ignore_index"]
    input_ids = torch.randint(0, vocab_size, (B, T), dtype=torch.int64)
    targets = torch.randint(0, vocab_size, (B, T), dtype=torch.int64)
    targets[1][3] = ign
    loss_mask = torch.ones(B, T, dtype=torch.float32)
    loss_mask[1][-5:] = 0.0
    return input_ids, targets, loss_mask


def reference_tensors(cfg, tr, forward, init32, input_ids, targets, loss_mask):
    """Runs forward/backward and the AdamW steps in float64 from the float32 init32 (name -> tensor,
    in checkpoint order); returns the model, batch and expected tensors to store, as numpy arrays."""
    ign = tr["ignore_index"]
    names = list(init32)
    mask64 = loss_mask.double()

    # ---- forward / backward at the initial weights
    p = {n: init32[n].double().requires_grad_(True) for n in names}
    logits = forward(p, cfg, input_ids)
    loss = masked_loss(logits, targets, mask64, ign)
    loss.backward()
    for n in names:
        assert p[n].grad is not None and p[n].grad.abs().max().item() > 0, "trivial grad for " + n

    # ---- AdamW steps from the same initial weights, same batch
    q = {n: init32[n].double().requires_grad_(True) for n in names}
    plist = [q[n] for n in names]
    decay = [q[n] for n in names if q[n].dim() >= 2]
    no_decay = [q[n] for n in names if q[n].dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": tr["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=tr["lr_peak"], betas=tuple(tr["betas"]), eps=tr["eps"])
    step_losses, step_lrs = [], []
    for s in range(tr["steps"]):
        opt.zero_grad(set_to_none=True)
        l = masked_loss(forward(q, cfg, input_ids), targets, mask64, ign)
        l.backward()
        torch.nn.utils.clip_grad_norm_(plist, tr["grad_clip_norm"])
        lr = lr_at(s, tr)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        step_losses.append(l.item())
        step_lrs.append(lr)
    assert step_losses[0] == loss.item(), (step_losses[0], loss.item())

    # ---- assemble outputs
    model_t = {n: to_numpy(init32[n]) for n in names}
    for n in names:  # stored F32 weights must be exactly the start of the float64 run
        assert np.array_equal(model_t[n].astype(np.float64), p[n].detach().numpy())
    batch_t = {"input_ids": to_numpy(input_ids), "targets": to_numpy(targets),
               "loss_mask": to_numpy(loss_mask)}
    expected_t = {"logits": to_numpy(logits), "loss": to_numpy(loss.detach().reshape(1)),
                  "step_losses": to_numpy(torch.tensor(step_losses, dtype=torch.float64)),
                  "step_lrs": to_numpy(torch.tensor(step_lrs, dtype=torch.float64))}
    for n in names:
        expected_t["grad." + n] = to_numpy(p[n].grad)
        expected_t["final." + n] = to_numpy(q[n])
    return model_t, batch_t, expected_t


def write_fixture(out, cfg, tr, model_t, batch_t, expected_t, producer=PRODUCER):
    """Writes and re-reads the five fixture files; returns their total size in bytes."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(cfg, indent=2) + "\n")
    with open(os.path.join(out, "train.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(tr, indent=2) + "\n")
    for fname, tens in (("model.safetensors", model_t), ("batch.safetensors", batch_t),
                        ("expected.safetensors", expected_t)):
        path = os.path.join(out, fname)
        write_safetensors(path, tens, producer)
        check_roundtrip(path, tens, producer)
    with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
        assert json.load(f) == cfg
    with open(os.path.join(out, "train.json"), encoding="utf-8") as f:
        assert json.load(f) == tr

    print("loss %.9f" % expected_t["loss"][0])
    for s, (l, lr) in enumerate(zip(expected_t["step_losses"], expected_t["step_lrs"])):
        print("step %d lr %.6e loss %.9f" % (s, lr, l))
    total = 0
    for fname in sorted(os.listdir(out)):
        sz = os.path.getsize(os.path.join(out, fname))
        total += sz
        print("%-22s %9d" % (fname, sz))
    print("total %d bytes" % total)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    cfg, tr = CONFIG, TRAIN
    assert tr["seq_len"] <= cfg["n_positions"]

    torch.manual_seed(tr["seed"])
    init32 = init_params(cfg)
    input_ids, targets, loss_mask = make_batch(cfg["vocab_size"], tr)
    tensors = reference_tensors(cfg, tr, forward, init32, input_ids, targets, loss_mask)
    total = write_fixture(args.out, cfg, tr, *tensors)
    assert total < 2 * 1024 * 1024, "fixtures over 2 MB"


if __name__ == "__main__":
    main()
