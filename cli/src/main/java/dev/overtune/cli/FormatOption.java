package dev.overtune.cli;

import picocli.CommandLine.Option;

/** {@code --format}: text for people, json for programs (JSON Lines where a command prints as it goes). */
final class FormatOption {
    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format = OutputFormat.text;

    boolean json() {
        return format == OutputFormat.json;
    }
}
