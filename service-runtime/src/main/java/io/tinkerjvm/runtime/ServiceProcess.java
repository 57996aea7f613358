package io.tinkerjvm.runtime;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part of every service's {@code main} that is the same: --help, settings (exit 2 with the setting
 * named), start (exit 1 with the reason), a shutdown hook that closes what started, and closing a
 * service's resources in reverse order.
 */
public final class ServiceProcess {
  private static final Logger log = LoggerFactory.getLogger(ServiceProcess.class);

  private ServiceProcess() {}

  /**
   * @param announce prints where the service listens; false means its work is done and it stops at once
   */
  public static <C, S extends AutoCloseable> void main(String name, String[] args, Supplier<String> usage,
      BiFunction<Map<String, String>, String[], C> load, Function<C, S> start, BiPredicate<C, S> announce)
      throws InterruptedException {
    C config;
    try {
      if (List.of(args).contains("--help")) {
        System.out.print(usage.get());
        return;
      }
      config = load.apply(System.getenv(), args);
    } catch (Config.ConfigException e) {
      System.err.println(name + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    S service;
    try {
      service = start.apply(config);
    } catch (RuntimeException e) {
      System.err.println(name + ": cannot start: " + e.getMessage());
      log.debug("start-up failure", e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      closeQuietly(service);
      stopped.countDown();
    }, "shutdown"));
    boolean keepRunning = announce.test(config, service);
    System.out.flush();
    if (keepRunning) {
      stopped.await();
    } else {
      closeQuietly(service);
    }
  }

  /** Closes in reverse order of opening; a failure is logged and the rest still close. Empties the list. */
  public static void closeAll(List<AutoCloseable> resources) {
    for (int i = resources.size() - 1; i >= 0; i--) {
      closeQuietly(resources.get(i));
    }
    resources.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("while stopping: {}", e.toString());
    }
  }
}
