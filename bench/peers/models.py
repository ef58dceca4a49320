"""The PyTorch peer's models: plain PyTorch, one function per Hugging Face model_type.

Each family function takes a Hugging Face config dict and returns a Model: the parameter specs
(names, shapes and init std exactly as overtune's engine declares them, so checkpoints written
by overtune load by name) and a forward function from token ids to logits. Adding a family is
adding one such function and one line to FAMILIES.
"""

import functools
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
# overtune writes for them (Gpt2Config, GptNeoXConfig and LlamaConfig.toJson): the harness compares
# these with overtune's own, key by key, and refuses to run when they differ.
PRESETS = {
    "tiny": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 512, "n_positions": 64,
             "n_embd": 64, "n_layer": 2, "n_head": 4, "layer_norm_epsilon": 1e-5,
             "activation_function": "gelu_new", "tie_word_embeddings": True},
    "small": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 4096, "n_positions": 256,
              "n_embd": 256, "n_layer": 4, "n_head": 4, "layer_norm_epsilon": 1e-5,
              "activation_function": "gelu_new", "tie_word_embeddings": True},
    "demo": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 256, "n_positions": 64,
             "n_embd": 64, "n_layer": 2, "n_head": 4, "layer_norm_epsilon": 1e-5,
             "activation_function": "gelu_new", "tie_word_embeddings": True},
    "overtrained": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 256, "n_positions": 64,
                    "n_embd": 32, "n_layer": 2, "n_head": 4, "layer_norm_epsilon": 1e-5,
                    "activation_function": "gelu_new", "tie_word_embeddings": True},
    "neox-tiny": {"model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"], "vocab_size": 512,
                  "max_position_embeddings": 64, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                  "intermediate_size": 256, "rotary_pct": 0.25, "rotary_emb_base": 10000.0, "use_parallel_residual": True,
                  "hidden_act": "gelu", "layer_norm_eps": 1e-5, "attention_bias": True, "tie_word_embeddings": False,
                  "initializer_range": 0.02},
    "llama-tiny": {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 512,
                   "max_position_embeddings": 64, "hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2,
                   "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "hidden_act": "silu",
                   "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "rope_scaling": None, "attention_bias": False,
                   "mlp_bias": False, "tie_word_embeddings": False, "initializer_range": 0.02},
    "olmo2-tiny": {"model_type": "olmo2", "architectures": ["Olmo2ForCausalLM"], "vocab_size": 512,
                   "max_position_embeddings": 64, "hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2,
                   "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 16, "hidden_act": "silu",
                   "rms_norm_eps": 1e-6, "rope_theta": 500000.0, "rope_scaling": None, "attention_bias": False,
                   "tie_word_embeddings": False, "initializer_range": 0.02},
}


# --------------------------------------------------------------------------
# pieces the families share

@functools.lru_cache(maxsize=None)
def future_mask(T):
    """[T, T], True where key j lies after query i: the scores causal attention masks out."""
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


def causal_attention(q, k, v):
    """q, k, v [B, H, T, hd] -> [B, T, H * hd]."""
    B, H, T, hd = q.shape
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
    att = torch.softmax(att.masked_fill(future_mask(T), float("-inf")), dim=-1)
    return (att @ v).transpose(1, 2).reshape(B, T, H * hd)


@functools.lru_cache(maxsize=None)
def rotary_tables(T, dims, base):
    """cos, sin [T, dims] for Hugging Face's rotate_half pairing (j, j + dims/2), angles in float64."""
    half = dims // 2
    freq = base ** (-torch.arange(half, dtype=torch.float64) * 2.0 / dims)
    angle = torch.arange(T, dtype=torch.float64)[:, None] * freq[None, :]
    angle = torch.cat((angle, angle), dim=-1)
    return torch.cos(angle).float(), torch.sin(angle).float()


def rotate(x, dims, base):
    """Rotary embedding on the first dims features of x [B, H, T, hd]; the rest pass through."""
    cos, sin = rotary_tables(x.shape[-2], dims, base)
    r, rest = x[..., :dims], x[..., dims:]
    half = dims // 2
    rotated = r * cos + torch.cat((-r[..., half:], r[..., :half]), dim=-1) * sin
    return rotated if rest.shape[-1] == 0 else torch.cat((rotated, rest), dim=-1)


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps))


def linear_specs(names_shapes, std):
    """nn.Linear weights [out, in] and embeddings: output channels on axis 0."""
    return [ParamSpec(n, shape, std if len(shape) == 2 else 0.0) for n, shape in names_shapes]


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

    def conv1d(x, w, b):
        # Hugging Face's Conv1D: addmm over the flattened rows.
        return torch.addmm(b, x.reshape(-1, x.shape[-1]), w).view(*x.shape[:-1], w.shape[1])

    def logits(p, ids):
        B, T = ids.shape
        x = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][:T]
        for i in range(L):
            h = "transformer.h.%d." % i
            a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)
            q, k, v = conv1d(a, p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"]).split(C, dim=2)
            y = causal_attention(*(t.view(B, T, H, hd).transpose(1, 2) for t in (q, k, v)))
            x = x + conv1d(y, p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"])
            m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
            up = F.gelu(conv1d(m, p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"]), approximate=approximate)
            x = x + conv1d(up, p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"])
        x = F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
        return x @ p["transformer.wte.weight"].t()

    return Model("gpt2", cfg, specs, logits, V, P)


def gpt_neox(cfg):
    """Hugging Face GPTNeoXForCausalLM (Pythia): LayerNorm, fused per-head q|k|v, partial rotary, parallel residual."""
    V, C, L, H, I = (cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
                     cfg["intermediate_size"])
    eps = cfg.get("layer_norm_eps", 1e-5)
    hd = C // H
    dims = int(hd * cfg.get("rotary_pct", 0.25))
    base = cfg.get("rotary_emb_base", 10000.0)
    parallel = cfg.get("use_parallel_residual", True)
    tied = cfg.get("tie_word_embeddings", False)
    approximate = {"gelu": "none", "gelu_new": "tanh"}[cfg.get("hidden_act", "gelu")]
    shapes = [("gpt_neox.embed_in.weight", (V, C))]
    for i in range(L):
        l = "gpt_neox.layers.%d." % i
        shapes += [(l + "input_layernorm.weight", (C,)), (l + "input_layernorm.bias", (C,)),
                   (l + "post_attention_layernorm.weight", (C,)), (l + "post_attention_layernorm.bias", (C,)),
                   (l + "attention.query_key_value.weight", (3 * C, C)), (l + "attention.query_key_value.bias", (3 * C,)),
                   (l + "attention.dense.weight", (C, C)), (l + "attention.dense.bias", (C,)),
                   (l + "mlp.dense_h_to_4h.weight", (I, C)), (l + "mlp.dense_h_to_4h.bias", (I,)),
                   (l + "mlp.dense_4h_to_h.weight", (C, I)), (l + "mlp.dense_4h_to_h.bias", (C,))]
    shapes += [("gpt_neox.final_layer_norm.weight", (C,)), ("gpt_neox.final_layer_norm.bias", (C,))]
    if not tied:
        shapes += [("embed_out.weight", (V, C))]

    def logits(p, ids):
        B, T = ids.shape
        x = p["gpt_neox.embed_in.weight"][ids]
        for i in range(L):
            l = "gpt_neox.layers.%d." % i
            a = F.layer_norm(x, (C,), p[l + "input_layernorm.weight"], p[l + "input_layernorm.bias"], eps)
            qkv = F.linear(a, p[l + "attention.query_key_value.weight"], p[l + "attention.query_key_value.bias"])
            qkv = qkv.view(B, T, H, 3 * hd).transpose(1, 2)  # per head: q, k, v of hd each
            q = rotate(qkv[..., :hd], dims, base)
            k = rotate(qkv[..., hd:2 * hd], dims, base)
            a = F.linear(causal_attention(q, k, qkv[..., 2 * hd:]), p[l + "attention.dense.weight"], p[l + "attention.dense.bias"])
            residual = x if parallel else x + a
            m = F.layer_norm(residual, (C,), p[l + "post_attention_layernorm.weight"], p[l + "post_attention_layernorm.bias"], eps)
            m = F.gelu(F.linear(m, p[l + "mlp.dense_h_to_4h.weight"], p[l + "mlp.dense_h_to_4h.bias"]), approximate=approximate)
            m = F.linear(m, p[l + "mlp.dense_4h_to_h.weight"], p[l + "mlp.dense_4h_to_h.bias"])
            x = x + a + m if parallel else residual + m
        x = F.layer_norm(x, (C,), p["gpt_neox.final_layer_norm.weight"], p["gpt_neox.final_layer_norm.bias"], eps)
        return F.linear(x, p["gpt_neox.embed_in.weight" if tied else "embed_out.weight"])

    return Model("gpt_neox", cfg, linear_specs(shapes, cfg.get("initializer_range", 0.02)), logits, V,
                 cfg.get("max_position_embeddings", 2048))


def llama(cfg):
    """Hugging Face LlamaForCausalLM, or Olmo2ForCausalLM for model_type olmo2 (norms after each sublayer, q/k norms)."""
    olmo2 = cfg["model_type"] == "olmo2"
    V, C, L, I = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim", C // H)
    eps = cfg.get("rms_norm_eps", 1e-5 if olmo2 else 1e-6)
    base = cfg.get("rope_theta", 10000.0)
    tied = cfg.get("tie_word_embeddings", False)
    shapes = [("model.embed_tokens.weight", (V, C))]
    for i in range(L):
        l = "model.layers.%d." % i
        shapes += [(l + "self_attn.q_proj.weight", (H * hd, C)), (l + "self_attn.k_proj.weight", (KV * hd, C)),
                   (l + "self_attn.v_proj.weight", (KV * hd, C)), (l + "self_attn.o_proj.weight", (C, H * hd))]
        if olmo2:
            shapes += [(l + "self_attn.q_norm.weight", (H * hd,)), (l + "self_attn.k_norm.weight", (KV * hd,))]
        shapes += [(l + "mlp.gate_proj.weight", (I, C)), (l + "mlp.up_proj.weight", (I, C)), (l + "mlp.down_proj.weight", (C, I))]
        norms = ("post_attention_layernorm", "post_feedforward_layernorm") if olmo2 else ("input_layernorm", "post_attention_layernorm")
        shapes += [(l + n + ".weight", (C,)) for n in norms]
    shapes += [("model.norm.weight", (C,))]
    if not tied:
        shapes += [("lm_head.weight", (V, C))]

    def attention(p, l, h, B, T):
        q = F.linear(h, p[l + "self_attn.q_proj.weight"])
        k = F.linear(h, p[l + "self_attn.k_proj.weight"])
        v = F.linear(h, p[l + "self_attn.v_proj.weight"])
        if olmo2:
            q = rms_norm(q, p[l + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, p[l + "self_attn.k_norm.weight"], eps)
        q = rotate(q.view(B, T, H, hd).transpose(1, 2), hd, base)
        k = rotate(k.view(B, T, KV, hd).transpose(1, 2), hd, base)
        v = v.view(B, T, KV, hd).transpose(1, 2)
        if KV != H:  # Hugging Face's repeat_kv: query head j reads key/value head j // (H / KV)
            k, v = (t[:, :, None].expand(B, KV, H // KV, T, hd).reshape(B, H, T, hd) for t in (k, v))
        return F.linear(causal_attention(q, k, v), p[l + "self_attn.o_proj.weight"])

    def mlp(p, l, h):
        gate = F.silu(F.linear(h, p[l + "mlp.gate_proj.weight"]))
        return F.linear(gate * F.linear(h, p[l + "mlp.up_proj.weight"]), p[l + "mlp.down_proj.weight"])

    def logits(p, ids):
        B, T = ids.shape
        x = p["model.embed_tokens.weight"][ids]
        for i in range(L):
            l = "model.layers.%d." % i
            if olmo2:
                x = x + rms_norm(attention(p, l, x, B, T), p[l + "post_attention_layernorm.weight"], eps)
                x = x + rms_norm(mlp(p, l, x), p[l + "post_feedforward_layernorm.weight"], eps)
            else:
                x = x + attention(p, l, rms_norm(x, p[l + "input_layernorm.weight"], eps), B, T)
                x = x + mlp(p, l, rms_norm(x, p[l + "post_attention_layernorm.weight"], eps))
        x = rms_norm(x, p["model.norm.weight"], eps)
        return F.linear(x, p["model.embed_tokens.weight" if tied else "lm_head.weight"])

    return Model(cfg["model_type"], cfg, linear_specs(shapes, cfg.get("initializer_range", 0.02)), logits, V,
                 cfg.get("max_position_embeddings", 2048))


FAMILIES = {"gpt2": gpt2, "gpt_neox": gpt_neox, "llama": llama, "olmo2": llama}


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
