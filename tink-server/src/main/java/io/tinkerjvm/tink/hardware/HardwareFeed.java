package io.tinkerjvm.tink.hardware;

import io.tinkerjvm.tink.db.ChangeNotifier;
import io.tinkerjvm.tink.hardware.HardwareRepository.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Fans hardware changes out to any number of watchers. Postgres notifies once per commit (from
 * any replica); the feed reads the new revisions once and hands them to every subscription, so a
 * thousand watchers cost one query per change, not a thousand.
 */
public final class HardwareFeed implements AutoCloseable {
  private static final int PAGE = 500;

  private final HardwareRepository repository;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final Runnable unsubscribe;
  private long feedRevision;

  public HardwareFeed(HardwareRepository repository, ChangeNotifier notifier) {
    this.repository = repository;
    this.feedRevision = latestRevision(repository);
    this.unsubscribe = notifier.subscribe(ChangeNotifier.HARDWARE, payload -> poll());
  }

  private static long latestRevision(HardwareRepository repository) {
    long last = 0;
    for (List<Change> page = repository.changesSince(0, PAGE, false); !page.isEmpty();
         page = repository.changesSince(last, PAGE, false)) {
      last = page.getLast().revision();
    }
    return last;
  }

  /** Reads what committed since the last poll and hands it out. Runs on the notifier's thread. */
  synchronized void poll() {
    List<Change> page;
    while (!(page = repository.changesSince(feedRevision, PAGE, false)).isEmpty()) {
      for (Change change : page) {
        for (Subscription s : subscriptions) {
          s.offer(change);
        }
      }
      feedRevision = page.getLast().revision();
    }
  }

  /**
   * Sends {@code sink} every change after {@code afterRevision} (a snapshot of live records when it
   * is 0), then calls {@code onCaughtUp}, then every later change, until the returned handle is closed.
   */
  public AutoCloseable subscribe(long afterRevision, Consumer<Change> sink, Runnable onCaughtUp) {
    Subscription s = new Subscription(sink);
    subscriptions.add(s);
    long last = afterRevision;
    boolean snapshot = afterRevision == 0;
    List<Change> page;
    while (!(page = repository.changesSince(last, PAGE, snapshot)).isEmpty()) {
      for (Change change : page) {
        s.deliverCatchUp(change);
      }
      last = page.getLast().revision();
    }
    s.finishCatchUp(onCaughtUp);
    return () -> subscriptions.remove(s);
  }

  public int subscriberCount() {
    return subscriptions.size();
  }

  @Override
  public void close() {
    unsubscribe.run();
    subscriptions.clear();
  }

  private static final class Subscription {
    private final Consumer<Change> sink;
    private final List<Change> pending = new ArrayList<>();
    private boolean caughtUp;
    private long last;

    Subscription(Consumer<Change> sink) {
      this.sink = sink;
    }

    synchronized void offer(Change change) {
      if (!caughtUp) {
        pending.add(change);
      } else {
        send(change);
      }
    }

    synchronized void deliverCatchUp(Change change) {
      send(change);
    }

    synchronized void finishCatchUp(Runnable onCaughtUp) {
      for (Change change : pending) {
        send(change);
      }
      pending.clear();
      caughtUp = true;
      onCaughtUp.run();
    }

    private void send(Change change) {
      if (change.revision() > last) {
        last = change.revision();
        sink.accept(change);
      }
    }
  }
}
