package dev.overtune.backend;

import dev.overtune.graph.Graph;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.HostTensor;

import java.util.HashMap;
import java.util.Map;

/** Something that runs IR graphs: ONNX Runtime on CPU (the default) or CUDA. */
public interface Backend extends AutoCloseable {
    String name();

    /** Prepares a graph to run; slow (compilation), done once per graph. */
    Program compile(Graph graph);

    /**
     * Room for a model's parameters where this backend's programs read them, with {@code host} as the host
     * copy: the store itself on the host, device memory (zero-filled) for a GPU backend. The backend's copy
     * takes up the store's contents on {@link Parameters#syncFromHost()}. Training, evaluation and
     * perturbation given the same set all work on it in place.
     */
    default Parameters parameters(ParamStore host) {
        return new HostParameters(host);
    }

    @Override
    void close();

    /** A compiled graph. */
    interface Program extends AutoCloseable {
        /**
         * Binds host tensors to the graph's inputs and outputs by name. Each {@link Binding#run()}
         * then reads the inputs' current contents and writes the outputs in place, with no copy.
         */
        Binding bind(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs);

        /**
         * Binds a model's parameters where the backend keeps them, and host tensors for the other inputs and
         * the outputs. A run reads the parameters in place (no copy where they live on the device); the other
         * inputs and the outputs behave as in {@link #bind(Map, Map)}.
         */
        default Binding bind(Parameters parameters, Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
            Map<String, HostTensor> all = new HashMap<>(parameters.host().tensors());
            all.putAll(inputs);
            return bind(all, outputs);
        }

        @Override
        void close();
    }

    interface Binding extends AutoCloseable {
        void run();

        @Override
        void close();
    }
}
