"""The PyTorch peer's models: plain PyTorch, one function per Hugging Face model_type.

Each family function takes a Hugging Face config dict and returns a Model: the parameter specs
(names, shapes and init std exactly as overtune's engine declares them, so checkpoints written
by overtune load by name) and a forward function from token ids to logits. Adding a family is
adding one such function and one line to FAMILIES.
"""

import json
import math
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class ParamSpec:
    name: str
    shape: Tuple[int, ...]
    # What the noise probe scales by (the paper's Sigma); 0 for constant-initialised tensors.
    init_std: float
    # Matrices only: the axis holding output channels, where per-channel quantisation keeps a scale.
    output_axis: int = 0

    @property
    def decays(self):
        return len(self.shape) >= 2


@dataclass(frozen=True)
class Model:
    family: str
    config: dict
    params: List[ParamSpec]
    # (params: name -> tensor, ids: int64 [B, T]) -> logits [B, T, V]
    logits: Callable[[Dict[str, torch.Tensor], torch.Tensor], torch.Tensor]
    vocab_size: int
    context_length: int


# The presets of engine/src/main/java/dev/overtune/model/ModelConfigs.java, as the config.json
# overtune writes for them (Gpt2Config.toJson).
PRESETS = {
    "tiny": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 512, "n_positions": 64,
             "n_embd": 64, "n_layer": 2, "n_head": 4, "layer_norm_epsilon": 1e-5,
             "activation_function": "gelu_new", "tie_word_embeddings": True},
    "small": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 4096, "n_positions": 256,
              "n_embd": 256, "n_layer": 4, "n_head": 4, "layer_norm_epsilon": 1e-5,
              "activation_function": "gelu_new", "tie_word_embeddings": True},
}


def gpt2(cfg):
    """Hugging Face GPT2LMHeadModel: learned positions, pre-LN blocks, Conv1D weights [in, out], tied head."""
    V, P, C, L, H = cfg["vocab_size"], cfg["n_positions"], cfg["n_embd"], cfg["n_layer"], cfg["n_head"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    approximate = {"gelu_new": "tanh", "gelu": "none"}[cfg.get("activation_function", "gelu_new")]
    hd = C // H
    std = 0.02
    proj_std = 0.02 / math.sqrt(2 * L)  # GPT-2 scales the residual projections' init by 1/sqrt(2 n_layer)

    specs = [ParamSpec("transformer.wte.weight", (V, C), std), ParamSpec("transformer.wpe.weight", (P, C), std)]
    for i in range(L):
        h = "transformer.h.%d." % i
        specs += [
            ParamSpec(h + "ln_1.weight", (C,), 0.0), ParamSpec(h + "ln_1.bias", (C,), 0.0),
            ParamSpec(h + "attn.c_attn.weight", (C, 3 * C), std, 1), ParamSpec(h + "attn.c_attn.bias", (3 * C,), 0.0),
            ParamSpec(h + "attn.c_proj.weight", (C, C), proj_std, 1), ParamSpec(h + "attn.c_proj.bias", (C,), 0.0),
            ParamSpec(h + "ln_2.weight", (C,), 0.0), ParamSpec(h + "ln_2.bias", (C,), 0.0),
            ParamSpec(h + "mlp.c_fc.weight", (C, 4 * C), std, 1), ParamSpec(h + "mlp.c_fc.bias", (4 * C,), 0.0),
            ParamSpec(h + "mlp.c_proj.weight", (4 * C, C), proj_std, 1), ParamSpec(h + "mlp.c_proj.bias", (C,), 0.0),
        ]
    specs += [ParamSpec("transformer.ln_f.weight", (C,), 0.0), ParamSpec("transformer.ln_f.bias", (C,), 0.0)]

    masks = {}

    def conv1d(x, w, b):
        # Hugging Face's Conv1D: addmm over the flattened rows.
        return torch.addmm(b, x.reshape(-1, x.shape[-1]), w).view(*x.shape[:-1], w.shape[1])

    def logits(p, ids):
        B, T = ids.shape
        causal = masks.get(T)
        if causal is None:
            causal = masks[T] = torch.tril(torch.ones(T, T, dtype=torch.bool))
        x = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][:T]
        for i in range(L):
            h = "transformer.h.%d." % i
            a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)
            q, k, v = conv1d(a, p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"]).split(C, dim=2)
            q = q.view(B, T, H, hd).transpose(1, 2)
            k = k.view(B, T, H, hd).transpose(1, 2)
            v = v.view(B, T, H, hd).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
            att = torch.softmax(att.masked_fill(~causal, float("-inf")), dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, C)
            x = x + conv1d(y, p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"])
            m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
            up = F.gelu(conv1d(m, p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"]), approximate=approximate)
            x = x + conv1d(up, p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"])
        x = F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
        return x @ p["transformer.wte.weight"].t()

    return Model("gpt2", cfg, specs, logits, V, P)


FAMILIES = {"gpt2": gpt2}


def resolve(preset_or_path):
    """A preset name, a config.json, or a checkpoint directory holding one (as ModelConfigs.resolve)."""
    if preset_or_path in PRESETS:
        cfg = PRESETS[preset_or_path]
    else:
        path = preset_or_path
        if os.path.isdir(path):
            path = os.path.join(path, "config.json")
        if not os.path.isfile(path):
            raise ValueError("'%s' is neither a preset %s nor a config.json or checkpoint directory"
                             % (preset_or_path, sorted(PRESETS)))
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    family = FAMILIES.get(cfg.get("model_type"))
    if family is None:
        raise ValueError("model_type '%s' has no peer; the peer has %s" % (cfg.get("model_type"), sorted(FAMILIES)))
    return family(cfg)
