#!/usr/bin/env python3
"""Independent PyTorch references for overtune's GPT-NeoX, Llama and OLMo-2 engine tests.

What it is
    From-scratch, plain-torch forward passes written from the published
    architectures (the computations of Hugging Face's GPTNeoXForCausalLM,
    LlamaForCausalLM and Olmo2ForCausalLM, no dropout), each for a tiny config:

    neox-tiny   GPT-NeoX / Pythia: LayerNorm, fused per-head-interleaved
                query_key_value, rotary embedding on the first rotary_pct of
                each head, parallel residual, exact (erf) GELU, untied
                embed_out. Its model.safetensors also carries the buffers
                Pythia checkpoints hold (causal mask, masked_bias, inv_freq),
                which a loader must skip.
    neox-sequential-tiny  the other NeoX options: sequential residual, tanh
                GELU ("gelu_new"), rotary on half of each head.
    llama-tiny  Llama: pre-RMSNorm, grouped-query attention (2 key/value heads
                for 4 query heads), rotary on whole heads, SwiGLU, untied
                lm_head.
    olmo2-tiny  OLMo-2: RMSNorm on the full q and k projections before rotary,
                norms after each sublayer, tied output head.
    olmo-tiny   OLMo-1: Llama's blocks with a LayerNorm that has no weight and
                no bias (eps 1e-5) for every norm, q, k and v clamped to
                [-clip_qkv, clip_qkv], tied output head.
    qwen2-tiny  Qwen2: Llama's blocks with biases on the q, k and v
                projections, grouped-query attention, tied output head.
    mistral-tiny  Mistral: Llama's blocks with a sliding attention window
                (8) smaller than the sequence (32): query i sees keys
                i-8 < j <= i.

    Everything else (seeded float32 init, seeded batch, float64 compute,
    masked loss, ten AdamW steps, fixture layout) is shared with the GPT-2
    reference in make_reference.py, which this script imports. Like it, this
    script imports nothing from overtune's Java code and needs only torch and
    numpy.

How to run (from the repository root)
    /usr/bin/python3 engine/src/test/python/make_reference_families.py
    /usr/bin/python3 engine/src/test/python/make_reference_families.py --out /tmp/ref

Output (default: engine/src/test/resources/reference/): one directory per
family with the file set of gpt2-tiny (config.json, model.safetensors,
batch.safetensors, expected.safetensors, train.json). Deterministic.
"""

import argparse
import copy
import math
import os

import torch
import torch.nn.functional as F

import make_reference as ref

PRODUCER = "make_reference_families.py"
DEFAULT_OUT = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "resources", "reference"))

NEOX = {
    "model_type": "gpt_neox",
    "architectures": ["GPTNeoXForCausalLM"],
    "vocab_size": 256,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 128,
    "max_position_embeddings": 64,
    "rotary_pct": 0.25,
    "rotary_emb_base": 10000,
    "use_parallel_residual": True,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-5,
    "initializer_range": 0.02,
    "tie_word_embeddings": False,
}

# The other NeoX options: sequential residual, tanh GELU, half-head rotary, smaller still.
NEOX_SEQUENTIAL = dict(NEOX, **{
    "vocab_size": 128,
    "hidden_size": 32,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "rotary_pct": 0.5,
    "use_parallel_residual": False,
    "hidden_act": "gelu_new",
})

LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "vocab_size": 256,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 64,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "attention_bias": False,
    "mlp_bias": False,
    "initializer_range": 0.02,
    "tie_word_embeddings": False,
}

OLMO2 = {
    "model_type": "olmo2",
    "architectures": ["Olmo2ForCausalLM"],
    "vocab_size": 256,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "max_position_embeddings": 64,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-5,
    "rope_theta": 500000.0,
    "rope_scaling": None,
    "attention_bias": False,
    "initializer_range": 0.02,
    "tie_word_embeddings": True,
}

OLMO = {
    "model_type": "olmo",
    "architectures": ["OlmoForCausalLM"],
    "vocab_size": 128,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "max_position_embeddings": 64,
    "hidden_act": "silu",
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "attention_bias": False,
    "clip_qkv": 0.25,
    "initializer_range": 0.02,
    "tie_word_embeddings": True,
}

QWEN2 = {
    "model_type": "qwen2",
    "architectures": ["Qwen2ForCausalLM"],
    "vocab_size": 128,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 64,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0,
    "rope_scaling": None,
    "use_sliding_window": False,
    "sliding_window": 4096,
    "max_window_layers": 2,
    "initializer_range": 0.02,
    "tie_word_embeddings": True,
}

MISTRAL = {
    "model_type": "mistral",
    "architectures": ["MistralForCausalLM"],
    "vocab_size": 128,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 64,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0,
    "rope_scaling": None,
    "sliding_window": 8,
    "initializer_range": 0.02,
    "tie_word_embeddings": False,
}

INIT = {
    "matrices_and_embeddings_std": 0.02,
    "bias_std": 0.02,
    "norm_weight": "1 + N(0, 0.1)",
    "norm_bias_std": 0.02,
}


# --------------------------------------------------------------------------
# shared pieces

def init_params(shapes):
    """float32 draws in checkpoint order; norms near one and non-zero biases so every path has a gradient."""
    params = {}
    for name, shape in shapes:
        is_norm = "norm" in name
        if is_norm and name.endswith(".weight"):
            t = 1.0 + 0.1 * torch.randn(shape, dtype=torch.float32)
        else:
            t = 0.02 * torch.randn(shape, dtype=torch.float32)
        params[name] = t.contiguous()
    return params


def rope(x, base):
    """Rotates feature pairs (j, j + d/2) of x [..., T, d] by angle t * base^(-2j/d) at position t."""
    T, d = x.shape[-2], x.shape[-1]
    half = d // 2
    freq = base ** (-torch.arange(half, dtype=torch.float64) * 2.0 / d)
    angle = torch.arange(T, dtype=torch.float64)[:, None] * freq[None, :]
    c, s = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
    a, b = x[..., :half], x[..., half:]
    return torch.cat((a * c - b * s, b * c + a * s), dim=-1)


def causal_attention(q, k, v, window=None):
    """q [B,H,T,hd]; k, v [B,H,T,hd] -> [B,T,H*hd]; with a window, query i sees keys i-window < j <= i."""
    B, H, T, hd = q.shape
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    if window is not None:
        future = future | torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-window)
    weights = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
    return (weights @ v).transpose(1, 2).reshape(B, T, H * hd)


def rms_norm(x, weight, eps):
    return weight * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps))


# --------------------------------------------------------------------------
# GPT-NeoX

def neox_shapes(cfg):
    V, C, L, I = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    shapes = [("gpt_neox.embed_in.weight", (V, C))]
    for i in range(L):
        p = "gpt_neox.layers.%d." % i
        shapes += [
            (p + "input_layernorm.weight", (C,)), (p + "input_layernorm.bias", (C,)),
            (p + "post_attention_layernorm.weight", (C,)), (p + "post_attention_layernorm.bias", (C,)),
            (p + "attention.query_key_value.weight", (3 * C, C)), (p + "attention.query_key_value.bias", (3 * C,)),
            (p + "attention.dense.weight", (C, C)), (p + "attention.dense.bias", (C,)),
            (p + "mlp.dense_h_to_4h.weight", (I, C)), (p + "mlp.dense_h_to_4h.bias", (I,)),
            (p + "mlp.dense_4h_to_h.weight", (C, I)), (p + "mlp.dense_4h_to_h.bias", (C,)),
        ]
    shapes += [("gpt_neox.final_layer_norm.weight", (C,)), ("gpt_neox.final_layer_norm.bias", (C,)),
               ("embed_out.weight", (V, C))]
    return shapes


def neox_buffers(cfg):
    """The non-parameter tensors Pythia checkpoints store in every layer."""
    hd = cfg["hidden_size"] // cfg["num_attention_heads"]
    r = int(hd * cfg["rotary_pct"])
    P = cfg["max_position_embeddings"]
    inv_freq = 1.0 / (cfg["rotary_emb_base"] ** (torch.arange(0, r, 2, dtype=torch.float32) / r))
    out = {}
    for i in range(cfg["num_hidden_layers"]):
        p = "gpt_neox.layers.%d.attention." % i
        out[p + "bias"] = ref.to_numpy(torch.tril(torch.ones(P, P, dtype=torch.bool)).view(1, 1, P, P))
        out[p + "masked_bias"] = ref.to_numpy(torch.tensor(-1e9))
        out[p + "rotary_emb.inv_freq"] = ref.to_numpy(inv_freq)
    return out


def neox_forward(p, cfg, idx):
    B, T = idx.shape
    C, H, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    hd = C // H
    r = int(hd * cfg["rotary_pct"])
    act = {"gelu": F.gelu, "gelu_new": ref.gelu_new}[cfg["hidden_act"]]
    x = p["gpt_neox.embed_in.weight"][idx]
    for i in range(cfg["num_hidden_layers"]):
        w = lambda n: p["gpt_neox.layers.%d.%s" % (i, n)]
        h = F.layer_norm(x, (C,), w("input_layernorm.weight"), w("input_layernorm.bias"), eps)
        qkv = F.linear(h, w("attention.query_key_value.weight"), w("attention.query_key_value.bias"))
        qkv = qkv.view(B, T, H, 3, hd).permute(3, 0, 2, 1, 4)  # per head: q, k, v of hd each
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = torch.cat((rope(q[..., :r], cfg["rotary_emb_base"]), q[..., r:]), dim=-1)
        k = torch.cat((rope(k[..., :r], cfg["rotary_emb_base"]), k[..., r:]), dim=-1)
        a = F.linear(causal_attention(q, k, v), w("attention.dense.weight"), w("attention.dense.bias"))

        def mlp(y):
            y = F.layer_norm(y, (C,), w("post_attention_layernorm.weight"), w("post_attention_layernorm.bias"), eps)
            y = act(F.linear(y, w("mlp.dense_h_to_4h.weight"), w("mlp.dense_h_to_4h.bias")))
            return F.linear(y, w("mlp.dense_4h_to_h.weight"), w("mlp.dense_4h_to_h.bias"))

        if cfg["use_parallel_residual"]:
            x = x + a + mlp(x)
        else:
            x = x + a
            x = x + mlp(x)
    x = F.layer_norm(x, (C,), p["gpt_neox.final_layer_norm.weight"], p["gpt_neox.final_layer_norm.bias"], eps)
    return F.linear(x, p["embed_out.weight"])


# --------------------------------------------------------------------------
# Llama and OLMo-2

def llama_shapes(cfg):
    V, C, L, I = cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = C // H
    olmo2 = cfg["model_type"] == "olmo2"
    norm_weights = cfg["model_type"] != "olmo"  # OLMo-1's LayerNorm has no parameters
    shapes = [("model.embed_tokens.weight", (V, C))]
    for i in range(L):
        p = "model.layers.%d." % i
        shapes += [
            (p + "self_attn.q_proj.weight", (H * hd, C)), (p + "self_attn.k_proj.weight", (KV * hd, C)),
            (p + "self_attn.v_proj.weight", (KV * hd, C)), (p + "self_attn.o_proj.weight", (C, H * hd)),
        ]
        if cfg["model_type"] == "qwen2":
            shapes += [(p + "self_attn.q_proj.bias", (H * hd,)), (p + "self_attn.k_proj.bias", (KV * hd,)),
                       (p + "self_attn.v_proj.bias", (KV * hd,))]
        if olmo2:
            shapes += [(p + "self_attn.q_norm.weight", (H * hd,)), (p + "self_attn.k_norm.weight", (KV * hd,))]
        shapes += [(p + "mlp.gate_proj.weight", (I, C)), (p + "mlp.up_proj.weight", (I, C)),
                   (p + "mlp.down_proj.weight", (C, I))]
        if olmo2:
            shapes += [(p + "post_attention_layernorm.weight", (C,)), (p + "post_feedforward_layernorm.weight", (C,))]
        elif norm_weights:
            shapes += [(p + "input_layernorm.weight", (C,)), (p + "post_attention_layernorm.weight", (C,))]
    if norm_weights:
        shapes += [("model.norm.weight", (C,))]
    if not cfg["tie_word_embeddings"]:
        shapes += [("lm_head.weight", (V, C))]
    return shapes


def llama_forward(p, cfg, idx):
    B, T = idx.shape
    C, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = C // H
    olmo2 = cfg["model_type"] == "olmo2"
    olmo = cfg["model_type"] == "olmo"
    eps = 1e-5 if olmo else cfg["rms_norm_eps"]
    clip = cfg.get("clip_qkv") if olmo else None
    window = cfg.get("sliding_window") if cfg["model_type"] == "mistral" else None
    assert cfg["hidden_act"] == "silu"

    def norm(x, weight_name):
        if olmo:
            return F.layer_norm(x, (C,), None, None, eps)
        return rms_norm(x, p[weight_name], eps)

    x = p["model.embed_tokens.weight"][idx]
    for i in range(cfg["num_hidden_layers"]):
        w = lambda n: p["model.layers.%d.%s" % (i, n)]

        def attention(h):
            bias = lambda n: p.get("model.layers.%d.self_attn.%s_proj.bias" % (i, n))
            q = F.linear(h, w("self_attn.q_proj.weight"), bias("q"))
            k = F.linear(h, w("self_attn.k_proj.weight"), bias("k"))
            v = F.linear(h, w("self_attn.v_proj.weight"), bias("v"))
            if clip is not None:
                q, k, v = q.clamp(-clip, clip), k.clamp(-clip, clip), v.clamp(-clip, clip)
            if olmo2:
                q = rms_norm(q, w("self_attn.q_norm.weight"), eps)
                k = rms_norm(k, w("self_attn.k_norm.weight"), eps)
            q = rope(q.view(B, T, H, hd).transpose(1, 2), cfg["rope_theta"])
            k = rope(k.view(B, T, KV, hd).transpose(1, 2), cfg["rope_theta"])
            v = v.view(B, T, KV, hd).transpose(1, 2)
            # query head j reads key/value head j // (H / KV)
            k = k.repeat_interleave(H // KV, dim=1)
            v = v.repeat_interleave(H // KV, dim=1)
            return F.linear(causal_attention(q, k, v, window), w("self_attn.o_proj.weight"))

        def mlp(h):
            gate = F.linear(h, w("mlp.gate_proj.weight"))
            return F.linear(F.silu(gate) * F.linear(h, w("mlp.up_proj.weight")), w("mlp.down_proj.weight"))

        if olmo2:
            x = x + rms_norm(attention(x), w("post_attention_layernorm.weight"), eps)
            x = x + rms_norm(mlp(x), w("post_feedforward_layernorm.weight"), eps)
        else:
            x = x + attention(norm(x, "model.layers.%d.input_layernorm.weight" % i))
            x = x + mlp(norm(x, "model.layers.%d.post_attention_layernorm.weight" % i))
    x = norm(x, "model.norm.weight")
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    return F.linear(x, head)


# --------------------------------------------------------------------------

FAMILIES = [
    ("neox-tiny", NEOX, neox_shapes, neox_forward, neox_buffers),
    ("neox-sequential-tiny", NEOX_SEQUENTIAL, neox_shapes, neox_forward, neox_buffers),
    ("llama-tiny", LLAMA, llama_shapes, llama_forward, None),
    ("olmo2-tiny", OLMO2, llama_shapes, llama_forward, None),
    ("olmo-tiny", OLMO, llama_shapes, llama_forward, None),
    ("qwen2-tiny", QWEN2, llama_shapes, llama_forward, None),
    ("mistral-tiny", MISTRAL, llama_shapes, llama_forward, None),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="parent directory of the fixtures (default: %(default)s)")
    ap.add_argument("--only", nargs="*", help="write only these fixtures (default: all)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    grand_total = 0
    for name, cfg, shapes, forward, buffers in FAMILIES:
        if args.only and name not in args.only:
            continue
        tr = copy.deepcopy(ref.TRAIN)
        tr["init"] = INIT
        assert tr["seq_len"] <= cfg["max_position_embeddings"]
        print("== " + name)
        torch.manual_seed(tr["seed"])
        init32 = init_params(shapes(cfg))
        input_ids, targets, loss_mask = ref.make_batch(cfg["vocab_size"], tr)
        model_t, batch_t, expected_t = ref.reference_tensors(cfg, tr, forward, init32, input_ids, targets, loss_mask)
        if buffers is not None:
            model_t.update(buffers(cfg))
        grand_total += ref.write_fixture(os.path.join(args.out, name), cfg, tr, model_t, batch_t, expected_t, PRODUCER)
    print("all families: %d bytes" % grand_total)
    # OLMo-1, Qwen2 and Mistral are at neox-sequential-tiny's smaller size, some 370 KB each.
    assert grand_total < 5.5 * 1024 * 1024, "fixtures over 5.5 MB"


if __name__ == "__main__":
    main()
