package io.tinkerjvm.boots.tftp;

import java.util.Map;

/** TFTP messages (RFC 1350), with option negotiation (RFC 2347). Option names are lower-cased. */
public sealed interface TftpPacket {
  short RRQ = 1;
  short WRQ = 2;
  short DATA = 3;
  short ACK = 4;
  short ERROR = 5;
  short OACK = 6;

  /** A read or write request; {@code write} is true for WRQ. Options keep the client's order. */
  record Request(boolean write, String filename, String mode, Map<String, String> options) implements TftpPacket {}

  record Data(int block, byte[] payload) implements TftpPacket {}

  record Ack(int block) implements TftpPacket {}

  record Error(int code, String message) implements TftpPacket {}

  record OptionAck(Map<String, String> options) implements TftpPacket {}
}
