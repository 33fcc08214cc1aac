package dev.nemotron4j.model;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertClose;
import static dev.nemotron4j.testing.Check.toDouble;

import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every tensor of ../shared/fixtures/model within the README's tolerances. */
class CausalLmFixtureTest {
  private static Path dir;
  private static NemotronForCausalLM model;
  private static SafeTensors expected;

  @BeforeAll
  static void load() {
    dir = Fixtures.dir("model");
    model = NemotronForCausalLM.load(dir);
    expected = SafeTensors.open(dir.resolve("expected.safetensors"));
  }

  @AfterAll
  static void close() {
    model.close();
    expected.close();
  }

  private static float[] exp(String name) {
    try (Tensor t = expected.tensor(name)) {
      return t.toFloatArray();
    }
  }

  private static long[] expLongs(String name) {
    try (Tensor t = expected.tensor(name)) {
      return t.toLongArray();
    }
  }

  @Test
  void configMatchesTheFixture() {
    NemotronConfig c = model.config();
    assertThat(c.vocabSize()).isEqualTo(97);
    assertThat(c.rotaryDim()).isEqualTo(8);
    assertThat(c.padTokenId()).isNull();
    assertThat(model.namedParameters()).hasSize(24);
  }

  @Test
  void forwardMatchesLogitsHiddenAndLayerOutputs() {
    try (Scope s = Scope.open()) {
      Tensor ids = Fixtures.onDevice(expected.tensor("input_ids"));
      long[] lens = LmLoss.lengthsFromMask(expLongs("attention_mask"), 2, 12);
      Tensor hidden = model.hidden(ids, Tensor.ofLongs(lens, 2));
      assertClose("last_hidden_state", hidden.toFloatArray(), toDouble(exp("last_hidden_state")), 1e-4);
      Tensor logits = model.lmHead().forward(hidden);
      assertClose("logits", logits.toFloatArray(), toDouble(exp("logits")), 1e-4);
      float[] lp = LmLoss.tokenLogprobs(logits, ids.toLongArray(), 2, 12, lens);
      assertClose("token_logprobs", lp, toDouble(exp("token_logprobs")), 1e-4);
    }
  }

  @Test
  void lossAndEveryGradient() {
    try (Scope s = Scope.open(); Tape tape = Tape.record()) {
      Tensor ids = Fixtures.onDevice(expected.tensor("input_ids"));
      long[] idv = ids.toLongArray();
      long[] lens = LmLoss.lengthsFromMask(expLongs("attention_mask"), 2, 12);
      Tensor logits = model.logits(ids, Tensor.ofLongs(lens, 2));
      Tensor loss = LmLoss.nextTokenLoss(logits, LmLoss.targets(idv, 2, 12, lens, null));
      Fixtures.assertScalar("loss", loss.item(), exp("loss")[0], 1e-5);
      tape.backward(loss);
      for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
        assertClose("grad." + e.getKey(), e.getValue().grad().toFloatArray(), toDouble(exp("grad." + e.getKey())), 1e-3);
      }
    } finally {
      model.zeroGrad();
    }
  }

  @Test
  void sftLossOnResponseTokensOnly() {
    try (Scope s = Scope.open()) {
      Tensor ids = Fixtures.onDevice(expected.tensor("input_ids"));
      long[] mask = expLongs("sft_loss_mask");
      Tensor logits = model.logits(ids, null);
      Tensor loss = LmLoss.nextTokenLoss(logits, LmLoss.targets(ids.toLongArray(), 2, 12, null, mask));
      Fixtures.assertScalar("sft_loss", loss.item(), exp("sft_loss")[0], 1e-5);
    }
  }

  @Test
  void greedyDecodingWithKvCache() {
    try (Scope s = Scope.open(); SafeTensors dec = SafeTensors.open(dir.resolve("decode.safetensors"))) {
      long[] prompt = dec.tensor("prompt_ids").toLongArray();
      long[] want = dec.tensor("generated_ids").toLongArray();
      float[] stepLogits = dec.tensor("step_logits").toFloatArray();
      int v = model.config().vocabSize();
      try (KvCache cache = model.newCache(1, 32)) {
        Tensor logits = model.prefill(Tensor.ofLongs(prompt, 1, prompt.length), new long[] {prompt.length}, cache);
        long[] got = new long[want.length];
        for (int k = 0; k < want.length; k++) {
          float[] l = logits.toFloatArray();
          assertClose("step_logits[" + k + "]", l, toDouble(Arrays.copyOfRange(stepLogits, k * v, (k + 1) * v)), 1e-4);
          int best = 0;
          for (int i = 1; i < v; i++) {
            if (l[i] > l[best]) {
              best = i;
            }
          }
          got[k] = best;
          logits = model.decode(Tensor.ofLongs(new long[] {best}, 1), cache);
        }
        assertThat(got).isEqualTo(want);
      }
      // the non-cached forward of prompt + generated
      long[] full = dec.tensor("full_ids").toLongArray();
      Tensor fl = model.logits(Tensor.ofLongs(full, 1, full.length), null);
      assertClose("full_logits", fl.toFloatArray(), toDouble(dec.tensor("full_logits").toFloatArray()), 1e-4);
    }
  }

  @Test
  void batchedDecodingOfDifferentLengthsMatchesSingleRows() {
    try (Scope s = Scope.open()) {
      long[][] prompts = {{5, 9, 13, 2}, {7, 1}, {3, 3, 3, 8, 60, 11}};
      int steps = 5;
      long[][] single = new long[3][steps];
      for (int r = 0; r < 3; r++) {
        try (KvCache c = model.newCache(1, 16)) {
          Tensor l = model.prefill(Tensor.ofLongs(prompts[r], 1, prompts[r].length), new long[] {prompts[r].length}, c);
          for (int k = 0; k < steps; k++) {
            single[r][k] = argmax(l.toFloatArray(), 0, model.config().vocabSize());
            l = model.decode(Tensor.ofLongs(new long[] {single[r][k]}, 1), c);
          }
        }
      }
      long[] padded = new long[3 * 6];
      long[] lens = new long[3];
      for (int r = 0; r < 3; r++) {
        System.arraycopy(prompts[r], 0, padded, r * 6, prompts[r].length);
        lens[r] = prompts[r].length;
      }
      int v = model.config().vocabSize();
      try (KvCache c = model.newCache(3, 16)) {
        Tensor l = model.prefill(Tensor.ofLongs(padded, 3, 6), lens, c);
        for (int k = 0; k < steps; k++) {
          float[] lf = l.toFloatArray();
          long[] next = new long[3];
          for (int r = 0; r < 3; r++) {
            next[r] = argmax(lf, r * v, v);
            assertThat(next[r]).isEqualTo(single[r][k]);
          }
          l = model.decode(Tensor.ofLongs(next, 3), c);
        }
      }
    }
  }

  static int argmax(float[] x, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (x[off + i] > x[off + best]) {
        best = i;
      }
    }
    return best;
  }
}
