package io.tinkerjvm.pbnj.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OpenIPMI's ipmi_sim, a real BMC simulator, on 127.0.0.1 at a free UDP port (reference/test-peers.md §5).
 * Its chassis-control script keeps the machine's power and boot device in files here and logs every call,
 * so a test can see what reached the "hardware". An ACPI soft-off request powers the machine off, as an OS
 * would. Stopped by its PID.
 */
public final class IpmiSim implements AutoCloseable {
  public static final String USER = "admin";
  public static final String PASSWORD = "password";

  private final Path dir;
  private final int port;
  private final Process process;

  private IpmiSim(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  public static IpmiSim start(Path dir) {
    try {
      Files.createDirectories(dir.resolve("state"));
      int port = freeUdpPort();
      Files.writeString(dir.resolve("lan.conf"), """
          name "sim%d"
          set_working_mc 0x20
            startlan 1
              addr 127.0.0.1 %d
              priv_limit admin
              allowed_auths_callback none md2 md5 straight
              allowed_auths_user none md2 md5 straight
              allowed_auths_operator none md2 md5 straight
              allowed_auths_admin none md2 md5 straight
              guid a123456789abcdefa123456789abcdef
            endlan
            chassis_control "%s 0x20"
            user 1 true  ""      "test"     user  10 none md2 md5 straight
            user 2 true  "%s" "%s" admin 10 none md2 md5 straight
          """.formatted(port, port, dir.resolve("chassis.sh"), USER, PASSWORD));
      Files.writeString(dir.resolve("sim.emu"), "mc_setbmc 0x20\n"
          + "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
          + "sel_enable 0x20 1000 0x0a\nmc_enable 0x20\n");
      Path script = dir.resolve("chassis.sh");
      Files.writeString(script, """
          #!/bin/sh
          # ipmi_sim chassis control: "<mc> get power boot" or "<mc> set power 1 boot pxe ..."
          d=%s
          echo "$(date +%%s.%%N) $*" >> $d/calls.log
          shift
          op=$1; shift
          if [ "$op" = get ]; then
            for what in "$@"; do
              case $what in
                power) echo "power:$(cat $d/power 2>/dev/null || echo 0)";;
                boot) echo "boot:$(cat $d/boot 2>/dev/null || echo default)";;
              esac
            done
          else
            while [ $# -gt 1 ]; do
              case $1 in
                power) echo $2 > $d/power;;
                boot) echo $2 > $d/boot;;
                shutdown) [ "$2" = 1 ] && echo 0 > $d/power;;
              esac
              shift 2
            done
          fi
          """.formatted(dir));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      Process p = new ProcessBuilder("ipmi_sim", "-c", dir.resolve("lan.conf").toString(), "-f",
          dir.resolve("sim.emu").toString(), "-s", dir.resolve("state").toString(), "-n")
          .redirectErrorStream(true).redirectOutput(dir.resolve("ipmi_sim.log").toFile()).start();
      IpmiSim sim = new IpmiSim(dir, port, p);
      sim.awaitReady();
      return sim;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException("ipmi_sim exited: " + read("ipmi_sim.log"));
      }
      if (ipmitool("chassis", "power", "status").exit == 0) {
        return;
      }
    }
    throw new IllegalStateException("ipmi_sim on port " + port + " did not answer: " + read("ipmi_sim.log"));
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1:" + port;
  }

  /** True when the simulated machine is powered on. */
  public boolean poweredOn() {
    return read("power").trim().equals("1");
  }

  public void setPower(boolean on) {
    write("power", on ? "1\n" : "0\n");
  }

  /** The boot device the chassis script was last given (pxe, default, ...). */
  public String bootDevice() {
    String b = read("boot").trim();
    return b.isEmpty() ? "default" : b;
  }

  /** Every chassis-control call, like "0x20 set power 1", in order. */
  public List<String> calls() {
    List<String> out = new ArrayList<>();
    for (String line : read("calls.log").split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0) {
        out.add(line.substring(space + 1));
      }
    }
    return out;
  }

  public void clearCalls() {
    write("calls.log", "");
  }

  /** Runs Debian's ipmitool against this BMC (suite 3, the password through the environment). */
  public Result ipmitool(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ipmitool", "-I", "lanplus", "-C", "3", "-H", "127.0.0.1", "-p",
        Integer.toString(port), "-U", USER, "-E", "-N", "1", "-R", "2"));
    cmd.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("IPMI_PASSWORD", PASSWORD);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public record Result(int exit, String output) {}

  private String read(String name) {
    try {
      Path f = dir.resolve(name);
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(String name, String text) {
    try {
      Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
