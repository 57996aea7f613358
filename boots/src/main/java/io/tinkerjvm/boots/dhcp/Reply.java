package io.tinkerjvm.boots.dhcp;

import org.dhcp4java.DHCPPacket;

/** A reply and what it answers; the server works out where to send it (RFC 2131 section 4.1). */
public record Reply(DHCPPacket packet, MessageType type, String why) {}
