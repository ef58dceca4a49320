package dev.overtune.cli;

/** How a command prints: for people or for scripts. */
enum OutputFormat { text, json }
