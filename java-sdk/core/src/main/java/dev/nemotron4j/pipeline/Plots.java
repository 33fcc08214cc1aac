package dev.nemotron4j.pipeline;

import dev.nemotron4j.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** PNG charts for the pipeline report, drawn with Java2D (headless). */
final class Plots {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  private static final Color[] PALETTE = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
    new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127)
  };
  private static final int W = 900, H = 520, L = 80, R = 200, T = 50, B = 60;

  private Plots() {}

  /** Line chart of series (x = index + 1). */
  static void lines(Path file, String title, String xLabel, String yLabel, Map<String, List<Double>> series) {
    double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
    int xmax = 1;
    for (List<Double> s : series.values()) {
      xmax = Math.max(xmax, s.size());
      for (double v : s) {
        if (Double.isFinite(v)) {
          ymin = Math.min(ymin, v);
          ymax = Math.max(ymax, v);
        }
      }
    }
    if (!Double.isFinite(ymin)) {
      ymin = 0;
      ymax = 1;
    }
    if (ymax - ymin < 1e-9) {
      ymax = ymin + 1;
    }
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = frame(img, title, xLabel, yLabel, 1, xmax, ymin, ymax);
    int k = 0;
    for (Map.Entry<String, List<Double>> e : series.entrySet()) {
      g.setColor(PALETTE[k % PALETTE.length]);
      g.setStroke(new BasicStroke(2f));
      List<Double> s = e.getValue();
      for (int i = 1; i < s.size(); i++) {
        g.drawLine(px(i, xmax), py(s.get(i - 1), ymin, ymax), px(i + 1, xmax), py(s.get(i), ymin, ymax));
      }
      legend(g, k, e.getKey());
      k++;
    }
    write(img, file);
  }

  /** Grouped bars: one group per category, one bar per series. */
  static void bars(Path file, String title, List<String> categories, Map<String, double[]> series) {
    double ymax = 0;
    for (double[] v : series.values()) {
      for (double x : v) {
        ymax = Math.max(ymax, x);
      }
    }
    ymax = ymax <= 1 ? 1 : ymax * 1.1;
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = frame(img, title, "", "", 0, 0, 0, ymax);
    int groups = categories.size(), n = series.size();
    double gw = (double) (W - L - R) / groups;
    double bw = gw * 0.8 / Math.max(1, n);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int c = 0; c < groups; c++) {
      g.setColor(Color.DARK_GRAY);
      g.drawString(categories.get(c), (int) (L + c * gw + gw * 0.1), H - B + 18);
      int k = 0;
      for (double[] v : series.values()) {
        g.setColor(PALETTE[k % PALETTE.length]);
        int x = (int) (L + c * gw + gw * 0.1 + k * bw);
        int y = py(v[c], 0, ymax);
        g.fillRect(x, y, Math.max(1, (int) bw - 2), H - B - y);
        k++;
      }
    }
    int k = 0;
    for (String s : series.keySet()) {
      legend(g, k++, s);
    }
    write(img, file);
  }

  private static Graphics2D frame(BufferedImage img, String title, String xLabel, String yLabel, int xmin, int xmax,
      double ymin, double ymax) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, L, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawRect(L, T, W - L - R, H - T - B);
    for (int i = 0; i <= 5; i++) {
      double v = ymin + (ymax - ymin) * i / 5;
      int y = py(v, ymin, ymax);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(L + 1, y, W - R - 1, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.3g", v), 8, y + 4);
    }
    if (xmax > xmin) {
      for (int i = 0; i <= 4; i++) {
        int x = xmin + (xmax - xmin) * i / 4;
        g.drawString(Integer.toString(x), px(x, xmax) - 8, H - B + 18);
      }
    }
    g.drawString(xLabel, (W - R + L) / 2 - 20, H - 20);
    g.drawString(yLabel, 8, T - 10);
    return g;
  }

  private static void legend(Graphics2D g, int k, String name) {
    g.setColor(PALETTE[k % PALETTE.length]);
    g.fillRect(W - R + 15, T + 10 + 22 * k, 14, 14);
    g.setColor(Color.BLACK);
    g.drawString(name, W - R + 35, T + 22 + 22 * k);
  }

  private static int px(double x, int xmax) {
    return (int) Math.round(L + (W - L - R) * (xmax <= 1 ? 0.5 : (x - 1) / (xmax - 1)));
  }

  private static int py(double y, double ymin, double ymax) {
    return (int) Math.round(H - B - (H - T - B) * (y - ymin) / (ymax - ymin));
  }

  private static void write(BufferedImage img, Path file) {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      ImageIO.write(img, "png", buf);
      AtomicFiles.writeBytes(file, buf.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
