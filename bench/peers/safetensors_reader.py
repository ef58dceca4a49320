"""A hand-written safetensors reader for the peer (Debian has no `safetensors` package).

Memory-maps each file and copies every tensor straight from the mapping into an existing torch
tensor: one copy, as overtune's mmap + ParamStore load does.
"""

import json
import mmap
import os
import re
import struct
import warnings

import torch

# safetensors dtype -> (torch dtype, bytes per element)
_DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8)}
SINGLE_FILE = "model.safetensors"
# Stored tensors that are not parameters: tied output heads saved beside their embedding, and the
# causal-mask and rotary buffers GPT-2 and Pythia exports carry.
NOT_PARAMETERS = re.compile(r"^(lm_head|embed_out)\.weight$|\.(attn|attention)\.(bias|masked_bias)$|rotary_emb\.inv_freq$")
INDEX_FILE = "model.safetensors.index.json"


def files_of(checkpoint_dir):
    """The weight files of a Hugging Face checkpoint directory: one file, or the shards an index names."""
    single = os.path.join(checkpoint_dir, SINGLE_FILE)
    if os.path.isfile(single):
        return [single]
    index = os.path.join(checkpoint_dir, INDEX_FILE)
    if os.path.isfile(index):
        with open(index, encoding="utf-8") as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        return [os.path.join(checkpoint_dir, s) for s in shards]
    raise FileNotFoundError("no %s or %s in %s" % (SINGLE_FILE, INDEX_FILE, checkpoint_dir))


def read(path):
    """Every tensor of one safetensors file, copied out of the mapping: name -> tensor."""
    out = {}
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        (header_len,) = struct.unpack("<Q", mm[:8])
        header = json.loads(mm[8:8 + header_len])
        header.pop("__metadata__", None)
        for name, info in header.items():
            dtype, size = _DTYPES[info["dtype"]]
            begin, end = info["data_offsets"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # read-only mapping; the view is copied at once
                out[name] = torch.frombuffer(mm, dtype=dtype, count=(end - begin) // size,
                                             offset=8 + header_len + begin).clone().view(info["shape"])
    return out


def load_into(checkpoint_dir, params):
    """Copies every stored tensor into params[name] (converting to its dtype); all params must be found."""
    missing = set(params)
    for path in files_of(checkpoint_dir):
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            (header_len,) = struct.unpack("<Q", mm[:8])
            header = json.loads(mm[8:8 + header_len])
            header.pop("__metadata__", None)
            base = 8 + header_len
            for name, info in header.items():
                dst = params.get(name)
                if dst is None and NOT_PARAMETERS.search(name):
                    continue
                if dst is None:
                    raise ValueError("%s: tensor '%s' is not a parameter of this model" % (path, name))
                dtype, size = _DTYPES[info["dtype"]]
                begin, end = info["data_offsets"]
                count = (end - begin) // size
                with warnings.catch_warnings():
                    # A read-only mapping: torch warns that the view is not writable; we only read it.
                    warnings.simplefilter("ignore")
                    src = torch.frombuffer(mm, dtype=dtype, count=count, offset=base + begin)
                if tuple(info["shape"]) != tuple(dst.shape):
                    raise ValueError("%s: '%s' has shape %s, the model needs %s" % (path, name, info["shape"], tuple(dst.shape)))
                dst.copy_(src.view(dst.shape))
                del src
                missing.discard(name)
    if missing:
        raise ValueError("%s: missing %s" % (checkpoint_dir, sorted(missing)[:5]))
