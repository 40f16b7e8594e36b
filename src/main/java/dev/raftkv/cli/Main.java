package dev.raftkv.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code raftkv} launcher. */
@Command(name = "raftkv", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "raft-kv: a strongly consistent, Redis-protocol key-value store on Apache Ratis.",
    subcommands = {ServerCommand.class, AdminCommand.class, dev.raftkv.verify.VerifyCommand.class,
        BackupCommand.VerifyBackup.class, BackupCommand.RestoreBackup.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  /** Ratis' shaded gRPC logs through java.util.logging: held here so its level sticks. */
  private static final java.util.logging.Logger GRPC_LOG =
      java.util.logging.Logger.getLogger("org.apache.ratis.thirdparty.io.grpc");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      boolean verbose = parsed.hasMatchedOption("--verbose");
      cmd.getErr().println("raftkv: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      if (verbose) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    return cl;
  }

  /** Version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"raft-kv " + (v == null ? "dev" : v)};
    }
  }
}
