package dev.overtune.model;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;

import java.util.List;
import java.util.Map;

/** A decoder-only language model described as parameters plus a forward graph. */
public interface LanguageModel {
    /** The Hugging Face {@code model_type}. */
    String family();

    int vocabSize();

    int contextLength();

    /** Every trainable tensor, in the order checkpoints list them. */
    List<ParamSpec> params();

    /**
     * Tensors that published checkpoints carry but that are not parameters (causal-mask buffers and
     * the like): recognised and skipped when loading.
     */
    boolean isBuffer(String tensorName);

    /** Adds the forward pass to the graph: int64 ids [B,T] to logits [B,T,V]. */
    Value logits(GraphBuilder g, Map<String, Value> params, Value inputIds);

    /**
     * The axis of a weight matrix that holds its output channels (what per-channel quantisation
     * keeps a scale for): 0 for PyTorch's Linear layout [out, in] and for embeddings [vocab, dim].
     */
    default int outputAxis(ParamSpec matrix) {
        return 0;
    }

    /** The Hugging Face {@code config.json} for this model. */
    String configJson();
}
