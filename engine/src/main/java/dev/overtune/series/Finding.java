package dev.overtune.series;

import java.util.List;

/** Something wrong with a series: what kind, which checkpoints, and a one-line message saying what to do. */
public record Finding(Kind kind, List<String> checkpoints, String message) {
    public enum Kind {
        /** Checkpoints whose weight files are byte for byte the same: one is probably mislabelled. */
        IDENTICAL_FILES("identical-files"),
        /** Checkpoints whose files differ (metadata, tensor order) but whose every tensor is the same. */
        SAME_WEIGHTS("same-weights"),
        /** Steps missing from the series' regular step grid. */
        STEP_GAP("step-gap"),
        /** Two checkpoints that claim the same step. */
        DUPLICATE_STEP("duplicate-step"),
        /** A later step with no more pre-training tokens than an earlier one. */
        TOKENS_NOT_INCREASING("tokens-not-increasing"),
        /** A file whose SHA-256 is not the one series.json promises, or that is missing. */
        HASH_MISMATCH("hash-mismatch"),
        /** A checkpoint that cannot be loaded: missing directory or config.json, corrupt or pickle-only weights. */
        UNREADABLE("unreadable");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The kebab-case name printed and written to JSON. */
        public String label() {
            return label;
        }
    }

    public Finding {
        checkpoints = List.copyOf(checkpoints);
    }
}
