package dev.nemotron4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemotron4j.generate.Generator;
import dev.nemotron4j.generate.SamplingConfig;
import dev.nemotron4j.model.NemotronForCausalLM;
import dev.nemotron4j.tokenizer.ChatTemplate;
import dev.nemotron4j.tokenizer.SentencePieceModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** tokenize, detokenize and generate. */
final class TextCommands {
  private TextCommands() {}

  static SentencePieceModel tokenizer(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no tokenizer model at " + file);
    }
    try {
      return SentencePieceModel.load(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static String readText(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static long[] parseIds(String csv) {
    String[] parts = csv.trim().split("[,\\s]+");
    long[] ids = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        ids[i] = Long.parseLong(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("token id '" + parts[i] + "' is not an integer");
      }
    }
    return ids;
  }

  static final class TextSource {
    @Option(names = "--text", description = "the text")
    String text;

    @Option(names = "--file", description = "a UTF-8 text file")
    Path file;

    String get() {
      return text != null ? text : readText(file);
    }
  }

  @Command(name = "tokenize", description = "Encode text with a SentencePiece model: ids and pieces.")
  static final class Tokenize implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "SentencePiece .model file")
    Path tokenizer;

    @ArgGroup(multiplicity = "1")
    TextSource source;

    @Option(names = "--json", description = "print {\"ids\":[...],\"pieces\":[...]}")
    boolean json;

    @Override
    public Integer call() throws Exception {
      SentencePieceModel sp = tokenizer(tokenizer);
      String text = source.get();
      int[] ids = sp.encode(text);
      ObjectNode o = ModelCommands.object();
      ArrayNode a = o.putArray("ids");
      ArrayNode p = o.putArray("pieces");
      for (int id : ids) {
        a.add(id);
        p.add(sp.idToPiece(id));
      }
      if (json) {
        System.out.println(ModelCommands.JSON.writeValueAsString(o));
      } else {
        System.out.println(a.toString());
        System.out.println(p.toString());
      }
      return 0;
    }
  }

  @Command(name = "detokenize", description = "Decode token ids with a SentencePiece model.")
  static final class Detokenize implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "SentencePiece .model file")
    Path tokenizer;

    @ArgGroup(multiplicity = "1")
    IdSource source;

    static final class IdSource {
      @Option(names = "--ids", description = "comma-separated token ids")
      String ids;

      @Option(names = "--file", description = "a file of ids separated by commas or whitespace")
      Path file;
    }

    @Option(names = "--json", description = "print {\"text\": ...}")
    boolean json;

    @Override
    public Integer call() throws Exception {
      SentencePieceModel sp = tokenizer(tokenizer);
      long[] ids = parseIds(source.ids != null ? source.ids : readText(source.file));
      int[] i32 = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0 || ids[i] >= sp.vocabSize()) {
          throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary [0, " + sp.vocabSize() + ")");
        }
        i32[i] = (int) ids[i];
      }
      String text = sp.decode(i32);
      if (json) {
        System.out.println(ModelCommands.JSON.writeValueAsString(ModelCommands.object().put("text", text)));
      } else {
        System.out.println(text);
      }
      return 0;
    }
  }

  @Command(name = "generate", description = "Continue a prompt with a model (greedy or sampled), with a KV cache.")
  static final class Generate implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model folder (config.json + safetensors [+ tokenizer.model])")
    Path model;

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
      @Option(names = "--prompt", description = "prompt text (needs a tokenizer)")
      String text;

      @Option(names = "--prompt-ids", description = "prompt token ids, comma-separated")
      String ids;
    }

    @Option(names = "--tokenizer", description = "SentencePiece .model (default: MODEL/tokenizer.model when present)")
    Path tokenizer;

    @Option(names = "--chat", description = "wrap --prompt as a user turn of the Nemotron-4 chat template; stop at <extra_id_1>")
    boolean chat;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "default 64")
    int maxNewTokens;

    @Option(names = "--greedy", description = "argmax decoding (the default unless --temperature is given)")
    boolean greedy;

    @Option(names = "--temperature", description = "sample with this temperature")
    Float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens (0: all)")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling mass (1: off)")
    float topP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "> 1 discourages repeats")
    float repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed")
    long seed;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stops = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "do not stop at the model's eos_token_id")
    boolean ignoreEos;

    @Option(names = "--json", description = "last line {\"ids\":[...],\"text\":...}")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (greedy && temperature != null) {
        throw new IllegalArgumentException("--greedy and --temperature exclude each other");
      }
      Path tokFile = tokenizer != null ? tokenizer : model.resolve("tokenizer.model");
      SentencePieceModel sp = tokenizer != null || Files.isRegularFile(tokFile) ? tokenizer(tokFile) : null;
      if (sp == null && (prompt.text != null || !stops.isEmpty())) {
        throw new IllegalArgumentException("--prompt and --stop need a tokenizer: " + model + " has no tokenizer.model"
            + " (pass --tokenizer, or use --prompt-ids)");
      }
      if (chat && prompt.text == null) {
        throw new IllegalArgumentException("--chat needs --prompt text");
      }
      try (NemotronForCausalLM m = NemotronForCausalLM.load(model)) {
        List<Long> stopIds = new ArrayList<>();
        long[] ids;
        if (prompt.ids != null) {
          ids = parseIds(prompt.ids);
        } else if (chat) {
          ChatTemplate tpl = new ChatTemplate(sp);
          ids = toLongs(tpl.encodePrompt(List.of(ChatTemplate.Message.user(prompt.text))));
          stopIds.add((long) tpl.stopId());
        } else {
          ids = toLongs(sp.encode(prompt.text));
        }
        Integer eos = m.config().eosTokenId();
        if (eos != null && !ignoreEos) {
          stopIds.add((long) eos);
        }
        SamplingConfig cfg = temperature == null
            ? SamplingConfig.greedy(maxNewTokens)
            : SamplingConfig.sample(maxNewTokens, temperature, topK, topP, seed);
        cfg = cfg.withStops(stopIds, stops).withRepetitionPenalty(repetitionPenalty);
        Generator g = sp == null ? new Generator(m) : new Generator(m, sp);
        Generator.Result r = g.generate(List.of(ids), cfg).get(0);
        ObjectNode o = ModelCommands.object();
        o.set("ids", ModelCommands.ids(r.ids()));
        if (r.text() == null) {
          o.putNull("text");
        } else {
          o.put("text", r.text());
        }
        o.put("finish", r.finish().name().toLowerCase(java.util.Locale.ROOT));
        if (!json && r.text() != null) {
          System.out.println(r.text());
        }
        System.out.println(json ? ModelCommands.JSON.writeValueAsString(o) : "ids " + o.get("ids"));
      }
      return 0;
    }
  }

  static long[] toLongs(int[] a) {
    long[] o = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      o[i] = a[i];
    }
    return o;
  }
}
