package io.tinkerjvm.pbnj.bmc;

/** Where an operation says what it is doing; these become the task's messages. */
@FunctionalInterface
public interface Progress {
  void message(String text);

  Progress NONE = text -> {};
}
