package dev.overtune.cuda;

import dev.overtune.backend.Backend;
import dev.overtune.cuda.train.DeviceProgram;
import dev.overtune.graph.Graph;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.function.Function;

/**
 * Finds the CUDA executor (dev.overtune.cuda.CudaBackend, built on another branch) by reflection,
 * so gpu-check compiles and says NOT RUN without it, and runs its checks once it is merged. Its
 * compiled programs are used as {@link DeviceProgram}s: directly when they implement it, else
 * through their {@code bindDevice(Map, Map)} method.
 */
final class CudaBackendLookup implements AutoCloseable {
    static final String CLASS = "dev.overtune.cuda.CudaBackend";

    private final Backend backend;

    private CudaBackendLookup(Backend backend) {
        this.backend = backend;
    }

    /** Why there is no executor to run checks through, or null when the class is on the class path. */
    static String absence() {
        try {
            Class.forName(CLASS);
            return null;
        } catch (ClassNotFoundException e) {
            return "no " + CLASS + " in this build (the CUDA executor is not merged yet)";
        }
    }

    /** The executor on this device: constructed from (CudaDevice), else from a static open(CudaDevice). */
    static Outcome<CudaBackendLookup> open(CudaDevice device) {
        String absent = absence();
        if (absent != null) {
            return Outcome.missing(absent);
        }
        try {
            Class<?> type = Class.forName(CLASS);
            Object backend;
            try {
                backend = type.getConstructor(CudaDevice.class).newInstance(device);
            } catch (NoSuchMethodException e) {
                backend = type.getMethod("open", CudaDevice.class).invoke(null, device);
            }
            return Outcome.of(new CudaBackendLookup((Backend) backend));
        } catch (NoSuchMethodException e) {
            return Outcome.missing(CLASS + " has neither a (CudaDevice) constructor nor a static open(CudaDevice); adapt CudaBackendLookup");
        } catch (InvocationTargetException e) {
            return Outcome.missing(CLASS + " could not be created: " + e.getCause());
        } catch (ReflectiveOperationException | ClassCastException e) {
            return Outcome.missing(CLASS + " could not be created: " + e);
        }
    }

    Backend backend() {
        return backend;
    }

    /** Compiles graphs into programs that bind device tensors. */
    Function<Graph, DeviceProgram> compiler() {
        return graph -> {
            Backend.Program program = backend.compile(graph);
            if (program instanceof DeviceProgram direct) {
                return direct;
            }
            try {
                Method bind = program.getClass().getMethod("bindDevice", Map.class, Map.class);
                return new DeviceProgram() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public Backend.Binding bindDevice(Map<String, DeviceTensor> inputs, Map<String, DeviceTensor> outputs) {
                        try {
                            return (Backend.Binding) bind.invoke(program, inputs, outputs);
                        } catch (InvocationTargetException e) {
                            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                        } catch (IllegalAccessException e) {
                            throw new IllegalStateException(CLASS + "'s program: bindDevice is not accessible", e);
                        }
                    }

                    @Override
                    public void close() {
                        program.close();
                    }
                };
            } catch (NoSuchMethodException e) {
                program.close();
                throw new IllegalStateException(CLASS + "'s compiled program has no bindDevice(Map, Map); gpu-check cannot train on device tensors");
            }
        };
    }

    @Override
    public void close() {
        backend.close();
    }
}
