package dev.nemotron4j.align.sft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemotron4j.data.Batcher;
import dev.nemotron4j.data.Blend;
import dev.nemotron4j.data.PaddedBatch;
import dev.nemotron4j.data.Packer;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.train.TrainTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning: chat sequences (with their assistant-token target masks) from a
 * weighted blend, right-padded into batches; the loss is the mean NLL of the target tokens only.
 */
public final class SftTask implements TrainTask<PaddedBatch> {
  private final NemotronForCausalLM model;
  private final Blend<Sequence> blend;
  private final int batch;

  public SftTask(NemotronForCausalLM model, List<List<Sequence>> sources, double[] weights, long seed, int batch) {
    this.model = model;
    this.blend = new Blend<>(sources, weights, seed);
    this.batch = batch;
  }

  @Override
  public List<PaddedBatch> next(int n) {
    List<PaddedBatch> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Sequence> rows = new ArrayList<>();
      for (int r = 0; r < batch; r++) {
        rows.add(blend.next());
      }
      out.add(Batcher.pad(rows));
    }
    return out;
  }

  @Override
  public double units(PaddedBatch b) {
    long n = 0;
    for (long x : b.targets()) {
      if (x != Packer.IGNORE) {
        n++;
      }
    }
    return n;
  }

  @Override
  public Loss loss(PaddedBatch b) {
    long[] lens = new long[b.rows()];
    for (int i = 0; i < lens.length; i++) {
      lens[i] = b.lengths()[i];
    }
    Tensor logits = model.logits(Tensor.ofLongs(b.ids(), b.rows(), b.t()), Tensor.ofLongs(lens, b.rows()));
    return new Loss(LmLoss.nextTokenLoss(logits, b.targets()), b.ids().length, Map.of());
  }

  @Override
  public JsonNode state() {
    return blend.cursor().toJson();
  }

  @Override
  public void restore(JsonNode state) {
    blend.restore(Blend.Cursor.fromJson(state));
  }
}
