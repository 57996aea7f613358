package io.tinkerjvm.tink.template;

import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The subset of Go's text/template that Tinkerbell templates use, with {@code missingkey=error}:
 * {@code {{.device_1}}} and dotted paths, string/number/bool literals, function calls and pipelines,
 * {@code if / else if / else / end}, {@code {{- -}}} trimming and comments, and tink v0.7's
 * functions {@code contains hasPrefix hasSuffix formatPartition} plus {@code eq ne not and or}.
 * Parsing is separate from execution so a template's syntax is checked when it is stored.
 */
public final class GoTemplate {
  /**
   * How deep {@code if}s (an {@code else if} counts as one more), and calls and parentheses inside one action, may
   * nest. Parsing and rendering recurse once per level, so without a bound a long enough template ends in a
   * StackOverflowError, not an error that names its line.
   */
  static final int MAX_NESTING = 100;

  private final List<Node> nodes;

  private GoTemplate(List<Node> nodes) {
    this.nodes = nodes;
  }

  /** Parses {@code source}; a syntax error names its line. */
  public static GoTemplate parse(String source) {
    return new GoTemplate(new Parser(source).parseAll());
  }

  /** Renders with {@code data}; a key missing from it is an error that names the key and line. */
  public String execute(Map<String, ?> data) {
    StringBuilder out = new StringBuilder();
    exec(nodes, data, out);
    return out.toString();
  }

  // ---- tree ----

  private sealed interface Node permits Text, Output, If {}

  private record Text(String text) implements Node {}

  private record Output(Expr pipeline, int line) implements Node {}

  private record If(Expr condition, List<Node> then, List<Node> otherwise, int line) implements Node {}

  private sealed interface Expr permits Field, Literal, Call, Pipe {}

  private record Field(List<String> path, int line) implements Expr {}

  private record Literal(Object value) implements Expr {}

  private record Call(String function, List<Expr> args, int line) implements Expr {}

  private record Pipe(List<Expr> stages, int line) implements Expr {}

  // ---- execution ----

  private static void exec(List<Node> nodes, Map<String, ?> data, StringBuilder out) {
    for (Node node : nodes) {
      switch (node) {
        case Text t -> out.append(t.text());
        case Output o -> out.append(print(eval(o.pipeline(), data, NO_PIPE)));
        case If i -> exec(truthy(eval(i.condition(), data, NO_PIPE)) ? i.then() : i.otherwise(), data, out);
      }
    }
  }

  private static Object eval(Expr expr, Map<String, ?> data, Object piped) {
    return switch (expr) {
      case Literal l -> l.value();
      case Field f -> {
        Object value = data;
        StringBuilder path = new StringBuilder();
        for (String key : f.path()) {
          path.append('.').append(key);
          if (!(value instanceof Map<?, ?> map) || !map.containsKey(key)) {
            throw new InvalidArgumentException("template line " + f.line() + ": map has no entry for key \""
                + key + "\" (" + path + " is not in the hardware map)");
          }
          value = map.get(key);
        }
        yield value;
      }
      case Call c -> {
        List<Object> args = new ArrayList<>();
        for (Expr arg : c.args()) {
          args.add(eval(arg, data, NO_PIPE));
        }
        if (piped != NO_PIPE) {
          args.add(piped);
        }
        yield Functions.call(c.function(), args, c.line());
      }
      case Pipe p -> {
        Object value = eval(p.stages().getFirst(), data, NO_PIPE);
        for (Expr stage : p.stages().subList(1, p.stages().size())) {
          if (!(stage instanceof Call)) {
            throw new InvalidArgumentException("template line " + p.line() + ": only a function can follow '|'");
          }
          value = eval(stage, data, value);
        }
        yield value;
      }
    };
  }

  private static final Object NO_PIPE = new Object();

  static boolean truthy(Object v) {
    return switch (v) {
      case null -> false;
      case Boolean b -> b;
      case String s -> !s.isEmpty();
      case Number n -> n.doubleValue() != 0;
      case Map<?, ?> m -> !m.isEmpty();
      case List<?> l -> !l.isEmpty();
      default -> true;
    };
  }

  static String print(Object v) {
    return switch (v) {
      case null -> "<no value>";
      case Double d when d == Math.rint(d) && !d.isInfinite() && Math.abs(d) < 1e21 -> Long.toString(d.longValue());
      default -> String.valueOf(v);
    };
  }

  // ---- parsing ----

  private static final class Parser {
    private final String src;
    private int pos;
    private int line = 1;
    private int depth;

    Parser(String src) {
      this.src = src;
    }

    List<Node> parseAll() {
      List<Node> nodes = new ArrayList<>();
      String end = parseList(nodes);
      if (end != null) {
        throw error("unexpected {{" + end + "}}");
      }
      return nodes;
    }

    /** Parses nodes until else/end (returned) or the end of input (null). */
    private String parseList(List<Node> nodes) {
      while (pos < src.length()) {
        int open = src.indexOf("{{", pos);
        if (open < 0) {
          addText(nodes, src.substring(pos));
          pos = src.length();
          break;
        }
        boolean trimLeft = src.startsWith("{{- ", open) || src.startsWith("{{-\t", open) || src.startsWith("{{-\n", open);
        String text = src.substring(pos, open);
        addText(nodes, trimLeft ? text.stripTrailing() : text);
        int bodyStart = open + (trimLeft ? 3 : 2);
        int close = src.indexOf("}}", bodyStart);
        if (close < 0) {
          countLines(open);
          throw error("unclosed action: '{{' without '}}'");
        }
        countLines(open);
        String body = src.substring(bodyStart, close);
        boolean trimRight = body.endsWith(" -") || body.endsWith("\t-") || body.endsWith("\n-");
        if (trimRight) {
          body = body.substring(0, body.length() - 1);
        }
        int actionLine = line;
        countLines(close);
        pos = close + 2;
        if (trimRight) {
          int skip = pos;
          while (skip < src.length() && Character.isWhitespace(src.charAt(skip))) {
            skip++;
          }
          countLines(skip);
          pos = skip;
        }
        String trimmed = body.strip();
        if (trimmed.startsWith("/*")) {
          if (!trimmed.endsWith("*/")) {
            throw error("unclosed comment");
          }
          continue;
        }
        Lexer lexer = new Lexer(trimmed, actionLine);
        String keyword = lexer.peekWord();
        switch (keyword) {
          case "if" -> {
            lexer.word();
            nodes.add(parseIf(lexer, actionLine));
          }
          case "else", "end" -> {
            return trimmed;
          }
          case "range", "with", "define", "template", "block" -> throw error("'" + keyword + "' is not supported");
          default -> {
            Expr pipeline = lexer.pipeline();
            lexer.expectEnd();
            nodes.add(new Output(pipeline, actionLine));
          }
        }
      }
      return null;
    }

    private If parseIf(Lexer lexer, int ifLine) {
      if (++depth > MAX_NESTING) {
        throw error("'if' nested deeper than " + MAX_NESTING + " levels");
      }
      try {
        return parseIfBody(lexer, ifLine);
      } finally {
        depth--;
      }
    }

    private If parseIfBody(Lexer lexer, int ifLine) {
      Expr condition = lexer.pipeline();
      lexer.expectEnd();
      List<Node> then = new ArrayList<>();
      String end = parseList(then);
      List<Node> otherwise = new ArrayList<>();
      if (end == null) {
        throw new InvalidArgumentException("template line " + ifLine + ": 'if' without a matching {{end}}");
      }
      if (end.startsWith("else")) {
        String rest = end.substring(4).strip();
        if (rest.startsWith("if ")) {
          Lexer elseIf = new Lexer(rest.substring(3), line);
          otherwise.add(parseIf(elseIf, line));
          return new If(condition, then, otherwise, ifLine);
        }
        if (!rest.isEmpty()) {
          throw error("unexpected '" + rest + "' after else");
        }
        end = parseList(otherwise);
        if (end == null) {
          throw new InvalidArgumentException("template line " + ifLine + ": 'if' without a matching {{end}}");
        }
      }
      if (!end.equals("end")) {
        throw error("expected {{end}}, found {{" + end + "}}");
      }
      return new If(condition, then, otherwise, ifLine);
    }

    private void addText(List<Node> nodes, String text) {
      if (!text.isEmpty()) {
        nodes.add(new Text(text));
      }
    }

    private void countLines(int upTo) {
      for (int i = pos; i < upTo && i < src.length(); i++) {
        if (src.charAt(i) == '\n') {
          line++;
        }
      }
      pos = Math.max(pos, Math.min(upTo, src.length()));
    }

    private InvalidArgumentException error(String message) {
      return new InvalidArgumentException("template line " + line + ": " + message);
    }
  }

  /** Tokens inside one {{ }} action. */
  private static final class Lexer {
    private final String s;
    private final int line;
    private int i;
    private int depth;

    Lexer(String s, int line) {
      this.s = s;
      this.line = line;
    }

    String peekWord() {
      skipSpace();
      int j = i;
      while (j < s.length() && Character.isLetter(s.charAt(j))) {
        j++;
      }
      return s.substring(i, j);
    }

    String word() {
      String w = peekWord();
      i += w.length();
      return w;
    }

    void expectEnd() {
      skipSpace();
      if (i < s.length()) {
        throw error("unexpected '" + s.substring(i) + "'");
      }
    }

    Expr pipeline() {
      List<Expr> stages = new ArrayList<>();
      stages.add(command());
      while (true) {
        skipSpace();
        if (i < s.length() && s.charAt(i) == '|') {
          i++;
          stages.add(command());
        } else {
          break;
        }
      }
      return stages.size() == 1 ? stages.getFirst() : new Pipe(stages, line);
    }

    private Expr command() {
      skipSpace();
      if (i < s.length() && Character.isLetter(s.charAt(i))) {
        String name = identifier();
        if (name.equals("true") || name.equals("false")) {
          return new Literal(Boolean.parseBoolean(name));
        }
        if (name.equals("nil")) {
          return new Literal(null);
        }
        if (!Functions.exists(name)) {
          throw error("function \"" + name + "\" not defined");
        }
        List<Expr> args = new ArrayList<>();
        while (true) {
          skipSpace();
          if (i >= s.length() || s.charAt(i) == '|' || s.charAt(i) == ')') {
            break;
          }
          args.add(operand());
        }
        return new Call(name, args, line);
      }
      Expr first = operand();
      skipSpace();
      if (i < s.length() && s.charAt(i) != '|' && s.charAt(i) != ')') {
        throw error("unexpected '" + s.substring(i) + "'");
      }
      return first;
    }

    private Expr operand() {
      skipSpace();
      if (i >= s.length()) {
        throw error("missing value");
      }
      char c = s.charAt(i);
      if (c == '.') {
        i++;
        List<String> path = new ArrayList<>();
        if (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
          path.add(identifier());
          while (i < s.length() && s.charAt(i) == '.') {
            i++;
            path.add(identifier());
          }
        }
        return new Field(path, line);
      }
      if (c == '"') {
        return new Literal(quoted());
      }
      if (c == '`') {
        int end = s.indexOf('`', i + 1);
        if (end < 0) {
          throw error("unterminated raw string");
        }
        String v = s.substring(i + 1, end);
        i = end + 1;
        return new Literal(v);
      }
      if (c == '(') {
        nest();
        i++;
        Expr inner = pipeline();
        skipSpace();
        if (i >= s.length() || s.charAt(i) != ')') {
          throw error("missing ')'");
        }
        i++;
        depth--;
        return inner;
      }
      if (c == '-' || Character.isDigit(c)) {
        int j = i + 1;
        while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
          j++;
        }
        String num = s.substring(i, j);
        i = j;
        try {
          return new Literal(num.contains(".") ? (Object) Double.parseDouble(num) : (Object) Long.parseLong(num));
        } catch (NumberFormatException e) {
          throw error("bad number '" + num + "'");
        }
      }
      if (Character.isLetter(c)) {
        nest(); // a call as an argument: "not not not ..." nests as deep as parentheses do
        Expr call = command();
        depth--;
        return call;
      }
      throw error("unexpected '" + c + "'");
    }

    private void nest() {
      if (++depth > MAX_NESTING) {
        throw error("calls and parentheses nested deeper than " + MAX_NESTING + " levels");
      }
    }

    private String identifier() {
      int j = i;
      while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '-')) {
        j++;
      }
      if (j == i) {
        throw error("expected a name at '" + s.substring(i) + "'");
      }
      String id = s.substring(i, j);
      i = j;
      return id;
    }

    private String quoted() {
      StringBuilder b = new StringBuilder();
      i++;
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c == '\\' && i < s.length()) {
          char e = s.charAt(i++);
          b.append(switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            default -> e;
          });
        } else {
          b.append(c);
        }
      }
      throw error("unterminated string");
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private InvalidArgumentException error(String message) {
      return new InvalidArgumentException("template line " + line + ": " + message);
    }
  }

  /** Tink v0.7's template functions and the Go builtins templates use with them. */
  static final class Functions {
    private static final List<String> NAMES =
        List.of("contains", "hasPrefix", "hasSuffix", "formatPartition", "eq", "ne", "not", "and", "or");

    static boolean exists(String name) {
      return NAMES.contains(name);
    }

    static Object call(String name, List<Object> args, int line) {
      return switch (name) {
        case "contains" -> str(args, 0, name, 2, line).contains(str(args, 1, name, 2, line));
        case "hasPrefix" -> str(args, 0, name, 2, line).startsWith(str(args, 1, name, 2, line));
        case "hasSuffix" -> str(args, 0, name, 2, line).endsWith(str(args, 1, name, 2, line));
        case "formatPartition" -> formatPartition(str(args, 0, name, 2, line), number(args, 1, name, line), line);
        case "eq" -> {
          arity(args, name, 2, line);
          yield same(args.get(0), args.get(1));
        }
        case "ne" -> {
          arity(args, name, 2, line);
          yield !same(args.get(0), args.get(1));
        }
        case "not" -> {
          arity(args, name, 1, line);
          yield !truthy(args.getFirst());
        }
        case "and" -> {
          Object last = null;
          for (Object a : args) {
            last = a;
            if (!truthy(a)) {
              break;
            }
          }
          yield last;
        }
        case "or" -> {
          Object last = null;
          for (Object a : args) {
            last = a;
            if (truthy(a)) {
              break;
            }
          }
          yield last;
        }
        default -> throw new InvalidArgumentException("template line " + line + ": function \"" + name + "\" not defined");
      };
    }

    /** nvme0n1 and mmcblk0 take a "p" before the number; sda does not. */
    static String formatPartition(String device, long n, int line) {
      if (device.isEmpty()) {
        throw new InvalidArgumentException("template line " + line + ": formatPartition needs a device, got \"\"");
      }
      boolean needsP = device.contains("nvme") || device.contains("mmcblk") || Character.isDigit(device.charAt(device.length() - 1));
      return device + (needsP ? "p" : "") + n;
    }

    private static boolean same(Object a, Object b) {
      if (a instanceof Number x && b instanceof Number y) {
        return x.doubleValue() == y.doubleValue();
      }
      return a == null ? b == null : a.equals(b);
    }

    private static void arity(List<Object> args, String name, int n, int line) {
      if (args.size() != n) {
        throw new InvalidArgumentException("template line " + line + ": " + name + " takes " + n
            + " arguments, got " + args.size());
      }
    }

    private static String str(List<Object> args, int index, String name, int n, int line) {
      arity(args, name, n, line);
      Object v = args.get(index);
      if (!(v instanceof String s)) {
        throw new InvalidArgumentException("template line " + line + ": " + name + " needs a string, got " + print(v));
      }
      return s;
    }

    private static long number(List<Object> args, int index, String name, int line) {
      Object v = args.get(index);
      if (v instanceof Number num) {
        return num.longValue();
      }
      if (v instanceof String s && s.matches("\\d{1,18}")) { // 18 digits always fit in a long
        return Long.parseLong(s);
      }
      throw new InvalidArgumentException("template line " + line + ": " + name + " needs a number, got " + print(v));
    }
  }
}
