package dev.nemotron4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.autograd.Tape;
import dev.nemotron4j.checkpoint.SafeTensors;
import dev.nemotron4j.model.LmLoss;
import dev.nemotron4j.model.ModelSize;
import dev.nemotron4j.model.NemotronConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.model.NemotronRewardModel;
import dev.nemotron4j.model.Presets;
import dev.nemotron4j.nn.Parameter;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Device;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** info, forward and score: the model commands that work on token ids. */
final class ModelCommands {
  static final ObjectMapper JSON = new ObjectMapper();

  private ModelCommands() {}

  /** Token ids [B, T] (I64 or I32) and the row lengths of an optional right-padded attention_mask. */
  record Inputs(Tensor ids, long[] lens) {
    static Inputs read(SafeTensors st) {
      if (!st.contains("input_ids")) {
        throw new IllegalArgumentException(st.file() + " has no input_ids tensor");
      }
      Tensor ids = st.tensor("input_ids");
      if (ids.ndim() != 2 || (ids.dtype() != DType.I64 && ids.dtype() != DType.I32)) {
        throw new IllegalArgumentException("input_ids must be I64 [batch, time], got " + ids);
      }
      int b = (int) ids.dim(0), t = (int) ids.dim(1);
      long[] lens = null;
      if (st.contains("attention_mask")) {
        Tensor mask = st.tensor("attention_mask");
        if (mask.ndim() != 2 || mask.dim(0) != b || mask.dim(1) != t) {
          throw new IllegalArgumentException("attention_mask " + mask + " must have input_ids' shape [" + b + ", " + t + "]");
        }
        lens = LmLoss.lengthsFromMask(mask.toLongArray(), b, t);
      }
      // on the device the model runs on (the current one); the mapped file is on the host
      return new Inputs(ids.device() == Device.current() ? ids : ids.to(Device.current()), lens);
    }

    Tensor lensTensor() {
      return lens == null ? null : Tensor.ofLongs(lens, lens.length);
    }
  }

  @Command(name = "info", description = "Parameters and memory of a preset or a model folder (no weights are loaded).")
  static final class Info implements Callable<Integer> {
    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
      @Option(names = "--preset", description = "one of: nemotron-4-340b, nemotron-4-15b, minitron-4b, config-s, nemotron-tiny, nemotron-test")
      String preset;

      @Option(names = "--model", description = "a model folder with config.json")
      Path model;
    }

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
      NemotronConfig c = source.preset != null ? Presets.get(source.preset) : NemotronConfig.read(source.model);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", source.preset != null ? source.preset : source.model.toString());
      m.put("config", JSON.readTree(c.toJson()));
      m.putAll(ModelSize.summary(c));
      if (json) {
        System.out.println(JSON.writeValueAsString(m));
      } else {
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
      }
      return 0;
    }
  }

  @Command(name = "forward", description = "Logits (and with --backward the loss and every gradient) of input_ids.")
  static final class Forward implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model folder (config.json + safetensors)")
    Path model;

    @Option(names = "--inputs", required = true, description = "safetensors with input_ids I64 [B,T] and optional attention_mask")
    Path inputs;

    @Option(names = "--out", required = true, description = "safetensors to write: logits, and loss + grad.<name> with --backward")
    Path out;

    @Option(names = "--backward", description = "also the mean next-token loss and d(loss)/d(parameter)")
    boolean backward;

    @Override
    public Integer call() {
      try (NemotronForCausalLM m = NemotronForCausalLM.load(model);
          SafeTensors in = SafeTensors.open(inputs);
          Scope scope = Scope.open();
          Tape tape = backward ? Tape.record() : null) {
        Inputs x = Inputs.read(in);
        Tensor logits = m.logits(x.ids(), x.lensTensor());
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("logits", logits);
        if (backward) {
          int b = (int) x.ids().dim(0), t = (int) x.ids().dim(1);
          Tensor loss = LmLoss.nextTokenLoss(logits, LmLoss.targets(x.ids().toLongArray(), b, t, x.lens(), null));
          tape.backward(loss);
          result.put("loss", loss);
          for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            result.put("grad." + e.getKey(), e.getValue().grad());
          }
        }
        SafeTensors.write(out, result, Map.of("format", "pt"));
      }
      return 0;
    }
  }

  @Command(name = "score", description = "Reward-model attribute predictions and the weighted scalar reward of input_ids.")
  static final class Score implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "reward model folder (NemotronForSequenceClassification)")
    Path model;

    @Option(names = "--inputs", required = true, description = "safetensors with input_ids and optional attention_mask")
    Path inputs;

    @Option(names = "--weights", split = ",", description = "attribute weights (default: HelpSteer2 0.3,0.74,0.46,0.47,-0.33)")
    float[] weights;

    @Option(names = "--out", required = true, description = "safetensors to write: predictions [B, labels], reward [B]")
    Path out;

    @Override
    public Integer call() {
      try (NemotronRewardModel rm = NemotronRewardModel.load(model);
          SafeTensors in = SafeTensors.open(inputs);
          Scope scope = Scope.open()) {
        float[] w = weights != null ? weights : NemotronRewardModel.HELPSTEER2_WEIGHTS;
        if (w.length != rm.config().numLabels()) {
          throw new IllegalArgumentException(
              "--weights has " + w.length + " values; the model has " + rm.config().numLabels() + " attributes");
        }
        Inputs x = Inputs.read(in);
        Tensor pred = rm.predictions(x.ids(), x.lensTensor());
        float[] r = NemotronRewardModel.reward(pred, w);
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("predictions", pred);
        result.put("reward", Tensor.of(r, r.length));
        SafeTensors.write(out, result, Map.of("format", "pt"));
      }
      return 0;
    }
  }

  static ArrayNode ids(long[] ids) {
    ArrayNode a = JSON.createArrayNode();
    for (long id : ids) {
      a.add(id);
    }
    return a;
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }
}
