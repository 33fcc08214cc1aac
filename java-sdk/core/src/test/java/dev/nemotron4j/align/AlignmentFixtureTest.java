package dev.nemotron4j.align;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertClose;
import static dev.nemotron4j.testing.Check.toDouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ../shared/fixtures/alignment: sequence log-probs, DPO, DPO+SFT, RPO and their lm_head gradients. */
class AlignmentFixtureTest {
  private static Path dir;
  private static NemotronForCausalLM policy;
  private static NemotronForCausalLM reference;
  private static JsonNode json;
  private static final List<int[]> PROMPTS = new ArrayList<>(), CHOSEN = new ArrayList<>(), REJECTED = new ArrayList<>();
  private static double[] rc, rl;

  @BeforeAll
  static void load() throws Exception {
    dir = Fixtures.dir("alignment");
    policy = NemotronForCausalLM.load(dir.resolve("policy"));
    reference = NemotronForCausalLM.load(dir.resolve("reference"));
    json = new ObjectMapper().readTree(Files.readString(dir.resolve("alignment.json")));
    int n = json.get("pairs").size();
    rc = new double[n];
    rl = new double[n];
    for (int i = 0; i < n; i++) {
      JsonNode p = json.get("pairs").get(i);
      PROMPTS.add(ints(p.get("prompt_ids")));
      CHOSEN.add(ints(p.get("chosen_response_ids")));
      REJECTED.add(ints(p.get("rejected_response_ids")));
      rc[i] = p.get("reward_chosen").asDouble();
      rl[i] = p.get("reward_rejected").asDouble();
    }
  }

  @AfterAll
  static void close() {
    policy.close();
    reference.close();
  }

  static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  private static List<int[]> both(List<int[]> a, List<int[]> b) {
    List<int[]> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @Test
  void sequenceLogprobsOfEachPair() {
    try (Scope s = Scope.open()) {
      double[] pol = SequenceLogprobs.values(policy, both(PROMPTS, PROMPTS), both(CHOSEN, REJECTED), false);
      double[] ref = SequenceLogprobs.values(reference, both(PROMPTS, PROMPTS), both(CHOSEN, REJECTED), false);
      int n = PROMPTS.size();
      for (int i = 0; i < n; i++) {
        JsonNode p = json.get("pairs").get(i);
        Fixtures.assertScalar("policy_chosen_logp " + i, pol[i], p.get("policy_chosen_logp").asDouble(), 1e-4);
        Fixtures.assertScalar("policy_rejected_logp " + i, pol[n + i], p.get("policy_rejected_logp").asDouble(), 1e-4);
        Fixtures.assertScalar("reference_chosen_logp " + i, ref[i], p.get("reference_chosen_logp").asDouble(), 1e-4);
        Fixtures.assertScalar("reference_rejected_logp " + i, ref[n + i], p.get("reference_rejected_logp").asDouble(), 1e-4);
      }
    }
  }

  /** Each loss and d(loss)/d(policy lm_head.weight), the rest of the policy fixed. */
  @Test
  void lossesAndLmHeadGradients() {
    double beta = json.get("beta").asDouble(), alpha = json.get("alpha").asDouble(), eta = json.get("eta").asDouble();
    int n = PROMPTS.size();
    int[] nc = new int[n];
    for (int i = 0; i < n; i++) {
      nc[i] = CHOSEN.get(i).length;
    }
    for (Parameter p : policy.parameters()) {
      p.value().requiresGrad(false);
    }
    Parameter head = policy.lmHead().weight();
    head.value().requiresGrad(true);
    try (Scope s = Scope.open(); SafeTensors grads = SafeTensors.open(dir.resolve("alignment_grads.safetensors"))) {
      double[] ref = SequenceLogprobs.values(reference, both(PROMPTS, PROMPTS), both(CHOSEN, REJECTED), false);
      Object[][] cases = {
        {"dpo_loss", PreferenceLoss.Kind.DPO, 0.0},
        {"dpo_sft_loss", PreferenceLoss.Kind.DPO, alpha},
        {"rpo_loss", PreferenceLoss.Kind.RPO_BWD_KL, 0.0},
      };
      for (Object[] c : cases) {
        String name = (String) c[0];
        try (Tape tape = Tape.record()) {
          Tensor lp = SequenceLogprobs.compute(policy, both(PROMPTS, PROMPTS), both(CHOSEN, REJECTED), false);
          float[] f = lp.toFloatArray();
          double[] pol = new double[f.length];
          for (int i = 0; i < f.length; i++) {
            pol[i] = f[i];
          }
          PreferenceLoss.Result r = PreferenceLoss.compute((PreferenceLoss.Kind) c[1], beta, eta, (Double) c[2], pol, ref, nc, rc, rl);
          Fixtures.assertScalar(name, r.loss(), json.get(name).asDouble(), 1e-5);
          Fixtures.assertScalar("sft_nll", r.sft(), json.get("sft_nll").asDouble(), 1e-5);
          Tensor loss = Ops.scalarOf(lp, r.loss(), r.dPolicy());
          tape.backward(loss);
          assertClose("grad." + name + ".lm_head.weight", head.grad().toFloatArray(),
              toDouble(grads.tensor("grad." + name + ".lm_head.weight").toFloatArray()), 1e-3);
          head.value().zeroGrad();
        }
      }
      // the SFT term alone
      try (Tape tape = Tape.record()) {
        Tensor lp = SequenceLogprobs.compute(policy, PROMPTS, CHOSEN, false);
        float[] f = lp.toFloatArray();
        double v = 0;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
          v += -f[i] / nc[i] / n;
          d[i] = -1.0 / nc[i] / n;
        }
        tape.backward(Ops.scalarOf(lp, v, d));
        assertClose("grad.sft_nll.lm_head.weight", head.grad().toFloatArray(),
            toDouble(grads.tensor("grad.sft_nll.lm_head.weight").toFloatArray()), 1e-3);
        head.value().zeroGrad();
      }
    } finally {
      for (Parameter p : policy.parameters()) {
        p.value().requiresGrad(true);
      }
    }
    assertThat(n).isEqualTo(2);
  }
}
