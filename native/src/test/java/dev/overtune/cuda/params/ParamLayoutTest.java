package dev.overtune.cuda.params;

import dev.overtune.cuda.DeviceTensor;
import dev.overtune.model.ParamSpec;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParamLayoutTest {
    private static final List<ParamSpec> SPECS = List.of(
            ParamSpec.normal("wte", 0.02, 10, 4),   // decays
            ParamSpec.normal("h.0.w", 0.02, 4, 4),  // decays
            ParamSpec.ones("h.0.ln.g", 4),
            ParamSpec.zeros("h.0.ln.b", 4),
            ParamSpec.normal("h.1.w", 0.02, 4, 4),
            ParamSpec.zeros("h.1.b", 4));

    @Test
    void tensorsSitWhereParamStorePutsThem() {
        ParamLayout layout = new ParamLayout(SPECS);
        assertEquals(40 + 16 + 4 + 4 + 16 + 4, layout.size());
        Map<String, DeviceTensor> f32 = layout.tensors(0x1000, DType.F32);
        assertEquals(List.of("wte", "h.0.w", "h.0.ln.g", "h.0.ln.b", "h.1.w", "h.1.b"), List.copyOf(f32.keySet()));
        assertEquals(0x1000, f32.get("wte").pointer());
        assertEquals(0x1000 + 56 * 4, f32.get("h.0.ln.g").pointer());
        assertEquals(Shape.of(4, 4), f32.get("h.1.w").shape());
        Map<String, DeviceTensor> f64 = layout.tensors(0x1000, DType.F64);
        assertEquals(0x1000 + 64 * 8, f64.get("h.1.w").pointer());
        assertEquals(DType.F64, f64.get("h.1.w").dtype());
    }

    @Test
    void adamwRunsMergeNeighboursThatDecayAlike() {
        assertEquals(List.of(new ParamLayout.Run(0, 56, true), new ParamLayout.Run(56, 8, false),
                        new ParamLayout.Run(64, 16, true), new ParamLayout.Run(80, 4, false)),
                new ParamLayout(SPECS).decayRuns());
    }
}
