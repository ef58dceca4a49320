package dev.overtune.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only the nodes the outputs depend on are emitted. */
class OnnxEmitterTest {
    @Test
    void nodesNoOutputNeedsAreNotEmitted() {
        GraphBuilder g = new GraphBuilder("dead");
        Value x = g.input("x", DType.F32, Shape.of(2, 3));
        Value used = g.tanh(x);
        g.exp(x); // read by nothing
        g.reduceSum(g.mul(x, g.scalar(3.0, DType.F32)), false, 1); // nor this, nor its constant
        g.output("y", used);
        ModelProto m = OnnxEmitter.emit(g.build(), "");
        assertEquals(1, m.getGraph().getNodeCount());
        assertEquals("Tanh", m.getGraph().getNode(0).getOpType());
        assertEquals(0, m.getGraph().getInitializerCount());
    }

    @Test
    void noTrainGraphNodeIsDead() {
        // The causal mask is a constant added to the scores: without pruning, its gradient (a ReduceSum
        // over [B,H,T,T] per layer) would be computed and thrown away.
        ModelProto m = OnnxEmitter.emit(TrainingGraphs.train(ModelConfigs.resolve("tiny"), 2, 16), "");
        Set<String> consumed = m.getGraph().getNodeList().stream().flatMap(n -> n.getInputList().stream()).collect(Collectors.toSet());
        Set<String> outputs = m.getGraph().getOutputList().stream().map(o -> o.getName()).collect(Collectors.toSet());
        for (NodeProto n : m.getGraph().getNodeList()) {
            assertTrue(outputs.contains(n.getOutput(0)) || consumed.contains(n.getOutput(0)), "dead node " + n.getName());
        }
    }
}
