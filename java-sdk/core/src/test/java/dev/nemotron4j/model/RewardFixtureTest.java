package dev.nemotron4j.model;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertClose;
import static dev.nemotron4j.testing.Check.toDouble;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** ../shared/fixtures/reward: pooling at the last non-pad token, the head, reward, MSE and its gradient. */
class RewardFixtureTest {
  @Test
  void matchesTheRewardFixture() {
    Path dir = Fixtures.dir("reward");
    try (NemotronRewardModel rm = NemotronRewardModel.load(dir);
        SafeTensors exp = SafeTensors.open(dir.resolve("expected.safetensors"));
        Scope s = Scope.open()) {
      assertThat(rm.config().numLabels()).isEqualTo(5);
      assertThat(rm.config().padTokenId()).isEqualTo(0);
      Tensor ids = Fixtures.onDevice(exp.tensor("input_ids"));
      long[] lens = LmLoss.lengthsFromMask(exp.tensor("attention_mask").toLongArray(), 3, 10);
      long[] last = new long[3];
      for (int i = 0; i < 3; i++) {
        last[i] = lens[i] - 1;
      }
      assertThat(last).isEqualTo(exp.tensor("last_token_index").toLongArray());
      Tensor lt = Tensor.ofLongs(lens, 3);
      // only the head trains here: the backbone is frozen
      for (Parameter p : rm.backbone().parameters()) {
        p.value().requiresGrad(false);
      }
      try (Tape tape = Tape.record()) {
        Tensor pooled = rm.pooled(ids, lt);
        assertClose("pooled_hidden", pooled.toFloatArray(), toDouble(exp.tensor("pooled_hidden").toFloatArray()), 1e-4);
        Tensor pred = rm.score().forward(pooled);
        assertClose("predictions", pred.toFloatArray(), toDouble(exp.tensor("predictions").toFloatArray()), 1e-4);
        float[] reward = NemotronRewardModel.reward(pred, exp.tensor("reward_weights").toFloatArray());
        assertClose("reward", reward, toDouble(exp.tensor("reward").toFloatArray()), 1e-4);
        Tensor mse = Ops.mse(pred, Fixtures.onDevice(exp.tensor("labels")));
        Fixtures.assertScalar("mse_loss", mse.item(), exp.tensor("mse_loss").item(), 1e-5);
        tape.backward(mse);
        assertClose("grad.score.weight", rm.score().weight().grad().toFloatArray(),
            toDouble(exp.tensor("grad.score.weight").toFloatArray()), 1e-3);
      }
      // the same predictions through the public one-call API
      assertClose("predictions()", rm.predictions(ids, lt).toFloatArray(),
          toDouble(exp.tensor("predictions").toFloatArray()), 1e-4);
    }
  }
}
