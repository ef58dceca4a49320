package dev.overtune.bench.peers;

/**
 * One measured round of a row: the job on each side, then the matmul peak on each side, so every
 * round's fraction of peak divides by a peak taken under the same machine load. The PyTorch calls are
 * null when the peer is absent; the peak calls are null in the peak row itself.
 */
public record Round(Call overtune, Call pytorch, Call overtunePeak, Call pytorchPeak) {}
