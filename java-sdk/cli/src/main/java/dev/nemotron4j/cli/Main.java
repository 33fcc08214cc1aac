package dev.nemotron4j.cli;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nemotron4j} command line. */
@Command(
    name = "nemotron4j",
    mixinStandardHelpOptions = true,
    version = "nemotron4j 0.1.0",
    description = "Train, align, evaluate and serve Nemotron-4 models from the JVM.",
    subcommands = {
      EngineCommand.class,
      ModelCommands.Info.class,
      ModelCommands.Forward.class,
      ModelCommands.Score.class,
      TextCommands.Generate.class,
      TextCommands.Tokenize.class,
      TextCommands.Detokenize.class,
      TrainCommands.Train.class,
      TrainCommands.PrefEval.class,
      PipelineCommand.class,
      BenchCommand.class
    })
public final class Main {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--device",
      scope = CommandLine.ScopeType.INHERIT,
      description = "where tensors and kernels go: cpu, cuda, cuda:N or auto (default: $NEMOTRON4J_DEVICE, else auto = the GPU when one is present)")
  void device(String name) {
    try {
      Device.parse(name); // fails now, with the reason, when the device does not exist
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "nemotron4j: " + e.getMessage());
    }
    System.setProperty("nemotron4j.device", name);
    Device.resetCurrent();
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI; returns the exit code. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof IllegalArgumentException || e instanceof NativeException || e instanceof IllegalStateException
              || e instanceof java.io.UncheckedIOException) {
            cmd.getErr().println("nemotron4j: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cl.execute(args);
  }
}
