package io.tinkerjvm.tink.hardware;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The JDK's own resolver, with a record of each name it is asked to look up (registered for this module's tests in
 * META-INF/services). Lets a test see that parsing a record never turns an address into a DNS query.
 */
public final class RecordingResolverProvider extends InetAddressResolverProvider {
  private static final AtomicReference<String> LAST_LOOKUP = new AtomicReference<>();

  /** The last host name looked up since the previous call, or null for none. */
  public static String takeLastLookup() {
    return LAST_LOOKUP.getAndSet(null);
  }

  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver builtin = configuration.builtinResolver();
    return new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        LAST_LOOKUP.set(host);
        return builtin.lookupByName(host, policy);
      }

      @Override
      public String lookupByAddress(byte[] addr) throws UnknownHostException {
        return builtin.lookupByAddress(addr);
      }
    };
  }

  @Override
  public String name() {
    return "recording resolver (tink-model tests)";
  }
}
