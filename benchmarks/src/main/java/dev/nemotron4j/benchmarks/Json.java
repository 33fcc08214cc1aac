package dev.nemotron4j.benchmarks;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One flat JSON object per result line. */
public final class Json {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  public Json put(String key, Object value) {
    fields.put(key, value);
    return this;
  }

  public Object get(String key) {
    return fields.get(key);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(e.getKey()).append("\":");
      Object v = e.getValue();
      if (v instanceof String) {
        sb.append('"').append(((String) v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      } else if (v instanceof Double || v instanceof Float) {
        double d = ((Number) v).doubleValue();
        sb.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.4g", d) : "null");
      } else {
        sb.append(v);
      }
    }
    return sb.append('}').toString();
  }
}
