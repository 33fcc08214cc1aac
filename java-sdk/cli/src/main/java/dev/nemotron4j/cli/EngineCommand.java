package dev.nemotron4j.cli;

import dev.nemotron4j.benchmarks.Json;
import dev.nemotron4j.tensor.Device;
import dev.nemotron4j.tensor.Engine;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "engine", description = "Show the native engine: version, CPU kernel level, threads, CUDA.")
final class EngineCommand implements Callable<Integer> {
  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    Json j = new Json()
        .put("version", Engine.version())
        .put("isa", Engine.isa())
        .put("supported_isas", String.join(",", Engine.supportedIsas()))
        .put("threads", Engine.threads())
        .put("cuda_devices", Engine.cudaDevices())
        .put("device", Device.current().toString())
        .put("cuda", Engine.cudaInfo());
    if (json) {
      System.out.println(j);
    } else {
      System.out.printf("engine   %s%nisa      %s (supported: %s)%nthreads  %d%ncuda     %s%ndevice   %s%n", Engine.version(),
          Engine.isa(), String.join(", ", Engine.supportedIsas()), Engine.threads(), Engine.cudaInfo(), Device.current());
    }
    return 0;
  }
}
