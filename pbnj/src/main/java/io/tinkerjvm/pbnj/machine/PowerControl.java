package io.tinkerjvm.pbnj.machine;

import io.tinkerjvm.pbnj.bmc.BmcException;
import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.PowerCommand;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.Progress;
import java.time.Duration;
import java.time.Instant;

/**
 * PBnJ's power semantics on one session, with every change confirmed by reading the state back:
 * <ul>
 *   <li>OFF and HARDOFF are a hard power-off (PBnJ); OFF with a soft timeout first asks the OS to shut down
 *       (ACPI) and powers off hard if it is still on when the timeout ends;</li>
 *   <li>CYCLE of a machine that is off powers it on (PBnJ); with an off duration it is off, wait, on;</li>
 *   <li>RESET needs the machine on (and reads on again after, which is all a power state can show of a reset);</li>
 *   <li>STATUS answers "on" or "off".</li>
 * </ul>
 */
public final class PowerControl {
  public enum Action { ON, OFF, HARDOFF, CYCLE, RESET, STATUS }

  private static final Duration POLL = Duration.ofMillis(300);

  private final Duration confirmTimeout;
  /** How long a machine may read "off" after a cycle before we power it on ourselves (some BMCs never do). */
  private final Duration cycleGrace;

  public PowerControl(Duration confirmTimeout, Duration cycleGrace) {
    this.confirmTimeout = confirmTimeout;
    this.cycleGrace = cycleGrace;
  }

  /** Returns the task result: "on"/"off" for STATUS, otherwise PBnJ's "power POWER_ACTION_X complete". */
  public String apply(BmcSession s, Action action, Duration softTimeout, Duration offDuration, Instant deadline,
      Progress progress) throws BmcException, InterruptedException {
    String done = "power POWER_ACTION_" + action.name() + " complete";
    PowerState now = s.powerState();
    progress.message("power is " + now.result());
    switch (action) {
      case STATUS -> {
        return now.result();
      }
      case ON -> {
        if (now == PowerState.ON) {
          progress.message("already on");
        } else {
          s.power(PowerCommand.ON);
          confirm(s, PowerState.ON, deadline, progress);
        }
      }
      case OFF, HARDOFF -> {
        if (now == PowerState.OFF) {
          progress.message("already off");
        } else {
          if (action == Action.OFF && !softTimeout.isZero()) {
            s.power(PowerCommand.SOFT_OFF);
            progress.message("asked the OS to shut down; waiting up to " + softTimeout.toSeconds() + "s");
            if (waitFor(s, PowerState.OFF, earlier(Instant.now().plus(softTimeout), deadline))) {
              progress.message("power is off");
              return done;
            }
            progress.message("still on after " + softTimeout.toSeconds() + "s; powering off hard");
          }
          s.power(PowerCommand.HARD_OFF);
          confirm(s, PowerState.OFF, deadline, progress);
        }
      }
      case CYCLE -> {
        if (now == PowerState.OFF) {
          progress.message("machine is off: powering on instead of cycling");
          s.power(PowerCommand.ON);
          confirm(s, PowerState.ON, deadline, progress);
        } else if (!offDuration.isZero()) {
          s.power(PowerCommand.HARD_OFF);
          confirm(s, PowerState.OFF, deadline, progress);
          progress.message("staying off for " + offDuration.toSeconds() + "s");
          sleepUntil(earlier(Instant.now().plus(offDuration), deadline));
          s.power(PowerCommand.ON);
          confirm(s, PowerState.ON, deadline, progress);
        } else {
          s.power(PowerCommand.CYCLE);
          if (!waitFor(s, PowerState.ON, earlier(Instant.now().plus(cycleGrace), deadline))) {
            progress.message("the BMC left the machine off after the cycle; powering on");
            s.power(PowerCommand.ON);
            confirm(s, PowerState.ON, deadline, progress);
          } else {
            progress.message("power is on");
          }
        }
      }
      case RESET -> {
        if (now == PowerState.OFF) {
          throw new BmcException(BmcException.Kind.PRECONDITION,
              "machine is off: a reset needs it on (use POWER_ACTION_ON or POWER_ACTION_CYCLE)");
        }
        s.power(PowerCommand.RESET);
        confirm(s, PowerState.ON, deadline, progress);
      }
    }
    return done;
  }

  private void confirm(BmcSession s, PowerState want, Instant deadline, Progress progress)
      throws BmcException, InterruptedException {
    Instant until = earlier(Instant.now().plus(confirmTimeout), deadline);
    if (!waitFor(s, want, until)) {
      throw new BmcException(BmcException.Kind.UNREACHABLE, "the BMC accepted the command but still reports power "
          + s.powerState().result() + " after " + confirmTimeout.toSeconds() + "s, not " + want.result());
    }
    progress.message("power is " + want.result() + " (read back)");
  }

  private static boolean waitFor(BmcSession s, PowerState want, Instant until)
      throws BmcException, InterruptedException {
    while (true) {
      if (s.powerState() == want) {
        return true;
      }
      if (!Instant.now().plus(POLL).isBefore(until)) {
        return false;
      }
      Thread.sleep(POLL);
    }
  }

  private static void sleepUntil(Instant t) throws InterruptedException {
    long ms = Duration.between(Instant.now(), t).toMillis();
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
