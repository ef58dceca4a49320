package dev.overtune.train;

/** Everything that shapes a training run besides the model and the data. */
public record TrainConfig(int batchSize, int seqLen, Schedule schedule, AdamW.Config adam, double clipNorm) {
    public TrainConfig {
        if (batchSize < 1 || seqLen < 1) {
            throw new IllegalArgumentException("batch size and sequence length must be positive, got " + batchSize + " x " + seqLen);
        }
        if (!(clipNorm > 0)) {
            throw new IllegalArgumentException("clip norm must be positive, got " + clipNorm);
        }
    }
}
