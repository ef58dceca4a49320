package dev.overtune.cli;

import dev.overtune.model.ModelConfigs;

import java.util.Iterator;

/**
 * The preset names, for picocli's {@code ${COMPLETION-CANDIDATES}}: every command's help lists the presets from
 * {@link ModelConfigs#PRESETS} itself, so no list can fall behind.
 */
final class Presets implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return ModelConfigs.PRESETS.keySet().iterator();
    }
}
