package io.tinkerjvm.pbnj.ipmi;

import org.metricshub.ipmi.core.coding.commands.IpmiCommandCoder;
import org.metricshub.ipmi.core.coding.commands.IpmiVersion;
import org.metricshub.ipmi.core.coding.commands.ResponseData;
import org.metricshub.ipmi.core.coding.payload.CompletionCode;
import org.metricshub.ipmi.core.coding.payload.IpmiPayload;
import org.metricshub.ipmi.core.coding.payload.lan.IPMIException;
import org.metricshub.ipmi.core.coding.payload.lan.IpmiLanRequest;
import org.metricshub.ipmi.core.coding.payload.lan.IpmiLanResponse;
import org.metricshub.ipmi.core.coding.payload.lan.NetworkFunction;
import org.metricshub.ipmi.core.coding.protocol.AuthenticationType;
import org.metricshub.ipmi.core.coding.protocol.IpmiMessage;
import org.metricshub.ipmi.core.coding.security.CipherSuite;

/**
 * Any IPMI command as network function, command code and data bytes, on ipmi-java's session layer. The
 * library codes only a few commands; this carries the rest we need (chassis control codes it lacks, Set
 * System Boot Options, the user commands, BMC resets).
 */
final class IpmiRequest extends IpmiCommandCoder {
  private final NetworkFunction netFn;
  private final byte command;
  private final byte[] data;
  private final boolean anyCompletionCode;

  /** The response's completion code and its data bytes, after the code. */
  record Response(CompletionCode code, byte[] data) implements ResponseData {}

  /** A request whose error answers fail the send with an IPMIException carrying the completion code. */
  IpmiRequest(CipherSuite suite, NetworkFunction netFn, int command, byte... data) {
    this(suite, netFn, command, false, data);
  }

  private IpmiRequest(CipherSuite suite, NetworkFunction netFn, int command, boolean anyCompletionCode,
      byte... data) {
    super(IpmiVersion.V20, suite, AuthenticationType.RMCPPlus);
    this.netFn = netFn;
    this.command = (byte) command;
    this.anyCompletionCode = anyCompletionCode;
    this.data = data.clone();
  }

  /** A request whose error answers come back as a Response too, for commands where some errors are an answer. */
  static IpmiRequest answeringAnyCode(CipherSuite suite, NetworkFunction netFn, int command, byte... data) {
    return new IpmiRequest(suite, netFn, command, true, data);
  }

  @Override
  public byte getCommandCode() {
    return command;
  }

  @Override
  public NetworkFunction getNetworkFunction() {
    return netFn;
  }

  @Override
  protected IpmiPayload preparePayload(int sequenceNumber) {
    return new IpmiLanRequest(netFn, command, data, (byte) (sequenceNumber % 64));
  }

  @Override
  public ResponseData getResponseData(IpmiMessage message) throws IPMIException {
    if (!isCommandResponse(message) || !(message.getPayload() instanceof IpmiLanResponse response)) {
      throw new IllegalArgumentException("not a response to IPMI command 0x" + Integer.toHexString(command & 0xff));
    }
    if (!anyCompletionCode && response.getCompletionCode() != CompletionCode.Ok) {
      throw new IPMIException(response.getCompletionCode());
    }
    byte[] body = response.getData();
    return new Response(response.getCompletionCode(), body == null ? new byte[0] : body);
  }
}
