#!/usr/bin/env python3
"""Checks the peer's models against the engine's reference fixtures (engine/src/test/resources/reference).

Those fixtures were written by independent float64 PyTorch implementations (engine/src/test/python);
the peer, run in float32 on the fixture's weights and batch, must give the same logits and loss. It
also loads through the peer's own safetensors reader, including Pythia's stored buffers.

    /usr/bin/python3 bench/peers/check_peer.py          # exit 1 if any family is off
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_reader  # noqa: E402

REFERENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "engine", "src", "test", "resources", "reference")
TOLERANCE = 1e-4  # float32 against float64, relative to the largest logit


def check(fixture):
    model = models.resolve(fixture)
    params = {s.name: torch.empty(s.shape) for s in model.params}
    safetensors_reader.load_into(fixture, params)
    batch = safetensors_reader.read(os.path.join(fixture, "batch.safetensors"))
    expected = safetensors_reader.read(os.path.join(fixture, "expected.safetensors"))
    with torch.no_grad():
        logits = model.logits(params, batch["input_ids"])
        targets = batch["targets"].view(-1)
        w = batch["loss_mask"].view(-1) * (targets != -100)
        nll = F.cross_entropy(logits.view(-1, model.vocab_size), targets, ignore_index=-100, reduction="none")
        loss = ((nll * w).sum() / w.sum()).item()
    logit_error = ((logits - expected["logits"]).abs().max() / expected["logits"].abs().max()).item()
    loss_error = abs(loss - expected["loss"].item()) / abs(expected["loss"].item())
    ok = logit_error < TOLERANCE and loss_error < TOLERANCE
    print("%-22s %-8s logits %.1e  loss %.1e  %s" % (os.path.basename(fixture), model.family, logit_error, loss_error,
                                                    "ok" if ok else "OFF"))
    return ok


def main():
    fixtures = sorted(os.path.join(REFERENCES, d) for d in os.listdir(REFERENCES))
    results = [check(f) for f in fixtures]
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
