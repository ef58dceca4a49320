package dev.overtune.model;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;

import java.util.List;
import java.util.Map;

/**
 * The two-layer linear network of the paper's theory (§4), f(x) = W2·W1·x, as a language model over
 * one-hot tokens: W1·onehot(x) is row x of {@code w1.weight} [vocab, hidden] (a gather), and W2 is
 * {@code w2.weight} [hidden, vocab], so the logits of the next token are w1[x]·w2. No bias, no
 * non-linearity, no position: it models a bigram table of rank at most {@code hidden_size}, trained by
 * the engine's next-token cross-entropy like every other family.
 */
public final class LinearNetwork extends FamilyModel<LinearConfig> {
    public static final String W1 = "w1.weight";
    public static final String W2 = "w2.weight";


    public LinearNetwork(LinearConfig config) {
        super(config, List.of(
                ParamSpec.normal(W1, config.initStd(), config.vocabSize(), config.hiddenSize()),
                ParamSpec.normal(W2, config.initStd(), config.hiddenSize(), config.vocabSize())));
    }

    @Override
    public String family() {
        return "linear";
    }

    /** Both matrices are laid out [in, out]. */
    @Override
    public int outputAxis(ParamSpec matrix) {
        return 1;
    }

    @Override
    public Value logits(GraphBuilder g, Map<String, Value> w, Value ids) {
        Layers.requireIds(ids, family(), "n_positions", config().nPositions());
        return g.matmul(g.gather(w.get(W1), ids), w.get(W2));
    }
}
