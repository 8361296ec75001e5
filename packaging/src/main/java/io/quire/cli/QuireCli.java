package io.quire.cli;

import io.quire.proto.QuireException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code quire} command line. Thread-safe only in the sense that it runs once per process.
 *
 * <p>Errors are one line on stderr ("quire: ...") and a non-zero status: 2 for a wrong command
 * line, 1 for a failed operation.
 */
@Command(name = "quire", mixinStandardHelpOptions = true, versionProvider = QuireCli.Version.class,
        description = "Quire: an elastic, replicated volume service mounted as a directory.",
        subcommands = {ServerCommand.class, VolumeCommand.class, StatusCommand.class, BenchCommand.class,
                MountCommand.class, UmountCommand.class, UpCommand.class, CommandLine.HelpCommand.class})
public final class QuireCli {
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit status (for tests and the launcher). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with its output and errors sent to the given writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new QuireCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter w = cmd.getErr();
            if (e instanceof QuireException q) {
                w.println("quire: " + q.getMessage() + " (" + q.status() + ")");
            } else if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                w.println("quire: " + e.getMessage());
            } else {
                w.println("quire: " + e);
                if (System.getenv("QUIRE_DEBUG") != null) {
                    e.printStackTrace(w);
                }
            }
            w.flush();
            return EXIT_FAILED;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            PrintWriter w = e.getCommandLine().getErr();
            w.println("quire: " + e.getMessage());
            w.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            w.flush();
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    /** The version baked into the jar's manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = QuireCli.class.getPackage().getImplementationVersion();
            return new String[] {"quire " + (v == null ? "dev" : v)};
        }
    }
}
