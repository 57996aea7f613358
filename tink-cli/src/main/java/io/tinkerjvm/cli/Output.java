package io.tinkerjvm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints what a command found in the format asked for. Tables look like Tinkerbell's (bordered, headers in upper
 * case); csv keeps the headers as written; json is {@code {"data":[...]}} as Tinkerbell's {@code get} prints it,
 * and yaml the same document in YAML.
 */
public final class Output {
  public enum Format {
    TABLE, JSON, YAML, CSV;

    static Format parse(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CliException("--format '" + value + "' is not one of table, json, yaml, csv");
      }
    }
  }

  private final PrintStream out;
  private final Format format;
  private final boolean headers;

  Output(PrintStream out, Format format, boolean headers) {
    this.out = out;
    this.format = format;
    this.headers = headers;
  }

  /** The same destination, printing JSON: for commands whose answer is a document even when no format is set. */
  public Output asJson() {
    return new Output(out, Format.JSON, headers);
  }

  public Format format() {
    return format;
  }

  public boolean structured() {
    return format == Format.JSON || format == Format.YAML;
  }

  /** Rows for table and csv; {@code documents} (built only when asked for) for json and yaml. */
  public void print(List<String> columns, List<List<String>> rows, java.util.function.Supplier<List<JsonNode>> documents) {
    switch (format) {
      case TABLE -> table(columns, rows);
      case CSV -> csv(columns, rows);
      case JSON, YAML -> document(documents.get());
    }
  }

  private void table(List<String> columns, List<List<String>> rows) {
    int[] widths = new int[columns.size()];
    List<String> head = new ArrayList<>(columns.size());
    for (int i = 0; i < columns.size(); i++) {
      head.add(columns.get(i).toUpperCase(Locale.ROOT));
      if (headers) {
        widths[i] = width(head.get(i));
      }
    }
    for (List<String> row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], width(row.get(i)));
      }
    }
    StringBuilder line = new StringBuilder("+");
    for (int w : widths) {
      line.append("-".repeat(w + 2)).append('+');
    }
    StringBuilder b = new StringBuilder(256);
    b.append(line).append('\n');
    if (headers) {
      row(b, head, widths);
      b.append(line).append('\n');
    }
    for (List<String> row : rows) {
      row(b, row, widths);
    }
    if (!rows.isEmpty() || !headers) {
      b.append(line).append('\n');
    }
    out.print(b);
  }

  private static void row(StringBuilder b, List<String> cells, int[] widths) {
    b.append('|');
    for (int i = 0; i < widths.length; i++) {
      String cell = oneLine(cells.get(i));
      b.append(' ').append(cell).append(" ".repeat(widths[i] - width(cell))).append(" |");
    }
    b.append('\n');
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
  }

  private static int width(String s) {
    String v = oneLine(s);
    return v.codePointCount(0, v.length());
  }

  private void csv(List<String> columns, List<List<String>> rows) {
    StringBuilder b = new StringBuilder(256);
    if (headers) {
      csvRow(b, columns);
    }
    for (List<String> row : rows) {
      csvRow(b, row);
    }
    out.print(b);
  }

  private static void csvRow(StringBuilder b, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      String c = cells.get(i) == null ? "" : cells.get(i);
      if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
        b.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        b.append(c);
      }
    }
    b.append('\n');
  }

  private void document(List<JsonNode> items) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ArrayNode data = root.putArray("data");
    items.forEach(data::add);
    printDocument(root);
  }

  /** Prints one JSON or YAML document (for commands whose answer is not a list). */
  public void printDocument(JsonNode node) {
    try {
      if (format == Format.YAML) {
        ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build());
        out.print(yaml.writeValueAsString(node));
      } else {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node));
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public void line(String text) {
    out.println(text);
  }
}
