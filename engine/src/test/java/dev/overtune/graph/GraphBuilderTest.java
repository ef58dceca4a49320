package dev.overtune.graph;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad graphs fail when built, naming the node and the shapes. */
class GraphBuilderTest {
    @Test
    void matmulInnerMismatchNamesNodeAndShapes() {
        GraphBuilder g = new GraphBuilder("bad");
        Value a = g.input("a", DType.F32, Shape.of(2, 3, 4));
        Value b = g.input("b", DType.F32, Shape.of(5, 6));
        GraphException e;
        try (var s = g.scope("h.0/attn")) {
            e = assertThrows(GraphException.class, () -> g.matmul(a, b));
        }
        assertTrue(e.getMessage().contains("h.0/attn/MatMul_0"), e.getMessage());
        assertTrue(e.getMessage().contains("[2,3,4]") && e.getMessage().contains("[5,6]"), e.getMessage());
    }

    @Test
    void nonBroadcastableAddFails() {
        GraphBuilder g = new GraphBuilder("bad");
        Value a = g.input("a", DType.F32, Shape.of(2, 3));
        Value b = g.input("b", DType.F32, Shape.of(4));
        GraphException e = assertThrows(GraphException.class, () -> g.add(a, b));
        assertTrue(e.getMessage().contains("Add_0") && e.getMessage().contains("[2,3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void dtypeMismatchFails() {
        GraphBuilder g = new GraphBuilder("bad");
        Value a = g.input("a", DType.F32, Shape.of(2));
        Value b = g.input("b", DType.F64, Shape.of(2));
        assertThrows(GraphException.class, () -> g.mul(a, b));
    }

    @Test
    void reshapeToWrongSizeFails() {
        GraphBuilder g = new GraphBuilder("bad");
        Value a = g.input("a", DType.F32, Shape.of(2, 3));
        GraphException e = assertThrows(GraphException.class, () -> g.reshape(a, 4, 2));
        assertTrue(e.getMessage().contains("[2,3]") && e.getMessage().contains("[4,2]"), e.getMessage());
    }

    @Test
    void unknownOpNameFails() {
        GraphException e = assertThrows(GraphException.class, () -> Op.byName("FlashAttention"));
        assertTrue(e.getMessage().contains("FlashAttention"), e.getMessage());
        assertEquals(Op.MatMul.class, Op.byName("MatMul"));
    }

    @Test
    void gatherNeedsInt64Indices() {
        GraphBuilder g = new GraphBuilder("bad");
        Value table = g.input("table", DType.F32, Shape.of(10, 4));
        Value ids = g.input("ids", DType.F32, Shape.of(3));
        GraphException e = assertThrows(GraphException.class, () -> g.gather(table, ids));
        assertTrue(e.getMessage().contains("Gather_0") && e.getMessage().contains("I64"), e.getMessage());
    }

    @Test
    void duplicateInputNameFails() {
        GraphBuilder g = new GraphBuilder("bad");
        g.input("x", DType.F32, Shape.of(1));
        assertThrows(GraphException.class, () -> g.input("x", DType.F32, Shape.of(1)));
    }
}
