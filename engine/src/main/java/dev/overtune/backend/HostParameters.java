package dev.overtune.backend;

import dev.overtune.model.ParamStore;

/** Parameters that live in host memory: the store is the backend's copy, so there is nothing to sync. */
public record HostParameters(ParamStore host) implements Parameters {
    @Override
    public void syncFromHost() {}

    @Override
    public void syncToHost() {}

    @Override
    public void copyFrom(Parameters source) {
        host.copyFrom(source.host());
    }

    @Override
    public void close() {}
}
