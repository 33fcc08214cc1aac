package dev.nemotron4j.cli;

import dev.nemotron4j.benchmarks.AttentionBench;
import dev.nemotron4j.benchmarks.DecodeBench;
import dev.nemotron4j.tensor.DType;
import java.nio.file.Path;
import dev.nemotron4j.benchmarks.GemmBench;
import dev.nemotron4j.benchmarks.JniBench;
import dev.nemotron4j.benchmarks.Json;
import dev.nemotron4j.tensor.Engine;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "bench",
    description = "Kernel benchmarks, each against a peer measured in the same run.",
    subcommands = {
      BenchCommand.Gemm.class,
      BenchCommand.Attention.class,
      BenchCommand.Jni.class,
      BenchCommand.Decode.class,
      BenchCommand.Tokenizer.class,
      BenchCommand.Train.class,
      BenchCommand.Dpo.class
    })
final class BenchCommand {
  abstract static class Common implements Callable<Integer> {
    @Option(names = "--threads", description = "engine (and peer) threads; default: available cores")
    Integer threads;

    @Option(names = "--rounds", defaultValue = "7", description = "alternating timed rounds per case (default 7)")
    int rounds;

    @Option(names = "--json", description = "one JSON object per line")
    boolean json;

    int threads() {
      int n = threads == null ? Engine.threads() : threads;
      if (n < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + n);
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
      }
      return n;
    }

    Consumer<Json> printer(String... columns) {
      if (json) {
        return j -> System.out.println(j);
      }
      StringBuilder header = new StringBuilder();
      for (String c : columns) {
        header.append(String.format(Locale.ROOT, "%-16s", c));
      }
      System.out.println(header.toString().trim());
      return j -> {
        StringBuilder sb = new StringBuilder();
        for (String c : columns) {
          Object v = j.get(c);
          String s = v instanceof Double ? String.format(Locale.ROOT, "%.3f", (Double) v) : String.valueOf(v);
          sb.append(String.format(Locale.ROOT, "%-16s", s));
        }
        System.out.println(sb.toString().trim());
      };
    }
  }

  @Command(name = "gemm", description = "F32 and BF16 GEMM vs OpenBLAS sgemm: 1024^3 and the config-s layer shapes.")
  static final class Gemm extends Common {
    @Override
    public Integer call() {
      GemmBench.run(threads(), rounds, printer("dtype", "shape", "trans", "threads", "gflops", "peer_gflops", "ratio"));
      return 0;
    }
  }

  @Command(name = "attention", description = "Fused attention forward+backward vs the unfused reference.")
  static final class Attention extends Common {
    @Option(names = "--seq", split = ",", defaultValue = "256,1024", description = "sequence lengths (default 256,1024)")
    int[] seq;

    @Override
    public Integer call() {
      AttentionBench.run(threads(), rounds, seq, printer("shape", "threads", "ms", "peer_ms", "ratio", "scratch_bytes", "peer_scratch_bytes"));
      return 0;
    }
  }

  @Command(name = "jni", description = "Per-call overhead of a native op through the bindings.")
  static final class Jni extends Common {
    @Override
    public Integer call() {
      JniBench.run(rounds, printer("call", "ns_per_call", "sdk_ns_per_call", "peer_ns_per_call", "overhead_ns"));
      return 0;
    }
  }

  @Command(name = "decode", description = "Greedy KV-cache decoding tokens/s (batch 1) of a random model; roofline; optional PyTorch peer.")
  static final class Decode extends Common {
    @Option(names = "--config", required = true, description = "peer-format config (HF fields + batch, seq, decode_tokens)")
    Path config;

    @Option(names = "--dtype", defaultValue = "f32", description = "weights of the linear layers: f32 or bf16")
    String dtype;

    @Option(names = "--prompt-tokens", defaultValue = "16", description = "prompt length (the peer uses 16)")
    int prompt;

    @Option(names = "--peer", description = "folder of the PyTorch peer (torch_bench.py), run in the same invocation")
    Path peer;

    @Override
    public Integer call() {
      DType d;
      switch (dtype) {
        case "f32": d = DType.F32; break;
        case "bf16": d = DType.BF16; break;
        default: throw new IllegalArgumentException("--dtype must be f32 or bf16, got '" + dtype + "'");
      }
      if (prompt < 1) {
        throw new IllegalArgumentException("--prompt-tokens must be >= 1, got " + prompt);
      }
      var j = DecodeBench.run(config, threads(), d, prompt, peer);
      printer("dtype", "threads", "decode_tokens_per_s", "roofline_fraction", "peer_decode_tokens_per_s", "ratio").accept(j);
      return 0;
    }
  }

  @Command(name = "tokenizer", description = "SentencePiece encoding throughput (MB/s of text, one thread).")
  static final class Tokenizer extends Common {
    @Option(names = "--tokenizer", required = true, description = "SentencePiece .model file")
    Path tokenizer;

    @Option(names = "--mb", defaultValue = "4", description = "megabytes of generated text (default 4)")
    int mb;

    @Override
    public Integer call() {
      if (mb < 1) {
        throw new IllegalArgumentException("--mb must be >= 1, got " + mb);
      }
      printer("kernel", "mb_per_s", "tokens_per_s").accept(dev.nemotron4j.benchmarks.TokenizerBench.run(tokenizer, mb));
      return 0;
    }
  }

  @Command(name = "train", description = "Training tokens/s (forward + backward + AdamW) of a random model; optional PyTorch peer.")
  static final class Train extends Common {
    @Option(names = "--config", required = true, description = "peer-format config (HF fields + batch, seq, decode_tokens)")
    Path config;

    @Option(names = "--compute", defaultValue = "f32", description = "f32, or bf16 (mixed precision: BF16 compute, F32 masters)")
    String compute;

    @Option(names = "--steps", defaultValue = "3", description = "timed steps after one warm-up step (best is reported)")
    int steps;

    @Option(names = "--peer", description = "folder of the PyTorch peer (torch_bench.py), run in the same invocation")
    Path peer;

    @Override
    public Integer call() {
      DType d;
      switch (compute) {
        case "f32": d = DType.F32; break;
        case "bf16": d = DType.BF16; break;
        default: throw new IllegalArgumentException("--compute must be f32 or bf16, got '" + compute + "'");
      }
      if (steps < 1) {
        throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
      }
      var j = dev.nemotron4j.benchmarks.TrainBench.run(config, threads(), d, steps, peer);
      printer("compute", "threads", "train_tokens_per_s", "peer_train_tokens_per_s", "ratio").accept(j);
      return 0;
    }
  }

  @Command(name = "dpo", description = "A DPO step (reference log-probs cached) against two SFT steps over the same tokens.")
  static final class Dpo extends Common {
    @Option(names = "--config", required = true, description = "peer-format config (the model shape)")
    Path config;

    @Option(names = "--pairs", defaultValue = "4", description = "pairs per step (default 4)")
    int pairs;

    @Option(names = "--prompt-tokens", defaultValue = "64", description = "default 64")
    int promptTokens;

    @Option(names = "--response-tokens", defaultValue = "192", description = "default 192")
    int responseTokens;

    @Override
    public Integer call() {
      if (pairs < 1 || promptTokens < 1 || responseTokens < 1) {
        throw new IllegalArgumentException("--pairs, --prompt-tokens and --response-tokens must be >= 1");
      }
      var j = dev.nemotron4j.benchmarks.PreferenceBench.run(config, threads(), pairs, promptTokens, responseTokens,
          Math.min(rounds, 5));
      printer("pairs", "dpo_step_s", "peer_s", "ratio").accept(j);
      return 0;
    }
  }
}
