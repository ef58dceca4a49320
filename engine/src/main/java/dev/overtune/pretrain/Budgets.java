package dev.overtune.pretrain;

import java.util.ArrayList;
import java.util.List;

/** The token budgets a series saves checkpoints at, strictly increasing. */
public record Budgets(List<Long> tokens) {
    public Budgets {
        tokens = List.copyOf(tokens);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("no budgets; give token counts such as 1M,2M,4M");
        }
        for (int i = 1; i < tokens.size(); i++) {
            if (tokens.get(i) <= tokens.get(i - 1)) {
                throw new IllegalArgumentException("budgets must increase strictly, but " + TokenCount.label(tokens.get(i))
                        + " follows " + TokenCount.label(tokens.get(i - 1)) + "; list them smallest first, each once");
            }
        }
    }

    /** Parses {@code 1M,2M,4M}. */
    public static Budgets parse(String list) {
        List<Long> out = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            out.add(TokenCount.parse(part));
        }
        return new Budgets(out);
    }

    public int size() {
        return tokens.size();
    }

    public long get(int i) {
        return tokens.get(i);
    }

    /** The checkpoint directory name for budget i, e.g. {@code tokens-1M}. */
    public String checkpointName(int i) {
        return "tokens-" + TokenCount.label(tokens.get(i));
    }

    @Override
    public String toString() {
        return String.join(",", tokens.stream().map(TokenCount::label).toList());
    }
}
