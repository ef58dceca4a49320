package dev.overtune.graph;

/** A graph that cannot be built: the message names the node and the shapes involved. */
public final class GraphException extends RuntimeException {
    public GraphException(String message) {
        super(message);
    }
}
