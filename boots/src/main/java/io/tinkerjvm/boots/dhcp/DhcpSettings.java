package io.tinkerjvm.boots.dhcp;

import java.net.Inet4Address;
import java.util.List;
import java.util.Set;

/**
 * What every reply carries from Boots' own configuration.
 *
 * @param serverIp option 54 and siaddr: where clients reach TFTP
 * @param httpBase base of the script and binary URLs, e.g. {@code http://10.0.0.1:8080}
 * @param syslogIp option 7 for iPXE, or null
 * @param availableBinaries the iPXE binaries the TFTP folder holds; an architecture whose binary is missing
 *     gets no boot file rather than a file-not-found later
 */
public record DhcpSettings(
    Inet4Address serverIp,
    String httpBase,
    Inet4Address syslogIp,
    long defaultLeaseSeconds,
    List<Inet4Address> defaultNameServers,
    String domainName,
    Set<String> availableBinaries) {}
