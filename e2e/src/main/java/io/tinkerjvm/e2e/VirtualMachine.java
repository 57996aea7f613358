package io.tinkerjvm.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The machine being provisioned: a QEMU VM (TCG, q35, OVMF UEFI firmware whose own PXE client boots, the
 * NIC's iPXE ROM switched off) with an empty virtual disk, and its "BMC": OpenIPMI's ipmi_sim, whose chassis
 * control script starts QEMU on power-on (booting from the network or the disk, as the BMC was last told),
 * kills it by PID on power-off, and logs every call. The VM has two UARTs, both written to one file: the
 * firmware prints on the first, and the OSIE's kernel on ttyS1, where Boots' command line puts its console
 * (Tinkerbell's serial-over-LAN convention; a kernel told to use a ttyS1 that is not there stops printing).
 * One vCPU: with two, on a 2-core host, the guest once stalled (RCU stalls) while its vCPU threads competed
 * with QEMU's I/O thread and the stack.
 */
final class VirtualMachine {
  static final String MAC = "52:54:00:e2:e0:01";
  static final String BMC_USER = "admin";
  static final int BMC_PORT = 623;

  final Path dir;
  final Path disk;
  final Path serialLog;
  final String bmcPassword;

  private VirtualMachine(Path dir, String bmcPassword) {
    this.dir = dir;
    this.disk = dir.resolve("disk.raw");
    this.serialLog = dir.resolve("serial.log");
    this.bmcPassword = bmcPassword;
  }

  /** Writes the VM's files and starts its BMC on 127.0.0.1:623 (in the loop's namespace). */
  static VirtualMachine start(Path work, Procs procs, String bmcPassword, int memoryMiB) {
    Path dir = work.resolve("vm");
    VirtualMachine vm = new VirtualMachine(dir, bmcPassword);
    try {
      Files.createDirectories(dir.resolve("state"));
      try (RandomAccessFile f = new RandomAccessFile(vm.disk.toFile(), "rw")) {
        f.setLength(64L << 20); // sparse and empty: 64 MiB of zeros
      }
      Files.copy(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), dir.resolve("OVMF_VARS.fd"));
      Files.writeString(dir.resolve("qemu-start.sh"), """
          #!/bin/sh
          # power-on: boot from the network when the BMC's boot device is pxe, else from the disk
          d=%1$s
          if [ "$(cat $d/boot 2>/dev/null)" = pxe ]; then net=1; blk=2; else net=2; blk=1; fi
          echo "$(date +%%s.%%N) qemu start (bootindex net=$net disk=$blk)" >> $d/calls.log
          exec qemu-system-x86_64 -accel tcg -machine q35 -smp 1 -m %2$d -display none -vga none -no-reboot \\
            -daemonize -pidfile $d/qemu.pid \\
            -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \\
            -drive if=pflash,format=raw,file=$d/OVMF_VARS.fd \\
            -drive if=none,id=disk0,format=raw,file=$d/disk.raw -device virtio-blk-pci,drive=disk0,bootindex=$blk \\
            -netdev tap,id=n0,ifname=%3$s,script=no,downscript=no \\
            -device virtio-net-pci,netdev=n0,mac=%4$s,romfile=,bootindex=$net \\
            -chardev file,id=s0,path=$d/serial.log,append=on,mux=on -serial chardev:s0 -serial chardev:s0 \\
            >> $d/qemu.log 2>&1
          """.formatted(dir, memoryMiB, Lab.TAP, MAC));
      Files.writeString(dir.resolve("chassis.sh"), """
          #!/bin/sh
          # ipmi_sim chassis control: "<mc> get power boot" or "<mc> set power 1 boot pxe ..."
          d=%s
          echo "$(date +%%s.%%N) $*" >> $d/calls.log
          running() { [ -f $d/qemu.pid ] && kill -0 "$(cat $d/qemu.pid)" 2>/dev/null; }
          off() {
            if running; then
              pid=$(cat $d/qemu.pid); kill $pid
              for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $pid 2>/dev/null || break; sleep 0.2; done
              kill -9 $pid 2>/dev/null
            fi
            rm -f $d/qemu.pid
          }
          shift
          op=$1; shift
          if [ "$op" = get ]; then
            for what in "$@"; do
              case $what in
                power) if running; then echo power:1; else echo power:0; fi;;
                boot) echo "boot:$(cat $d/boot 2>/dev/null || echo default)";;
              esac
            done
          else
            while [ $# -gt 1 ]; do
              case $1 in
                power) if [ "$2" = 1 ]; then running || $d/qemu-start.sh; else off; fi;;
                reset) off; $d/qemu-start.sh;;
                boot) echo $2 > $d/boot;;
                shutdown) [ "$2" = 1 ] && off;;
              esac
              shift 2
            done
          fi
          """.formatted(dir));
      ActionImage.makeExecutable(dir.resolve("qemu-start.sh"));
      ActionImage.makeExecutable(dir.resolve("chassis.sh"));
      Files.writeString(dir.resolve("lan.conf"), """
          name "e2evm"
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
            user 2 true  "%s" "%s" admin 10 none md2 md5 straight
          """.formatted(BMC_PORT, dir.resolve("chassis.sh"), BMC_USER, bmcPassword));
      Files.writeString(dir.resolve("sim.emu"), "mc_setbmc 0x20\n"
          + "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
          + "sel_enable 0x20 1000 0x0a\nmc_enable 0x20\n");
      Process sim = procs.start(work.resolve("logs/ipmi_sim.log"), Map.of(), List.of("ipmi_sim", "-c",
          dir.resolve("lan.conf").toString(), "-f", dir.resolve("sim.emu").toString(), "-s",
          dir.resolve("state").toString(), "-n"));
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (true) {
        // ipmitool is the real client; the password goes in the environment, never on the command line
        Procs.Result r = Procs.run(Duration.ofSeconds(10), Map.of("IPMI_PASSWORD", bmcPassword), null,
            List.of("ipmitool", "-I", "lanplus", "-C", "3", "-H", "127.0.0.1", "-p", Integer.toString(BMC_PORT),
                "-U", BMC_USER, "-E", "chassis", "power", "status"));
        if (r.exit() == 0) {
          break;
        }
        if (!sim.isAlive() || System.nanoTime() > until) {
          throw new IllegalStateException("ipmi_sim did not answer: " + r.output()
              + Procs.read(work.resolve("logs/ipmi_sim.log")));
        }
        Thread.sleep(200);
      }
      return vm;
    } catch (IOException e) {
      throw new UncheckedIOException("setting up the VM", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Every chassis-control call and QEMU start, in order, without their time stamps. */
  List<String> calls() {
    List<String> out = new ArrayList<>();
    for (String line : Procs.read(dir.resolve("calls.log")).split("\n")) {
      int space = line.indexOf(' ');
      if (space > 0) {
        out.add(line.substring(space + 1));
      }
    }
    return out;
  }

  boolean running() {
    String pid = Procs.read(dir.resolve("qemu.pid")).strip();
    return pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
  }
}
