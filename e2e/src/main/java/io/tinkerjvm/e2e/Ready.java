package io.tinkerjvm.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Waiting for a service process to answer 200 on a URL, for the harnesses that start the stack. */
public final class Ready {
  private Ready() {}

  /**
   * Returns once {@code url} answers 200; fails when the process exits first ({@code onExit} is appended to the
   * message) or {@code within} passes ({@code onTimeout} appended), naming the last answer.
   */
  public static void http(HttpClient http, String what, Process p, String url, Duration within, String onExit,
      String onTimeout) {
    long until = System.nanoTime() + within.toNanos();
    String last = "no answer";
    while (System.nanoTime() < until) {
      if (!p.isAlive()) {
        throw new IllegalStateException(what + " exited " + p.exitValue() + onExit);
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(what + " was not ready at " + url + " within " + within.toSeconds() + " s ("
        + last + ")" + onTimeout);
  }
}
