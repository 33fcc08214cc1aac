package dev.nemotron4j.benchmarks;

import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.train.AdamW;
import dev.nemotron4j.train.OptimizerConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training throughput as the PyTorch peer measures it: random weights, forward + backward +
 * AdamW on {@code batch x seq} random tokens per step, for a config in the peer's format.
 */
public final class TrainBench {
  private TrainBench() {}

  public static Json run(Path configFile, int threads, DType compute, int steps, Path peerDir) {
    DecodeBench.BenchConfig bc = DecodeBench.readConfig(configFile);
    Engine.setThreads(threads);
    NemotronConfig c = bc.model();
    int b = bc.batch(), t = bc.seq();
    Json j = new Json().put("kernel", "train").put("config", configFile.getFileName().toString())
        .put("compute", compute == DType.BF16 ? "bf16-mixed" : "f32").put("threads", threads).put("isa", Engine.isa())
        .put("batch", b).put("seq", t);
    try (NemotronForCausalLM m = NemotronForCausalLM.create(c, 0);
        AdamW adam = new AdamW(m.namedParameters(), OptimizerConfig.of(1e-4f))) {
      if (compute != DType.F32) {
        m.namedParameters().forEach((k, p) -> {
          if (p.shape().length == 2 && !k.endsWith("embed_tokens.weight")) {
            p.setComputeDType(compute);
          }
        });
      }
      long[] ids = new long[b * t];
      SplittableRandom r = new SplittableRandom(2);
      for (int i = 0; i < ids.length; i++) {
        ids[i] = r.nextInt(c.vocabSize());
      }
      long[] targets = LmLoss.targets(ids, b, t, null, null);
      double lastLoss = 0;
      double best = Double.MAX_VALUE;
      for (int s = 0; s <= steps; s++) { // step 0 warms up
        long t0 = System.nanoTime();
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
          Tensor logits = m.logits(Tensor.ofLongs(ids, b, t), null);
          Tensor loss = LmLoss.nextTokenLoss(logits, targets);
          lastLoss = loss.item();
          tape.backward(loss);
        }
        adam.step(1e-4f);
        m.zeroGrad();
        double dt = (System.nanoTime() - t0) / 1e9;
        if (s > 0) {
          best = Math.min(best, dt);
        }
      }
      for (Parameter p : m.parameters()) {
        p.setComputeDType(null);
      }
      j.put("train_step_s", best).put("train_tokens_per_s", b * t / best).put("loss", lastLoss);
    }
    if (peerDir != null) {
      Map<String, Object> peer = PeerProcess.torchBench(peerDir, configFile, threads);
      j.put("peer", String.valueOf(peer.getOrDefault("peer", "pytorch")));
      Object p = peer.get("train_tokens_per_s");
      if (p instanceof Number) {
        double pt = ((Number) p).doubleValue();
        j.put("peer_train_tokens_per_s", pt).put("ratio", (Double) j.get("train_tokens_per_s") / pt);
      }
    }
    return j;
  }
}
