package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Every JSON document or JSON Lines event a command prints to stdout starts with {@code "schema_version"}, so a
 * program reading it can tell which layout it has (docs/json-outputs.md describes each).
 */
final class JsonOutput {
    /** 1: the layouts docs/json-outputs.md describes; raised whenever a field is renamed or removed. */
    static final int SCHEMA_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonOutput() {}

    /** {@code o} as one line, {@code schema_version} first. */
    static String line(ObjectNode o) {
        ObjectNode versioned = JSON.createObjectNode().put("schema_version", SCHEMA_VERSION);
        o.properties().forEach(e -> {
            if (!e.getKey().equals("schema_version")) {
                versioned.set(e.getKey(), e.getValue());
            }
        });
        return versioned.toString();
    }
}
