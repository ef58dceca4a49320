package dev.overtune.scan;

import dev.overtune.text.TokenWindows;
import dev.overtune.train.BatchSource;
import dev.overtune.train.Evaluator;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Language modelling on one token stream, split 80/10/10 into train, validation and test by position
 * (contiguous, so no window straddles two splits).
 */
public final class TextTask implements ScanTask {
    private final String name;
    private final int[] train;
    private final int[] validation;
    private final int[] test;
    private final String hash;

    public TextTask(String name, int[] tokens) {
        if (tokens.length < 100) {
            throw new IllegalArgumentException("task '" + name + "' has " + tokens.length + " tokens; a scan task needs at least 100");
        }
        this.name = name;
        int a = (int) (tokens.length * 0.8);
        int b = (int) (tokens.length * 0.9);
        this.train = Arrays.copyOfRange(tokens, 0, a);
        this.validation = Arrays.copyOfRange(tokens, a, b);
        this.test = Arrays.copyOfRange(tokens, b, tokens.length);
        this.hash = Unit.sha256(Arrays.toString(tokens)).substring(0, 16);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String contentHash() {
        return hash;
    }

    @Override
    public BatchSource train(long seed) {
        return new TokenWindows(train, seed);
    }

    @Override
    public Map<String, Double> evaluate(Evaluator evaluator, int maxBatches) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("id_val_loss", loss(evaluator, validation, maxBatches));
        m.put("id_test_loss", loss(evaluator, test, maxBatches));
        return m;
    }

    static double loss(Evaluator evaluator, int[] tokens, int maxBatches) {
        TokenWindows windows = new TokenWindows(tokens, 0);
        long batches = Math.min(maxBatches, windows.sequentialBatches(evaluator.batch().batchSize(), evaluator.batch().seqLen()));
        return evaluator.evaluate(windows.sequential(), batches).meanLoss();
    }
}
