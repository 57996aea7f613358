package io.tinkerjvm.e2e.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * One of the stack's services as a supervised process: started by {@code starter}, serving when its health
 * endpoint answers 200. A kill is {@code kill -9}; a restart starts it again on the same ports, as a restart
 * policy (compose, a supervisor) would.
 */
final class Service {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  final String name;
  private final Supplier<Process> starter;
  private final String healthUrl;
  private volatile Process process;

  Service(String name, Supplier<Process> starter, String healthUrl) {
    this.name = name;
    this.starter = starter;
    this.healthUrl = healthUrl;
  }

  void start() {
    process = starter.get();
  }

  void kill9() {
    Launcher.kill9(process);
  }

  boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  void stop() {
    Process p = process;
    if (p != null && p.isAlive()) {
      Launcher.stop(p, Duration.ofSeconds(10));
    }
  }

  /** Waits until the health endpoint answers 200; the wall-clock time it did, in ms. */
  long awaitServing(Duration within) {
    long until = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < until) {
      if (!alive()) {
        throw new IllegalStateException(name + " exited " + process.exitValue() + " before serving; see logs/"
            + name + ".log");
      }
      if (serving(healthUrl)) {
        return System.currentTimeMillis();
      }
      ChaosRun.sleep(Duration.ofMillis(50));
    }
    throw new IllegalStateException(name + " did not serve " + healthUrl + " within " + within.toSeconds() + " s");
  }

  static boolean serving(String url) {
    try {
      HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
