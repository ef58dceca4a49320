package dev.overtune.backend;

import dev.overtune.graph.Graph;
import dev.overtune.tensor.HostTensor;

import java.util.Map;

/** Something that runs IR graphs: ONNX Runtime on CPU (the default) or CUDA. */
public interface Backend extends AutoCloseable {
    String name();

    /** Prepares a graph to run; slow (compilation), done once per graph. */
    Program compile(Graph graph);

    @Override
    void close();

    /** A compiled graph. */
    interface Program extends AutoCloseable {
        /**
         * Binds host tensors to the graph's inputs and outputs by name. Each {@link Binding#run()}
         * then reads the inputs' current contents and writes the outputs in place, with no copy.
         */
        Binding bind(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs);

        @Override
        void close();
    }

    interface Binding extends AutoCloseable {
        void run();

        @Override
        void close();
    }
}
