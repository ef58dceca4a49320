package dev.overtune.cuda.params;

import dev.overtune.cuda.DeviceTensor;
import dev.overtune.model.ParamSpec;
import dev.overtune.tensor.DType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter sits in one flat block, in {@link dev.overtune.model.ParamStore}'s order, so
 * a device block and the host block match element for element and copy in one call.
 */
public final class ParamLayout {
    /** Contiguous parameters that all decay or all do not: one AdamW launch each. */
    public record Run(long offset, long count, boolean decays) {}

    private final List<ParamSpec> specs;
    private final long[] offsets;
    private final long size;
    private final List<Run> runs;

    public ParamLayout(List<ParamSpec> specs) {
        this.specs = List.copyOf(specs);
        this.offsets = new long[specs.size()];
        List<Run> merged = new ArrayList<>();
        long at = 0;
        for (int k = 0; k < specs.size(); k++) {
            ParamSpec p = specs.get(k);
            offsets[k] = at;
            long n = p.shape().size();
            Run last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last.decays() == p.decays()) {
                merged.set(merged.size() - 1, new Run(last.offset(), last.count() + n, last.decays()));
            } else if (n > 0) {
                merged.add(new Run(at, n, p.decays()));
            }
            at += n;
        }
        this.size = at;
        this.runs = Collections.unmodifiableList(merged);
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    /** Where parameter k (in spec order) starts, in elements from the start of the block. */
    public long offset(int k) {
        return offsets[k];
    }

    /** Elements in the whole block. */
    public long size() {
        return size;
    }

    public List<Run> decayRuns() {
        return runs;
    }

    /** One tensor per parameter, by name in spec order, inside a block of this layout at base holding dtype elements. */
    public Map<String, DeviceTensor> tensors(long base, DType dtype) {
        Map<String, DeviceTensor> out = new LinkedHashMap<>();
        for (int k = 0; k < specs.size(); k++) {
            ParamSpec p = specs.get(k);
            out.put(p.name(), new DeviceTensor(base + offsets[k] * dtype.byteSize(), dtype, p.shape()));
        }
        return out;
    }
}
