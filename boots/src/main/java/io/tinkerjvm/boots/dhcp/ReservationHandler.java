package io.tinkerjvm.boots.dhcp;

import io.tinkerjvm.boots.hardware.HardwareSource;
import io.tinkerjvm.boots.hardware.Machine;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import org.dhcp4java.DHCPPacket;

/**
 * Reservation mode: Boots is the network's DHCP server for the machines Tink knows. Each known MAC gets
 * the address its hardware record reserves, with that record's options; an unknown MAC gets no answer.
 */
public final class ReservationHandler implements DhcpHandler {
  private final HardwareSource hardware;
  private final DhcpSettings settings;
  private final ReplyBuilder replies;

  public ReservationHandler(HardwareSource hardware, DhcpSettings settings) {
    this.hardware = hardware;
    this.settings = settings;
    this.replies = new ReplyBuilder(settings);
  }

  @Override
  public Reply handle(DhcpRequest req, boolean proxyPort, Outcome outcome) {
    if (proxyPort) {
      outcome.ignored("proxy_port_in_reservation_mode", req);
      return null;
    }
    Optional<Machine> found = hardware.byMac(req.mac());
    if (found.isEmpty()) {
      outcome.ignored("unknown_mac", req);
      return null;
    }
    Machine m = found.get();
    if (!m.hasAddress() && req.type() != MessageType.INFORM) {
      outcome.ignored("no_reserved_address", req);
      return null;
    }
    try {
      return switch (req.type()) {
        case DISCOVER -> offerOrAck(req, m, MessageType.OFFER);
        case REQUEST -> request(req, m, outcome);
        case INFORM -> inform(req, m);
        default -> {
          // DECLINE and RELEASE need no answer; a reservation stays reserved.
          outcome.ignored(req.type().name().toLowerCase(), req);
          yield null;
        }
      };
    } catch (UnknownHostException e) {
      outcome.ignored("bad_hardware_record: " + e.getMessage(), req);
      return null;
    }
  }

  private Reply request(DhcpRequest req, Machine m, Outcome outcome) throws UnknownHostException {
    if (req.serverId() != null && !Arrays.equals(req.serverId(), settings.serverIp().getAddress())) {
      outcome.ignored("chose_another_server", req);
      return null;
    }
    byte[] wanted = req.requestedIp() != null ? req.requestedIp() : req.hasCiaddr() ? req.ciaddr() : null;
    byte[] reserved = ReplyBuilder.address(m.ip());
    if (wanted != null && !Arrays.equals(wanted, reserved)) {
      DHCPPacket nak = replies.header(req, MessageType.NAK);
      nak.setOptionAsString(DhcpOption.MESSAGE, "address not reserved for " + req.mac());
      return new Reply(nak, MessageType.NAK, "requested address is not the reserved " + m.ip());
    }
    return offerOrAck(req, m, MessageType.ACK);
  }

  private Reply offerOrAck(DhcpRequest req, Machine m, MessageType type) throws UnknownHostException {
    DHCPPacket p = replies.header(req, type);
    replies.addReservation(p, m, true);
    String boot = replies.addBootFile(p, req, m);
    return new Reply(p, type, m.ip() + ", " + boot);
  }

  private Reply inform(DhcpRequest req, Machine m) throws UnknownHostException {
    DHCPPacket p = replies.header(req, MessageType.ACK);
    replies.addHostOptions(p, m);
    return new Reply(p, MessageType.ACK, "inform");
  }
}
