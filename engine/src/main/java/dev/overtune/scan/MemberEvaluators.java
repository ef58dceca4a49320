package dev.overtune.scan;

import dev.overtune.backend.Backend;
import dev.overtune.model.LanguageModel;
import dev.overtune.train.MemberEvaluator;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scan's member-axis evaluators, one per member count, each compiled when a group of that size first needs it and
 * shared by every group of that size (noise draws, base and quantisations, fine-tunes). A member's results do not
 * depend on the count ({@code MemberEvaluatorTest}), so which evaluator a group lands in changes no stored value.
 * A backend that cannot compile the member-axis graph is asked once: after that every group is measured one by one.
 */
final class MemberEvaluators implements AutoCloseable {
    private final Backend backend;
    private final LanguageModel model;
    private final int batchSize;
    private final int seqLen;
    private final Arena arena;
    private final Map<Integer, MemberEvaluator> bySize = new LinkedHashMap<>();
    private boolean unavailable;

    MemberEvaluators(Backend backend, LanguageModel model, int batchSize, int seqLen, Arena arena) {
        this.backend = backend;
        this.model = model;
        this.batchSize = batchSize;
        this.seqLen = seqLen;
        this.arena = arena;
    }

    /** The evaluator of {@code members} members, or null when the backend cannot compile the member-axis graph. */
    MemberEvaluator get(int members) {
        if (unavailable) {
            return null;
        }
        MemberEvaluator e = bySize.get(members);
        if (e == null) {
            try {
                e = new MemberEvaluator(backend, model, members, batchSize, seqLen, arena);
            } catch (RuntimeException ex) {
                // The one-by-one path measures the same units; a backend without every op of the member-axis graph takes it.
                unavailable = true;
                return null;
            }
            bySize.put(members, e);
        }
        return e;
    }

    @Override
    public void close() {
        bySize.values().forEach(MemberEvaluator::close);
        bySize.clear();
    }
}
