package dev.overtune.cuda.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NormReductionTest {
    @Test
    void normBlocksDependOnTheSizeAlone() {
        assertEquals(1, NormReduction.blocks(1));
        assertEquals(1, NormReduction.blocks(4096));
        assertEquals(2, NormReduction.blocks(4097));
        assertEquals(NormReduction.MAX_BLOCKS, NormReduction.blocks(124_439_808L));
    }
}
