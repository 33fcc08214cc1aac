package dev.nemotron4j.tokenizer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Agreement with the reference trainer. {@code toy-2024-20000-bpe2000.vocab} is the vocabulary
 * (piece, tab, score) that sentencepiece 0.1.97's {@code spm_train} learned from
 * {@code ToyCorpus.sentences(2024, 20000)} written one sentence per line, with:
 *
 * <pre>
 * spm_train --input=toy.txt --model_prefix=toyref --model_type=bpe --vocab_size=2000
 *   --normalization_rule_name=identity --add_dummy_prefix=true --remove_extra_whitespaces=false
 *   --byte_fallback=true --split_digits=true --character_coverage=1.0
 *   --user_defined_symbols='&lt;extra_id_0&gt;,&lt;extra_id_1&gt;,&lt;extra_id_2&gt;' --num_threads=1
 * </pre>
 *
 * <p>The reference picks the best pair among a subset of candidates refreshed every 100 merges and
 * may undercount runs of equal symbols, so on other corpora the two can differ in the order of a
 * few near-tied pieces; on this one they agree exactly.
 */
class BpeTrainerReferenceTest {
  private static List<String[]> referenceVocab() throws IOException {
    List<String[]> out = new ArrayList<>();
    try (InputStream in = BpeTrainerReferenceTest.class.getResourceAsStream("toy-2024-20000-bpe2000.vocab")) {
      assertWithMessage("test resource toy-2024-20000-bpe2000.vocab").that(in).isNotNull();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        int tab = line.lastIndexOf('\t');
        out.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
      }
    }
    return out;
  }

  @Test
  void learnsTheSameVocabularyAsSentencePiece() throws IOException {
    List<String[]> ref = referenceVocab();
    assertThat(ref).hasSize(2000);
    SentencePieceModel m = SentencePieceModel.fromBytes(
        BpeTrainer.train(ToyCorpus.sentences(2024, 20000), BpeTrainer.Options.defaults(2000)));
    assertThat(m.vocabSize()).isEqualTo(ref.size());
    for (int id = 0; id < ref.size(); id++) {
      assertWithMessage("piece %s", id).that(m.idToPiece(id)).isEqualTo(ref.get(id)[0]);
      assertWithMessage("score of piece %s", id).that(m.score(id)).isEqualTo(Float.parseFloat(ref.get(id)[1]));
    }
  }
}
