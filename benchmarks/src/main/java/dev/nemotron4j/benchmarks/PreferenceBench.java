package dev.nemotron4j.benchmarks;

import dev.nemotron4j.align.dpo.PreferenceTask;
import dev.nemotron4j.align.PreferenceLoss;
import dev.nemotron4j.align.sft.SftTask;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.train.AdamW;
import dev.nemotron4j.train.OptimizerConfig;
import dev.nemotron4j.train.TrainTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The cost of a DPO step against two SFT steps over the same tokens (one on the chosen
 * sequences, one on the rejected), with the reference log-probs cached: forward + backward +
 * AdamW each.
 */
public final class PreferenceBench {
  private PreferenceBench() {}

  public static Json run(Path configFile, int threads, int pairs, int promptLen, int responseLen, int rounds) {
    DecodeBench.BenchConfig bc = DecodeBench.readConfig(configFile);
    Engine.setThreads(threads);
    SplittableRandom r = new SplittableRandom(3);
    int v = bc.model().vocabSize();
    List<PreferenceTokens> data = new ArrayList<>();
    List<Sequence> chosen = new ArrayList<>(), rejected = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      int[] p = ids(r, promptLen, v), c = ids(r, responseLen, v), l = ids(r, responseLen, v);
      data.add(new PreferenceTokens(p, c, l, null, null));
      chosen.add(seq(p, c));
      rejected.add(seq(p, l));
    }
    try (NemotronForCausalLM m = NemotronForCausalLM.create(bc.model(), 0);
        AdamW adam = new AdamW(m.namedParameters(), OptimizerConfig.of(1e-6f))) {
      PreferenceTask dpo = new PreferenceTask(m, m, true, data,
          new PreferenceTask.Settings(PreferenceLoss.Kind.DPO, 0.1, 1, 0, false), 1, pairs);
      SftTask sftC = new SftTask(m, List.of(chosen), new double[] {1}, 1, pairs);
      SftTask sftR = new SftTask(m, List.of(rejected), new double[] {1}, 1, pairs);
      Runnable dpoStep = () -> step(m, adam, dpo);
      Runnable twoSft = () -> {
        step(m, adam, sftC);
        step(m, adam, sftR);
      };
      double[] t = Timing.interleaved(dpoStep, twoSft, rounds, 0.5);
      return new Json().put("kernel", "dpo_step").put("config", configFile.getFileName().toString())
          .put("threads", threads).put("pairs", pairs).put("prompt_tokens", promptLen).put("response_tokens", responseLen)
          .put("dpo_step_s", t[0]).put("peer", "two-sft-steps-same-tokens").put("peer_s", t[1]).put("ratio", t[0] / t[1]);
    }
  }

  private static <B> void step(NemotronForCausalLM m, AdamW adam, TrainTask<B> task) {
    B b = task.next(1).get(0);
    try (Scope s = Scope.open(); Tape tape = Tape.record()) {
      tape.backward(task.loss(b).value());
    }
    adam.step(1e-6f);
    m.zeroGrad();
  }

  private static int[] ids(SplittableRandom r, int n, int v) {
    int[] x = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextInt(v);
    }
    return x;
  }

  private static Sequence seq(int[] p, int[] c) {
    int[] ids = new int[p.length + c.length];
    int[] mask = new int[ids.length];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(c, 0, ids, p.length, c.length);
    for (int i = p.length; i < ids.length; i++) {
      mask[i] = 1;
    }
    return new Sequence(ids, mask);
  }
}
