package io.tinkerjvm.pbnj.task;

import io.grpc.Status;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One asynchronous task: "running" until it is "complete", with an error when it failed. */
public final class TaskRecord {
  private static final int MAX_MESSAGES = 200;

  private final String id;
  private final String description;
  private final Instant created = Instant.now();
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private volatile boolean complete;
  private volatile String result = "";
  private volatile Status.Code errorCode = Status.Code.OK;
  private volatile String errorMessage = "";
  private volatile Instant finished;

  TaskRecord(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public void message(String text) {
    if (!complete && messages.size() < MAX_MESSAGES) {
      messages.add(text);
    }
  }

  /** Ends the task once; later calls (a late worker after the deadline) change nothing. */
  synchronized boolean finish(String result, Status.Code code, String error) {
    if (complete) {
      return false;
    }
    this.result = result == null ? "" : result;
    this.errorCode = code;
    this.errorMessage = error == null ? "" : error;
    this.finished = Instant.now();
    this.complete = true;
    return true;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  public boolean complete() {
    return complete;
  }

  public String state() {
    return complete ? "complete" : "running";
  }

  public String result() {
    return result;
  }

  public Status.Code errorCode() {
    return errorCode;
  }

  public String errorMessage() {
    return errorMessage;
  }

  public List<String> messages() {
    return List.copyOf(messages);
  }

  public Instant created() {
    return created;
  }

  Instant finished() {
    return finished;
  }
}
