package dev.overtune.cuda.exec;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryPlanTest {
    @Test
    void disjointLifetimesShareBytes() {
        MemoryPlan plan = MemoryPlan.of(List.of(new Lifetime(1000, 0, 1), new Lifetime(1000, 2, 3)));
        assertEquals(0, plan.offsets()[0]);
        assertEquals(0, plan.offsets()[1]);
        assertEquals(1024, plan.bytes());
        assertEquals(2048, plan.unsharedBytes());
    }

    @Test
    void overlappingLifetimesNeverShare() {
        // Step 1 is the last use of the first and the definition of the second: a kernel's output never overlaps its inputs.
        MemoryPlan plan = MemoryPlan.of(List.of(new Lifetime(1000, 0, 1), new Lifetime(300, 1, 2)));
        assertEquals(0, plan.offsets()[0]);
        assertEquals(1024, plan.offsets()[1], "256-byte aligned, after the first");
        assertEquals(1024 + 512, plan.bytes());
    }

    @Test
    void aFreedGapIsReusedFirstFit() {
        MemoryPlan plan = MemoryPlan.of(List.of(
                new Lifetime(256, 0, 1), new Lifetime(512, 0, 5), new Lifetime(256, 2, 5), new Lifetime(256, 3, 5)));
        assertEquals(0, plan.offsets()[0]);
        assertEquals(256, plan.offsets()[1]);
        assertEquals(0, plan.offsets()[2], "into the first buffer's bytes, free after step 1");
        assertEquals(768, plan.offsets()[3]);
        assertEquals(1024, plan.bytes());
    }

    @Test
    void randomPlansNeverOverlapLiveBuffers() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 200; trial++) {
            List<Lifetime> lifetimes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int first = random.nextInt(30);
                lifetimes.add(new Lifetime(random.nextLong(1, 5000), first, first + random.nextInt(10)));
            }
            MemoryPlan plan = MemoryPlan.of(lifetimes);
            for (int i = 0; i < lifetimes.size(); i++) {
                long a = plan.offsets()[i];
                assertEquals(0, a % MemoryPlan.ALIGNMENT);
                assertTrue(a + lifetimes.get(i).bytes() <= plan.bytes());
                for (int j = i + 1; j < lifetimes.size(); j++) {
                    long b = plan.offsets()[j];
                    boolean bytesOverlap = a < b + lifetimes.get(j).bytes() && b < a + lifetimes.get(i).bytes();
                    assertFalse(bytesOverlap && lifetimes.get(i).overlaps(lifetimes.get(j)),
                            "trial " + trial + ": buffers " + i + " and " + j + " are live together and share bytes");
                }
            }
            assertTrue(plan.bytes() <= plan.unsharedBytes());
        }
    }

    @Test
    void aGraphsChainReusesTheBlock() {
        GraphBuilder g = new GraphBuilder("chain");
        Value x = g.input("x", DType.F32, Shape.of(1024));
        Value a = g.exp(x);
        Value b = g.neg(a);
        Value c = g.tanh(b);
        Value d = g.neg(g.reshape(c, 32, 32));
        g.output("d", d);
        ExecutionPlan plan = GraphLowering.lower(g.build());
        List<Slot> outputs = plan.steps().stream().map(s -> ((Step.Kernel) s).args().getFirst()).toList();
        assertEquals(4, outputs.size(), "the reshape is an alias, not a launch");
        assertEquals(outputs.get(0), outputs.get(2), "exp's bytes are free once neg has read them");
        assertTrue(!outputs.get(0).equals(outputs.get(1)) && !outputs.get(1).equals(outputs.get(2)) && !outputs.get(2).equals(outputs.get(3)));
        assertEquals(2 * 4096, plan.blockBytes());
        assertEquals(outputs.get(3), plan.outputs().get("d"), "the output is read from where its kernel wrote it");
    }
}
