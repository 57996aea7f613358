package io.tinkerjvm.e2e.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A machine's BMC: OpenIPMI's ipmi_sim on 127.0.0.1 at its own UDP port, whose chassis-control script keeps
 * the power state and boot device in files and logs each call. The machine "boots" when the BMC is told to
 * power it on or cycle it (what tink-server asks PBnJ for when a workflow is created).
 */
final class ChaosBmc {
  final int port;
  private final Path dir;

  private ChaosBmc(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  static ChaosBmc start(Launcher launcher, Path dir, int port, String password, String name) {
    try {
      Files.createDirectories(dir.resolve("state"));
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
                power) echo $2 > $d/power; [ "$2" = 1 ] && echo on >> $d/boots;;
                reset) echo 1 > $d/power; echo on >> $d/boots;;
                boot) echo $2 > $d/boot;;
                shutdown) [ "$2" = 1 ] && echo 0 > $d/power;;
              esac
              shift 2
            done
          fi
          """.formatted(dir));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(dir.resolve("lan.conf"), """
          name "%s"
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
            user 2 true  "admin" "%s" admin 10 none md2 md5 straight
          """.formatted(name, port, script, password));
      Files.setPosixFilePermissions(dir.resolve("lan.conf"), PosixFilePermissions.fromString("rw-------"));
      Files.writeString(dir.resolve("sim.emu"), "mc_setbmc 0x20\n"
          + "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
          + "sel_enable 0x20 1000 0x0a\nmc_enable 0x20\n");
      launcher.start(name, Map.of(), List.of("ipmi_sim", "-c", dir.resolve("lan.conf").toString(), "-f",
          dir.resolve("sim.emu").toString(), "-s", dir.resolve("state").toString(), "-n"));
      ChaosBmc bmc = new ChaosBmc(port, dir);
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (true) {
        try {
          // ipmitool is the real client; the password goes through the environment, never the command line
          Launcher.check(Duration.ofSeconds(10), Map.of("IPMI_PASSWORD", password), List.of("ipmitool", "-I",
              "lanplus", "-C", "3", "-H", "127.0.0.1", "-p", Integer.toString(port), "-U", "admin", "-E",
              "chassis", "power", "status"));
          return bmc;
        } catch (IllegalStateException notYet) {
          if (System.nanoTime() > until) {
            throw new IllegalStateException(name + " (ipmi_sim) did not answer on 127.0.0.1:" + port);
          }
          ChaosRun.sleep(Duration.ofMillis(200));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True once the BMC has been told to power the machine on (or cycle it). */
  boolean poweredOn() {
    return Files.exists(dir.resolve("boots"));
  }

  /** Every chassis-control call, without its time stamp. */
  List<String> calls() {
    try {
      Path log = dir.resolve("calls.log");
      return Files.exists(log) ? Files.readAllLines(log).stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList()
          : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }
}
