package io.tinkerjvm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Documents to push or create: files, every matching file in a folder, or standard input. */
final class Inputs {
  record Document(String source, String text) {}

  private Inputs() {}

  /**
   * @param paths files, folders, or "-" for standard input; none means standard input when it is piped
   * @param extensions file name endings taken from folders, like ".json"
   * @param flag how to name a file in the "pipe or give a file" error
   */
  static List<Document> read(Tink.Context context, List<Path> paths, List<String> extensions, String flag) {
    List<Document> docs = new ArrayList<>();
    if (paths.isEmpty()) {
      if (context.stdinIsTerminal()) {
        throw new CliException("either pipe the data or give a file (" + flag + " FILE, or FILE... or FOLDER)",
            ExitCodes.USAGE);
      }
      docs.add(stdin(context));
      return docs;
    }
    for (Path p : paths) {
      if (p.toString().equals("-")) {
        docs.add(stdin(context));
      } else if (Files.isDirectory(p)) {
        List<Path> files;
        try (Stream<Path> list = Files.list(p)) {
          files = list.filter(f -> Files.isRegularFile(f) && matches(f, extensions)).sorted().toList();
        } catch (IOException e) {
          throw new CliException(p + ": cannot list the folder: " + e.getMessage());
        }
        if (files.isEmpty()) {
          throw new CliException(p + ": the folder holds no " + String.join(" or ", extensions) + " files");
        }
        files.forEach(f -> docs.add(file(f)));
      } else {
        docs.add(file(p));
      }
    }
    return docs;
  }

  private static boolean matches(Path f, List<String> extensions) {
    String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return extensions.stream().anyMatch(name::endsWith);
  }

  private static Document file(Path p) {
    if (!Files.exists(p)) {
      throw new CliException(p + ": no such file");
    }
    try {
      String text = Files.readString(p, StandardCharsets.UTF_8);
      if (text.isBlank()) {
        throw new CliException(p + ": the file is empty");
      }
      return new Document(p.toString(), text);
    } catch (IOException | UncheckedIOException e) {
      throw new CliException(p + ": cannot read: " + e.getMessage());
    }
  }

  private static Document stdin(Tink.Context context) {
    try {
      String text = new String(context.in().readAllBytes(), StandardCharsets.UTF_8);
      if (text.isBlank()) {
        throw new CliException("standard input is empty");
      }
      return new Document("stdin", text);
    } catch (IOException e) {
      throw new CliException("cannot read standard input: " + e.getMessage());
    }
  }
}
