package dev.overtune.bench.peers;

/** One measured round of a row: the job on each side, back to back. PyTorch's call is null when the peer is absent. */
public record Round(Call overtune, Call pytorch) {}
