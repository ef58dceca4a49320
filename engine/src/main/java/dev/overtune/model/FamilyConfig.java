package dev.overtune.model;

/** What every family's {@code config.json} record answers alike. */
public interface FamilyConfig {
    int vocabSize();

    /** The longest sequence the model takes (n_positions, max_position_embeddings). */
    int contextLength();

    /** The Hugging Face {@code config.json}. */
    String toJson();
}
