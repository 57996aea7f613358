package io.tinkerjvm.boots.hardware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hardware from a file, for Boots without Tink: Tinkerbell hardware documents as a JSON array or object, or
 * a YAML sequence or stream of documents. The file is checked again every few seconds and reloaded when it
 * changes; a file with any bad document is refused whole and the previous contents stay in use.
 */
public final class FileHardwareSource implements HardwareSource {
  private static final Logger log = LoggerFactory.getLogger(FileHardwareSource.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private volatile MachineIndex index = new MachineIndex();
  private final ScheduledExecutorService watcher;
  private volatile FileTime loadedAt;
  private volatile String problem;

  private FileHardwareSource(Path file) {
    this.file = file;
    this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hardware-file-watch");
      t.setDaemon(true);
      return t;
    });
  }

  /** Loads the file; a missing or bad file is an error at start-up, naming the file and the document. */
  public static FileHardwareSource open(Path file) {
    FileHardwareSource source = new FileHardwareSource(file);
    source.install(load(file));
    source.loadedAt = modified(file);
    source.watcher.scheduleWithFixedDelay(source::reloadIfChanged, 2, 2, TimeUnit.SECONDS);
    return source;
  }

  /** Parses every document and checks it as tink-server would; throws on the first bad one. */
  public static List<Hardware> load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read hardware file " + file + ": " + e.getMessage(), e);
    }
    List<JsonNode> docs = new ArrayList<>();
    try {
      String trimmed = text.stripLeading();
      boolean json = trimmed.startsWith("[") || trimmed.startsWith("{");
      ObjectMapper mapper = json ? JSON : YAML;
      try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(text)) {
        while (it.hasNext()) {
          JsonNode node = it.next();
          if (node == null || node.isNull() || node.isMissingNode()) {
            continue;
          }
          if (node.isArray()) {
            node.forEach(docs::add);
          } else {
            docs.add(node);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("hardware file " + file + " is neither JSON nor YAML: "
          + e.getMessage().lines().findFirst().orElse(""), e);
    }
    List<Hardware> out = new ArrayList<>();
    Set<String> macs = new HashSet<>();
    for (int i = 0; i < docs.size(); i++) {
      String where = file + " document " + (i + 1);
      try {
        HardwareDocument doc = HardwareDocument.validate(HardwareDocument.parsePushed(docs.get(i).toString(), where));
        for (String mac : doc.macs()) {
          if (!macs.add(mac)) {
            throw new IllegalArgumentException("MAC " + mac + " appears in more than one document");
          }
        }
        out.add(doc.hardware());
      } catch (RuntimeException e) {
        String reason = String.valueOf(e.getMessage());
        String message = reason.startsWith(where) ? reason : where + ": " + reason;
        throw new IllegalArgumentException(message, e);
      }
    }
    return out;
  }

  private void install(List<Hardware> records) {
    MachineIndex fresh = new MachineIndex();
    records.forEach(fresh::put);
    index = fresh; // swapped whole, so that a lookup never sees a half-loaded file
  }

  private void reloadIfChanged() {
    FileTime now = modified(file);
    if (now == null || now.equals(loadedAt)) {
      return;
    }
    try {
      List<Hardware> records = load(file);
      install(records);
      loadedAt = now;
      problem = null;
      log.info("reloaded {}: {} hardware records", file, records.size());
    } catch (RuntimeException e) {
      // anything at all: the watcher must survive to see the next edit
      loadedAt = now;
      problem = String.valueOf(e.getMessage());
      log.error("kept the previous hardware: {}", e.getMessage());
    }
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public Optional<Machine> byMac(String mac) {
    return index.byMac(mac);
  }

  @Override
  public Optional<Machine> byIp(String ip) {
    return index.byIp(ip);
  }

  @Override
  public boolean answersFromMemory() {
    return true;
  }

  @Override
  public String healthProblem() {
    return problem;
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public void close() {
    watcher.shutdownNow();
  }
}
