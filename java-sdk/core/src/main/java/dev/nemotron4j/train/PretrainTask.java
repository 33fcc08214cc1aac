package dev.nemotron4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.nemotron4j.data.Blend;
import dev.nemotron4j.data.PackedBatch;
import dev.nemotron4j.data.Packer;
import dev.nemotron4j.data.Sequence;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * (Continued) pretraining: documents from a weighted blend of sources, packed into rows of T
 * tokens whose attention stays inside each document; next-token loss on every token.
 */
public final class PretrainTask implements TrainTask<PackedBatch> {
  private final NemotronForCausalLM model;
  private final List<List<Sequence>> sources;
  private final double[] weights;
  private final long seed;
  private final int t;
  private final int rows;
  private Blend<Sequence> blend;
  private Packer packer;
  private long rowsTaken;

  public PretrainTask(NemotronForCausalLM model, List<List<Sequence>> sources, double[] weights, long seed, int t, int rows) {
    this.model = model;
    this.sources = sources;
    this.weights = weights.clone();
    this.seed = seed;
    this.t = t;
    this.rows = rows;
    reset();
  }

  private void reset() {
    blend = new Blend<>(sources, weights, seed);
    packer = new Packer(t);
    rowsTaken = 0;
  }

  private PackedBatch take(int n) {
    while (packer.fullRows() < n) {
      packer.add(blend.next());
    }
    rowsTaken += n;
    return packer.take(n);
  }

  @Override
  public List<PackedBatch> next(int n) {
    List<PackedBatch> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(take(rows));
    }
    return out;
  }

  @Override
  public double units(PackedBatch b) {
    return b.targetCount();
  }

  @Override
  public Loss loss(PackedBatch b) {
    Tensor ids = Tensor.ofLongs(b.ids(), b.rows(), b.t());
    Tensor logits = model.logits(ids, null, Tensor.ofLongs(b.positions(), b.rows(), b.t()),
        Tensor.ofLongs(b.segStarts(), b.rows(), b.t()));
    return new Loss(LmLoss.nextTokenLoss(logits, b.targets()), b.ids().length, Map.of());
  }

  @Override
  public JsonNode state() {
    return JsonNodeFactory.instance.objectNode().put("rows", rowsTaken);
  }

  @Override
  public void restore(JsonNode state) {
    long target = state.get("rows").asLong();
    reset();
    // the packer's state is derived: replay the row stream deterministically
    while (rowsTaken < target) {
      take((int) Math.min(rows, target - rowsTaken));
    }
  }
}
