package dev.nemotron4j.pipeline;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {
  @TempDir Path dir;

  @Test
  void builtInSizesAreValidAndRoundTripThroughJson() {
    for (String size : new String[] {"small", "medium"}) {
      PipelineConfig c = PipelineConfig.defaults(size);
      assertThat(c.rounds()).isNotEmpty();
      assertThat(PipelineConfig.fromJson(PipelineConfig.JSON.valueToTree(c), "test")).isEqualTo(c);
    }
    assertThat(PipelineConfig.defaults("small").rounds().stream().map(PipelineConfig.Round::name).toList())
        .containsExactly("sft", "dpo", "rpo-1", "rpo-2").inOrder();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PipelineConfig.defaults("huge"));
    assertThat(e).hasMessageThat().contains("'huge'");
  }

  @Test
  void overridesMergeIntoTheSizeDefaults() throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{\"countries\": 7, \"model\": {\"layers\": 2}, \"weak\": {\"p_correct\": 0.3}}");
    PipelineConfig c = PipelineConfig.read("small", f);
    PipelineConfig d = PipelineConfig.defaults("small");
    assertThat(c.countries()).isEqualTo(7);
    assertThat(c.model().layers()).isEqualTo(2);
    assertThat(c.model().hidden()).isEqualTo(d.model().hidden());
    assertThat(c.weak().pCorrect()).isEqualTo(0.3);
    assertThat(c.weak().pFollow()).isEqualTo(d.weak().pFollow());
    assertThat(c.rounds()).isEqualTo(d.rounds());
  }

  private IllegalArgumentException bad(String json) throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, json);
    return assertThrows(IllegalArgumentException.class, () -> PipelineConfig.read("small", f));
  }

  @Test
  void badSettingsNameTheKeyAndTheValue() throws Exception {
    assertThat(bad("{\"contries\": 3}")).hasMessageThat().contains("unknown key 'contries'");
    assertThat(bad("{\"model\": {\"hiden\": 3}}")).hasMessageThat().contains("'hiden'");
    assertThat(bad("{\"countries\": 0}")).hasMessageThat().contains("countries must be >= 1, got 0");
    assertThat(bad("{\"annotation_noise\": 1.5}")).hasMessageThat().contains("annotation_noise must be in [0, 1], got 1.5");
    assertThat(bad("{\"rounds\": []}")).hasMessageThat().contains("rounds is empty");
    assertThat(bad("{\"rounds\": [{\"name\": \"x\", \"algorithm\": \"ppo\", \"generators\": [\"weak\"], \"prompts\": 1,"
        + " \"samples\": 2, \"temperature\": 1, \"train\": {\"epochs\": 1, \"batch\": 1, \"lr\": 0.1, \"warmup\": 0},"
        + " \"beta\": 0.1, \"eta\": 0, \"sft_weight\": 0, \"margin\": 0}]}")).hasMessageThat().contains("'ppo'");
    assertThat(bad("{\"rounds\": [{\"name\": \"base\", \"algorithm\": \"sft\", \"generators\": [\"weak\"], \"prompts\": 1,"
        + " \"samples\": 2, \"temperature\": 1, \"train\": {\"epochs\": 1, \"batch\": 1, \"lr\": 0.1, \"warmup\": 0},"
        + " \"beta\": 0.1, \"eta\": 0, \"sft_weight\": 0, \"margin\": 0}]}")).hasMessageThat().contains("name is taken");
    assertThat(bad("{\"rounds\": [{\"name\": \"d\", \"algorithm\": \"dpo\", \"generators\": [\"weak\"], \"prompts\": 1,"
        + " \"samples\": 1, \"temperature\": 1, \"train\": {\"epochs\": 1, \"batch\": 1, \"lr\": 0.1, \"warmup\": 0},"
        + " \"beta\": 0.1, \"eta\": 0, \"sft_weight\": 0, \"margin\": 0}]}")).hasMessageThat().contains("samples >= 2");
    assertThat(bad("[1, 2]")).hasMessageThat().contains("must hold a JSON object");
    assertThat(bad("{\"countries\": \"many\"}")).hasMessageThat().contains("bad pipeline config");
  }
}
