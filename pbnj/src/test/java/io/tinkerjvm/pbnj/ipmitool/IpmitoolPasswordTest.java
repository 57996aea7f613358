package io.tinkerjvm.pbnj.ipmitool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinkerjvm.pbnj.bmc.BmcSession;
import io.tinkerjvm.pbnj.bmc.BmcTarget;
import io.tinkerjvm.pbnj.bmc.PowerState;
import io.tinkerjvm.pbnj.bmc.Secret;
import io.tinkerjvm.pbnj.bmc.UserAccount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the provider against a stand-in ipmitool that records what it was given, instead of a BMC. */
class IpmitoolPasswordTest {
  static final String LOGIN_PASSWORD = "login-pw-7f3a";
  static final String NEW_PASSWORD = "new-pw-91c2";

  @TempDir Path dir;
  Path recordingIpmitool;

  @BeforeEach
  void writeStandIn() throws Exception {
    recordingIpmitool = dir.resolve("recording-ipmitool");
    Files.writeString(recordingIpmitool, """
        #!/bin/sh
        # records argv, whether IPMI_PASSWORD was set, and for exec the file's modes and content
        d=%s
        printf 'argv:%%s\\n' "$*" >> $d/record
        [ "$IPMI_PASSWORD" = "%s" ] && echo "env:IPMI_PASSWORD=expected" >> $d/record
        last=""
        for a in "$@"; do
          if [ "$last" = exec ]; then
            echo "exec-file:$a" >> $d/record
            echo "file-mode:$(stat -c %%a "$a")" >> $d/record
            echo "dir-mode:$(stat -c %%a "$(dirname "$a")")" >> $d/record
            cat "$a" > $d/exec-content
          fi
          last=$a
        done
        case "$*" in
          *"channel info"*) echo "Channel 0x1 info:";;
          *"user list"*) printf '%%s\\n' "ID  Name	     Callin  Link Auth	IPMI Msg   Channel Priv Limit" \\
              "1                    true    false      true       USER" \\
              "2   admin            true    false      true       ADMINISTRATOR" \\
              "3                    true    false      false      Unknown (0x00)";;
          *) echo "Chassis Power is on";;
        esac
        """.formatted(dir, LOGIN_PASSWORD));
    Files.setPosixFilePermissions(recordingIpmitool, PosixFilePermissions.fromString("rwx------"));
  }

  private List<String> record() throws Exception {
    return Files.readAllLines(dir.resolve("record"));
  }

  private static Instant in(int seconds) {
    return Instant.now().plusSeconds(seconds);
  }

  @Test
  void loginPasswordGoesOnlyThroughTheEnvironment() throws Exception {
    IpmitoolProvider p = new IpmitoolProvider(recordingIpmitool.toString(), 17, Duration.ofSeconds(10));
    try (BmcSession s = p.open(new BmcTarget("127.0.0.1", 0, "admin", Secret.of(LOGIN_PASSWORD)), in(20),
        in(20))) {
      assertEquals(PowerState.ON, s.powerState()); // answered by the login check's own read
      assertEquals(1, record().stream().filter(l -> l.startsWith("argv:")).count());
      assertEquals(PowerState.ON, s.powerState());
    }
    List<String> record = record();
    List<String> argv = record.stream().filter(l -> l.startsWith("argv:")).toList();
    assertEquals(2, argv.size(), record.toString());
    assertEquals("argv:-I lanplus -C 17 -H 127.0.0.1 -p 623 -U admin -E -v -N 1 -R 2 chassis power status",
        argv.getFirst());
    assertTrue(argv.stream().noneMatch(l -> l.contains(LOGIN_PASSWORD)), argv.toString());
    assertEquals(2, record.stream().filter(l -> l.equals("env:IPMI_PASSWORD=expected")).count(), record.toString());
  }

  @Test
  void newUsersPasswordGoesOnlyThroughAPrivateExecFileThatIsDeleted() throws Exception {
    IpmitoolProvider p = new IpmitoolProvider(recordingIpmitool.toString(), 3, Duration.ofSeconds(5));
    try (BmcSession s = p.open(new BmcTarget("127.0.0.1", 6230, "admin", Secret.of(LOGIN_PASSWORD)), in(10),
        in(10))) {
      s.createUser(new UserAccount("bob", Secret.of(NEW_PASSWORD), UserAccount.Role.ADMIN));
    }
    List<String> record = record();
    assertTrue(record.stream().filter(l -> l.startsWith("argv:"))
        .noneMatch(l -> l.contains(NEW_PASSWORD) || l.contains(LOGIN_PASSWORD)), record.toString());
    assertTrue(record.stream().filter(l -> l.startsWith("argv:")).allMatch(l -> l.contains(" -p 6230 ")));
    Path execFile = Path.of(record.stream().filter(l -> l.startsWith("exec-file:")).findFirst().orElseThrow()
        .substring("exec-file:".length()));
    assertTrue(record.contains("file-mode:600"), record.toString());
    assertTrue(record.contains("dir-mode:700"), record.toString());
    assertFalse(Files.exists(execFile), execFile + " is left behind");
    assertFalse(Files.exists(execFile.getParent()), execFile.getParent() + " is left behind");
    assertEquals(List.of(
        "user set name 3 bob",
        "user set password 3 " + NEW_PASSWORD + " 16",
        "channel setaccess 1 3 link=off ipmi=on callin=on privilege=4",
        "user enable 3"), Files.readAllLines(dir.resolve("exec-content")));
  }

  @Test
  void budgetPicksTriesThatGiveUpInTime() {
    assertEquals(new IpmitoolProvider.Timing(1, 1), IpmitoolProvider.Timing.within(Duration.ofSeconds(4)));
    assertEquals(new IpmitoolProvider.Timing(1, 2), IpmitoolProvider.Timing.within(Duration.ofSeconds(7)));
    assertEquals(new IpmitoolProvider.Timing(1, 4), IpmitoolProvider.Timing.within(Duration.ofSeconds(60)));
    assertEquals(Duration.ofSeconds(2), new IpmitoolProvider.Timing(1, 1).giveUp());
    assertEquals(Duration.ofSeconds(6), new IpmitoolProvider.Timing(1, 2).giveUp());
    assertEquals(Duration.ofSeconds(36), new IpmitoolProvider.Timing(3, 4).giveUp());
  }

  @Test
  void execTokensQuoteWhatIpmitoolWouldSplit() throws Exception {
    assertEquals("plain", IpmitoolProvider.execToken("plain", "x"));
    assertEquals("\"a b'c\"", IpmitoolProvider.execToken("a b'c", "x"));
    assertEquals("'a\"b'", IpmitoolProvider.execToken("a\"b", "x"));
  }
}
