package dev.nemotron4j.align;

import java.util.Locale;

/**
 * The preference losses of Nemotron-4 alignment on per-pair sequence log-probs, with their
 * derivatives. For pair i: {@code Δ = (π_c − ref_c) − (π_l − ref_l)}, {@code a = β·Δ},
 * {@code b = η·(r_c − r_l)}, {@code s = sigmoid}:
 *
 * <ul>
 *   <li>DPO: {@code −log s(a)}
 *   <li>RPO (the report's, NeMo-Aligner {@code rpo_bwd_kl}): {@code KL(Ber(s(b)) ‖ Ber(s(a)))}
 *   <li>{@code rpo_fwd_kl}: {@code KL(Ber(s(a)) ‖ Ber(s(b)))}
 *   <li>{@code rpo_sq}: {@code (a − b)²}
 *   <li>IPO: {@code (Δ − 1/(2β))²}
 * </ul>
 *
 * plus, for any kind, an SFT term {@code α · (−π_c / n_c)} (per-token average of the chosen
 * response, NeMo-Aligner {@code sft_avg_log_probs}). The loss is the mean over pairs. Computed in
 * double; log-sigmoids in their stable form.
 */
public final class PreferenceLoss {
  /** The loss kinds. */
  public enum Kind {
    DPO,
    RPO_BWD_KL,
    RPO_FWD_KL,
    RPO_SQ,
    IPO;

    public static Kind parse(String s) {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "dpo": return DPO;
        case "rpo": case "rpo_bwd_kl": return RPO_BWD_KL;
        case "rpo_fwd_kl": return RPO_FWD_KL;
        case "rpo_sq": return RPO_SQ;
        case "ipo": return IPO;
        default:
          throw new IllegalArgumentException(
              "unknown preference loss '" + s + "'; expected dpo, rpo (= rpo_bwd_kl), rpo_fwd_kl, rpo_sq or ipo");
      }
    }

    /** Whether the loss needs the pairs' rewards. */
    public boolean usesRewards() {
      return this == RPO_BWD_KL || this == RPO_FWD_KL || this == RPO_SQ;
    }
  }

  /**
   * The loss (preference + α · sft), its parts (sft is the chosen responses' mean per-token NLL,
   * reported whatever α), dL/d(policy log-prob) laid out as the input ({@code [i]} chosen,
   * {@code [P + i]} rejected), the implicit reward margins β·Δ and the preference accuracy
   * (fraction of pairs with Δ > 0).
   */
  public record Result(double loss, double preference, double sft, double[] dPolicy, double[] margins, double accuracy) {}

  private PreferenceLoss() {}

  static double logSigmoid(double x) {
    return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** The per-pair preference term and its derivative with respect to a = β·Δ (kind-specific). */
  static double[] term(Kind kind, double a, double b, double beta) {
    switch (kind) {
      case DPO:
        return new double[] {-logSigmoid(a), sigmoid(a) - 1};
      case RPO_BWD_KL: {
        double sb = sigmoid(b);
        double v = sb * (logSigmoid(b) - logSigmoid(a)) + (1 - sb) * (logSigmoid(-b) - logSigmoid(-a));
        return new double[] {v, sigmoid(a) - sb};
      }
      case RPO_FWD_KL: {
        double sa = sigmoid(a);
        double v = sa * (logSigmoid(a) - logSigmoid(b)) + (1 - sa) * (logSigmoid(-a) - logSigmoid(-b));
        return new double[] {v, sa * (1 - sa) * (a - b)};
      }
      case RPO_SQ:
        return new double[] {(a - b) * (a - b), 2 * (a - b)};
      case IPO: {
        double h = a / beta - 1 / (2 * beta);
        return new double[] {h * h, 2 * h / beta};
      }
      default:
        throw new IllegalStateException(kind.toString());
    }
  }

  /**
   * @param policy policy log-probs, chosen then rejected ([2P])
   * @param reference reference log-probs, same layout
   * @param chosenTokens number of chosen response tokens per pair (for the SFT term)
   * @param rewardChosen rewards (nullable unless the kind uses them)
   */
  public static Result compute(
      Kind kind, double beta, double eta, double alpha, double[] policy, double[] reference, int[] chosenTokens,
      double[] rewardChosen, double[] rewardRejected) {
    int p = policy.length / 2;
    if (policy.length != 2 * p || reference.length != policy.length || chosenTokens.length != p) {
      throw new IllegalArgumentException("log-prob arrays must hold chosen then rejected for each of the pairs");
    }
    if (kind.usesRewards() && (rewardChosen == null || rewardRejected == null)) {
      throw new IllegalArgumentException(kind + " needs chosen and rejected rewards for every pair");
    }
    double[] d = new double[2 * p];
    double[] margins = new double[p];
    double pref = 0, sft = 0;
    int correct = 0;
    for (int i = 0; i < p; i++) {
      double delta = (policy[i] - reference[i]) - (policy[p + i] - reference[p + i]);
      double a = beta * delta;
      double b = kind.usesRewards() ? eta * (rewardChosen[i] - rewardRejected[i]) : 0;
      double[] t = term(kind, a, b, beta);
      pref += t[0];
      d[i] += t[1] * beta / p;
      d[p + i] -= t[1] * beta / p;
      if (chosenTokens[i] <= 0) {
        throw new IllegalArgumentException("pair " + i + " has an empty chosen response");
      }
      sft += -policy[i] / chosenTokens[i];
      if (alpha != 0) {
        d[i] += -alpha / chosenTokens[i] / p;
      }
      margins[i] = a; // the implicit reward margin β·Δ
      if (delta > 0) {
        correct++;
      }
    }
    pref /= p;
    sft /= p;
    return new Result(pref + alpha * sft, pref, sft, d, margins, (double) correct / p);
  }
}
