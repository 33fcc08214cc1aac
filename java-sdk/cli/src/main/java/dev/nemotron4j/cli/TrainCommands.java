package dev.nemotron4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.align.dpo.PreferenceEval;
import dev.nemotron4j.align.dpo.PreferenceRunner;
import dev.nemotron4j.align.rm.RewardRunner;
import dev.nemotron4j.align.sft.SftRunner;
import dev.nemotron4j.data.ExampleEncoder;
import dev.nemotron4j.data.Jsonl;
import dev.nemotron4j.data.LengthPolicy;
import dev.nemotron4j.data.PreferenceExample;
import dev.nemotron4j.data.PreferenceTokens;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.train.Pretraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** train {pretrain|sft|rm|dpo|rpo} and preference-eval. */
final class TrainCommands {
  private TrainCommands() {}

  @Command(name = "train", description = "Train with a JSON config: pretrain | sft | rm | dpo | rpo.")
  static final class Train implements Callable<Integer> {
    @Parameters(index = "0", description = "pretrain, sft, rm, dpo or rpo")
    String algorithm;

    @Option(names = "--config", required = true, description = "the run's JSON config (see the README)")
    Path config;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(config)) {
        throw new IllegalArgumentException("no config file at " + config);
      }
      ObjectNode r;
      switch (algorithm.toLowerCase(Locale.ROOT)) {
        case "pretrain": r = Pretraining.run(config); break;
        case "sft": r = SftRunner.run(config); break;
        case "rm": r = RewardRunner.run(config); break;
        case "dpo": r = PreferenceRunner.run(config, "dpo"); break;
        case "rpo": r = PreferenceRunner.run(config, "rpo"); break;
        default:
          throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'; expected pretrain, sft, rm, dpo or rpo");
      }
      System.out.println(ModelCommands.JSON.writeValueAsString(r));
      return 0;
    }
  }

  @Command(name = "preference-eval", description = "Policy/reference log-probs, implicit rewards and every preference loss over a file.")
  static final class PrefEval implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "policy model folder")
    Path policy;

    @Option(names = "--reference", required = true, description = "reference model folder")
    Path reference;

    @Option(names = "--data", required = true, description = "preference JSONL (text rows need a tokenizer.model in the policy folder)")
    Path data;

    @Option(names = "--beta", required = true, description = "KL strength")
    double beta;

    @Option(names = "--eta", defaultValue = "1.0", description = "reward scale for RPO (default 1)")
    double eta;

    @Option(names = "--alpha", defaultValue = "0.0", description = "SFT-term weight of dpo_sft_loss (default 0)")
    double alpha;

    @Option(names = "--average-logprobs", description = "per-token average instead of sums")
    boolean average;

    @Option(names = "--json", description = "one JSON object per pair, then the summary as the last line")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (!(beta > 0)) {
        throw new IllegalArgumentException("--beta must be > 0, got " + beta);
      }
      Path tok = policy.resolve("tokenizer.model");
      ExampleEncoder enc = Files.isRegularFile(tok) ? new ExampleEncoder(TextCommands.tokenizer(tok), LengthPolicy.unlimited())
          : ExampleEncoder.idsOnly(LengthPolicy.unlimited());
      List<PreferenceTokens> pairs = new ArrayList<>();
      for (PreferenceExample e : Jsonl.readAll(data, PreferenceExample::parse)) {
        pairs.add(enc.preference(e).orElseThrow(() -> new IllegalArgumentException(
            data + ": a pair has an empty response")));
      }
      try (NemotronForCausalLM p = NemotronForCausalLM.load(policy); NemotronForCausalLM r = NemotronForCausalLM.load(reference)) {
        PreferenceEval.Report rep = PreferenceEval.evaluate(p, r, pairs, beta, eta, alpha, average, 8);
        for (int i = 0; i < rep.pairs().size(); i++) {
          PreferenceEval.Pair x = rep.pairs().get(i);
          ObjectNode o = ModelCommands.object();
          o.put("pair", i).put("policy_chosen_logp", x.policyChosen()).put("policy_rejected_logp", x.policyRejected())
              .put("reference_chosen_logp", x.referenceChosen()).put("reference_rejected_logp", x.referenceRejected())
              .put("chosen_reward", beta * (x.policyChosen() - x.referenceChosen()))
              .put("rejected_reward", beta * (x.policyRejected() - x.referenceRejected())).put("margin", x.margin());
          System.out.println(json ? ModelCommands.JSON.writeValueAsString(o) : o.toString());
        }
        ObjectNode s = ModelCommands.object();
        for (Map.Entry<String, Double> e : rep.summary().entrySet()) {
          if (Double.isNaN(e.getValue())) {
            s.putNull(e.getKey());
          } else {
            s.put(e.getKey(), e.getValue());
          }
        }
        System.out.println(ModelCommands.JSON.writeValueAsString(s));
      }
      return 0;
    }
  }
}
