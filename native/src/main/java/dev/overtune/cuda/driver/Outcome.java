package dev.overtune.cuda.driver;

import java.util.function.Function;

/**
 * Something native that is either there or not, with the one-line reason when it is not. Absence of
 * a GPU, a driver or a library is an answer the engine acts on (it stays on the CPU), not a crash.
 */
public sealed interface Outcome<T> {
    record Available<T>(T value) implements Outcome<T> {}

    record Unavailable<T>(String reason) implements Outcome<T> {
        public Unavailable {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("an unavailable outcome needs a reason");
            }
        }
    }

    static <T> Outcome<T> of(T value) {
        return new Available<>(value);
    }

    static <T> Outcome<T> missing(String reason) {
        return new Unavailable<>(reason);
    }

    default boolean available() {
        return this instanceof Available<T>;
    }

    /** The reason it is unavailable; empty when it is available. */
    default String reason() {
        return this instanceof Unavailable<T> u ? u.reason() : "";
    }

    default <R> Outcome<R> map(Function<? super T, ? extends R> f) {
        return switch (this) {
            case Available<T> a -> new Available<>(f.apply(a.value()));
            case Unavailable<T> u -> new Unavailable<>(u.reason());
        };
    }

    default <R> Outcome<R> flatMap(Function<? super T, Outcome<R>> f) {
        return switch (this) {
            case Available<T> a -> f.apply(a.value());
            case Unavailable<T> u -> new Unavailable<>(u.reason());
        };
    }

    /** The value, or a {@link CudaUnavailableException} carrying the reason. */
    default T orElseThrow() {
        return switch (this) {
            case Available<T> a -> a.value();
            case Unavailable<T> u -> throw new CudaUnavailableException(u.reason());
        };
    }
}
