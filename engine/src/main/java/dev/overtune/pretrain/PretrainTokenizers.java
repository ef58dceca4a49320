package dev.overtune.pretrain;

import dev.overtune.model.LanguageModel;
import dev.overtune.text.Tokenizer;

/** The one place pre-training picks its tokenizer, so the corpus' own BPE can replace UTF-8 bytes here and nowhere else. */
public final class PretrainTokenizers {
    private PretrainTokenizers() {}

    public static Tokenizer forModel(LanguageModel model) {
        return Tokenizer.forVocab(model.vocabSize());
    }
}
