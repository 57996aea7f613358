package io.tinkerjvm.pbnj.bmc;

/**
 * A logged-in conversation with one BMC through one provider, for the length of one task. Operations a
 * provider cannot do throw {@link BmcException.Kind#UNSUPPORTED}, so the next provider can be tried.
 */
public interface BmcSession extends AutoCloseable {
  String provider();

  PowerState powerState() throws BmcException;

  void power(PowerCommand command) throws BmcException;

  void bootDevice(BootDevice device) throws BmcException;

  default void createUser(UserAccount account) throws BmcException {
    throw BmcException.unsupported(provider(), "create BMC users");
  }

  default void updateUser(UserAccount account) throws BmcException {
    throw BmcException.unsupported(provider(), "update BMC users");
  }

  default void deleteUser(String username) throws BmcException {
    throw BmcException.unsupported(provider(), "delete BMC users");
  }

  /** Restarts the BMC itself (not the machine): cold or warm. */
  default void resetBmc(boolean cold) throws BmcException {
    throw BmcException.unsupported(provider(), "reset the BMC");
  }

  @Override
  void close();
}
