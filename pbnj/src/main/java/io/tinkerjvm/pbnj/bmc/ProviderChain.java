package io.tinkerjvm.pbnj.bmc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Picks the providers for a request from its vendor hint and runs an operation through them in order:
 * a provider that cannot log in (no answer) or cannot do the operation hands over to the next one. A
 * refused password stops at once: every provider would be refused the same way. Each login may take its
 * share of the time left (that time over the providers still to try), and only the last provider retries a
 * login that got no answer, so one silent provider cannot use up the task before the next is tried.
 */
public final class ProviderChain {
  /** Vendor hints, and the order in which they try providers. An empty hint uses the configured order. */
  static final Map<String, List<String>> VENDOR_HINTS = new LinkedHashMap<>();

  static {
    VENDOR_HINTS.put("ipmi", List.of("ipmi", "ipmitool"));
    VENDOR_HINTS.put("ipmitool", List.of("ipmitool"));
    VENDOR_HINTS.put("redfish", List.of("redfish"));
    VENDOR_HINTS.put("racadm", List.of("racadm"));
    // no racadm for dell/idrac: it takes the password only as an argument, visible in the process list,
    // so it runs only when named (the racadm hint, or --providers)
    for (String redfishFirst : List.of("dell", "idrac", "hp", "hpe", "ilo", "lenovo", "xcc", "supermicro", "smc",
        "asrockrack", "gigabyte", "quanta", "openbmc")) {
      VENDOR_HINTS.put(redfishFirst, List.of("redfish", "ipmi", "ipmitool"));
    }
  }

  /** What an operation does with a session, by its task's deadline, saying what it does. */
  @FunctionalInterface
  public interface Operation<T> {
    T apply(BmcSession session, Instant deadline, Progress progress) throws BmcException, InterruptedException;
  }

  private final Map<String, BmcProvider> providers;
  private final List<String> defaultOrder;
  private final int retries;
  private final Map<String, String> missing;

  /**
   * @param providers the providers this host can run, by name
   * @param missing providers that are known but cannot run here, with the reason (a tool not installed)
   */
  public ProviderChain(Map<String, BmcProvider> providers, List<String> defaultOrder, int retries,
      Map<String, String> missing) {
    this.providers = Map.copyOf(providers);
    this.defaultOrder = List.copyOf(defaultOrder);
    this.retries = retries;
    this.missing = Map.copyOf(missing);
  }

  public static List<String> knownVendors() {
    List<String> all = new ArrayList<>(VENDOR_HINTS.keySet());
    all.sort(null);
    return all;
  }

  /** The providers to try for a vendor hint, in order; fails for an unknown hint or none that can run here. */
  public List<BmcProvider> forVendor(String vendorHint) throws BmcException {
    String hint = vendorHint == null ? "" : vendorHint.trim().toLowerCase(Locale.ROOT);
    List<String> names;
    if (hint.isEmpty()) {
      names = defaultOrder;
    } else {
      names = VENDOR_HINTS.get(hint);
      if (names == null) {
        throw new BmcException(BmcException.Kind.INVALID, "unknown vendor '" + vendorHint + "'; known: "
            + String.join(", ", knownVendors()) + " (or none, for the order " + String.join(",", defaultOrder) + ")");
      }
    }
    List<BmcProvider> chain = new ArrayList<>();
    for (String name : names) {
      BmcProvider p = providers.get(name);
      if (p != null) {
        chain.add(p);
      }
    }
    if (chain.isEmpty()) {
      StringBuilder why = new StringBuilder();
      for (String name : names) {
        why.append(why.isEmpty() ? "" : "; ").append(name).append(": ")
            .append(missing.getOrDefault(name, "not enabled (--providers)"));
      }
      throw new BmcException(BmcException.Kind.UNSUPPORTED, "no provider for vendor '" + vendorHint
          + "' can run on this host (" + why + ")");
    }
    return chain;
  }

  /** {@code idempotent} operations may be repeated after a lost answer; others only if they never started. */
  public <T> T run(List<BmcProvider> chain, BmcTarget target, Instant deadline, Progress progress,
      boolean idempotent, Operation<T> op) throws BmcException, InterruptedException {
    BmcException last = null;
    List<String> unsupported = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      BmcProvider provider = chain.get(i);
      boolean more = i + 1 < chain.size();
      for (int attempt = 0; ; attempt++) {
        BmcSession session;
        progress.message("connecting to BMC " + target.key() + " via " + provider.name());
        try {
          session = provider.open(target, loginBy(deadline, chain.size() - i), deadline);
        } catch (BmcException e) {
          last = e;
          // with providers to follow, a silent BMC gets the next one rather than another wait on this one
          if (e.kind() == BmcException.Kind.UNREACHABLE && !more && attempt < retries && backoff(attempt, deadline)) {
            progress.message(provider.name() + ": " + e.getMessage() + "; retrying");
            continue;
          }
          if ((e.kind() == BmcException.Kind.UNREACHABLE || e.kind() == BmcException.Kind.UNSUPPORTED) && more
              && Instant.now().isBefore(deadline)) {
            progress.message(provider.name() + ": " + e.getMessage() + "; trying " + chain.get(i + 1).name());
            break;
          }
          throw e;
        }
        try (session) {
          progress.message("connected to BMC via " + provider.name());
          return op.apply(session, deadline, progress);
        } catch (BmcException e) {
          last = e;
          if (e.kind() == BmcException.Kind.UNSUPPORTED) {
            unsupported.add(provider.name() + ": " + e.getMessage());
            if (more) {
              progress.message(e.getMessage() + "; trying " + chain.get(i + 1).name());
              break;
            }
            if (unsupported.size() > 1) {
              throw new BmcException(BmcException.Kind.UNSUPPORTED, "no provider could do it (" + String.join("; ",
                  unsupported) + ")");
            }
          }
          if (e.kind() == BmcException.Kind.UNREACHABLE && idempotent && attempt < retries
              && backoff(attempt, deadline)) {
            progress.message(provider.name() + ": " + e.getMessage() + "; retrying");
            continue;
          }
          throw e;
        }
      }
    }
    throw last;
  }

  /** An equal share of the time left for each provider still to try, so a silent first one leaves time for the rest. */
  static Instant loginBy(Instant deadline, int providersLeft) {
    Instant now = Instant.now();
    Duration left = Duration.between(now, deadline);
    return left.isNegative() ? deadline : now.plus(left.dividedBy(providersLeft));
  }

  /** Sleeps before another attempt; false when the deadline leaves no room for one. */
  private static boolean backoff(int attempt, Instant deadline) throws InterruptedException {
    Duration pause = Duration.ofMillis(250L << Math.min(attempt, 4));
    if (Instant.now().plus(pause).plusMillis(250).isAfter(deadline)) {
      return false;
    }
    Thread.sleep(pause);
    return true;
  }
}
