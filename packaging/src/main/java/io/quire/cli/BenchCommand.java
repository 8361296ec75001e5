package io.quire.cli;

import picocli.CommandLine.Command;

/** {@code quire bench ...}: measurements of a running cluster. */
@Command(name = "bench", description = "Benchmarks against a running cluster.", mixinStandardHelpOptions = true,
        subcommands = {BenchPagesCommand.class})
final class BenchCommand {
}
