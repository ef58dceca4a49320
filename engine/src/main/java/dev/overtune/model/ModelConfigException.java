package dev.overtune.model;

/** A model configuration overtune cannot build; the message names the field and what to change. */
public final class ModelConfigException extends RuntimeException {
    public ModelConfigException(String message) {
        super(message);
    }
}
