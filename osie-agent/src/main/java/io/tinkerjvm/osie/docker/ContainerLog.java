package io.tinkerjvm.osie.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A container's stdout and stderr, split into lines for the log consumer as they arrive; keeps the last
 * {@link #TAIL_BYTES} of output so a failure's message can quote the last line without holding it all. "Last" is by
 * arrival: Docker copies stdout and stderr separately, so lines of the two streams may come out of order.
 */
final class ContainerLog extends ResultCallback.Adapter<Frame> {
  static final int TAIL_BYTES = 64 * 1024;

  private final Consumer<String> logLine;
  private final Map<StreamType, ByteArrayOutputStream> partial = new EnumMap<>(StreamType.class);
  private final Deque<String> tail = new ArrayDeque<>();
  private int tailBytes;

  ContainerLog(Consumer<String> logLine) {
    this.logLine = logLine;
  }

  @Override
  public synchronized void onNext(Frame frame) {
    ByteArrayOutputStream line = partial.computeIfAbsent(frame.getStreamType(), t -> new ByteArrayOutputStream());
    for (byte b : frame.getPayload()) {
      if (b == '\n') {
        emit(line);
      } else {
        line.write(b);
        // a line without an end cannot grow past the tail: it is passed on in pieces
        if (line.size() >= TAIL_BYTES) {
          emit(line);
        }
      }
    }
  }

  @Override
  public synchronized void onComplete() {
    partial.values().stream().filter(l -> l.size() > 0).forEach(this::emit);
    super.onComplete();
  }

  /** The last non-empty line the container printed, or "" when it printed none. */
  synchronized String lastLine() {
    return tail.isEmpty() ? "" : tail.peekLast();
  }

  private void emit(ByteArrayOutputStream bytes) {
    String text = bytes.toString(StandardCharsets.UTF_8);
    bytes.reset();
    if (text.endsWith("\r")) {
      text = text.substring(0, text.length() - 1);
    }
    logLine.accept(text);
    if (text.isBlank()) {
      return;
    }
    tail.addLast(text);
    tailBytes += text.length();
    while (tailBytes > TAIL_BYTES && tail.size() > 1) {
      tailBytes -= tail.removeFirst().length();
    }
  }
}
