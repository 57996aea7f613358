package io.tinkerjvm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinkerjvm.proto.tink.hardware.DeleteRequest;
import io.tinkerjvm.proto.tink.hardware.Empty;
import io.tinkerjvm.proto.tink.hardware.GetRequest;
import io.tinkerjvm.proto.tink.hardware.Hardware;
import io.tinkerjvm.proto.tink.hardware.PushRequest;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.hardware.HardwareDocument;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "hardware", description = "Push, find, list and delete hardware records.",
    synopsisSubcommandLabel = "COMMAND")
final class HardwareCommand {
  static final List<String> LIST_COLUMNS = List.of("ID", "MAC Address", "IP address", "Hostname");

  @ParentCommand Tink tink;

  @Command(name = "push", description = {
      "Push hardware records in Tinkerbell's JSON (metadata as an object or a string).",
      "Takes files, folders (every *.json in them), or standard input. Every record is checked before any is"
          + " stored."})
  int push(
      @Option(names = "--file", paramLabel = "FILE", description = "a hardware JSON file (repeatable)")
      List<Path> files,
      @Parameters(paramLabel = "PATH", arity = "0..*", description = "files or folders; - for standard input")
      List<Path> paths,
      @Option(names = "--dry-run", description = "check everything, including MAC conflicts on the server, "
          + "and store nothing") boolean dryRun) {
    List<Inputs.Document> docs = Inputs.read(tink.context, join(files, paths), List.of(".json"), "--file");
    List<Pushed> records = new ArrayList<>();
    for (Inputs.Document doc : docs) {
      records.addAll(parse(doc));
    }
    checkBatch(records);
    boolean checkedOnServer = checkServerConflicts(records, dryRun);
    Output out = tink.output();
    for (Pushed r : records) {
      if (dryRun) {
        out.line("Valid: hardware " + r.doc.id() + " from " + r.source + " (" + r.doc.macs().size() + " MAC"
            + (r.doc.macs().size() == 1 ? "" : "s") + ")");
      } else {
        tink.client().unary(Rpc.HARDWARE_PUSH, PushRequest.newBuilder().setData(r.doc.hardware()).build(),
            Empty.parser(), tink.callTimeout());
        out.line("Hardware data pushed successfully: " + r.doc.id() + " (" + r.source + ")");
      }
    }
    if (dryRun) {
      out.line("Dry run: nothing stored" + (checkedOnServer ? "." : "; MAC conflicts were not checked (no server)."));
    }
    return ExitCodes.OK;
  }

  private record Pushed(String source, HardwareDocument doc) {}

  private static List<Pushed> parse(Inputs.Document doc) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(doc.text());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CliException(doc.source() + ": not valid JSON: " + e.getOriginalMessage() + " (line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
    List<Pushed> out = new ArrayList<>();
    if (root != null && root.isArray()) {
      for (int i = 0; i < root.size(); i++) {
        out.add(one(doc.source() + "[" + i + "]", root.get(i).toString()));
      }
      if (out.isEmpty()) {
        throw new CliException(doc.source() + ": the array holds no hardware records");
      }
    } else {
      out.add(one(doc.source(), doc.text()));
    }
    return out;
  }

  private static Pushed one(String source, String json) {
    Hardware hw = HardwareDocument.parsePushed(json, source);
    try {
      return new Pushed(source, HardwareDocument.validate(hw));
    } catch (InvalidArgumentException e) {
      throw new CliException(source + ": " + e.getMessage());
    }
  }

  /** Two records in one push may not share an id or a MAC. */
  private static void checkBatch(List<Pushed> records) {
    Map<String, String> ids = new HashMap<>();
    Map<String, Pushed> macs = new HashMap<>();
    for (Pushed r : records) {
      String earlier = ids.putIfAbsent(r.doc.id().toString(), r.source);
      if (earlier != null) {
        throw new CliException(r.source + ": hardware " + r.doc.id() + " is also in " + earlier);
      }
      for (String mac : r.doc.macs()) {
        Pushed other = macs.putIfAbsent(mac, r);
        if (other != null) {
          throw new CliException(r.source + ": MAC " + mac + " is also used by hardware " + other.doc.id()
              + " in " + other.source);
        }
      }
    }
  }

  /**
   * Checks with read-only lookups that no MAC belongs to another record, so that a push of many records fails
   * before storing any. Returns false when a dry run could not reach the server.
   */
  private boolean checkServerConflicts(List<Pushed> records, boolean dryRun) {
    if (records.size() == 1 && !dryRun) {
      return true; // the server checks a single push atomically
    }
    return tink.checkOnServer(() -> {
      for (Pushed r : records) {
        for (String mac : r.doc.macs()) {
          tink.find(Rpc.HARDWARE_BY_MAC, GetRequest.newBuilder().setMac(mac).build(), Hardware.parser())
              .filter(owner -> !owner.getId().equalsIgnoreCase(r.doc.id().toString()))
              .ifPresent(owner -> {
                throw new CliException(r.source + ": MAC " + mac + " already belongs to hardware " + owner.getId());
              });
        }
      }
    }, dryRun);
  }

  @Command(name = "id", description = "Print hardware records by id, as JSON (secrets redacted).")
  int id(@Parameters(paramLabel = "ID", arity = "1..*") List<String> ids) {
    Output out = tink.output();
    for (String id : ids) {
      checkId(id);
      Hardware hw = tink.client().unary(Rpc.HARDWARE_BY_ID, GetRequest.newBuilder().setId(id).build(),
          Hardware.parser(), tink.callTimeout());
      documentOutput(out).printDocument(Protos.hardware(hw));
    }
    return ExitCodes.OK;
  }

  @Command(name = "mac", description = "Find hardware by MAC address.")
  int mac(@Parameters(paramLabel = "MAC", arity = "1..*") List<String> macs,
      @Option(names = {"-d", "--details"}, description = "print the whole record as JSON") boolean details) {
    List<GetRequest> requests = new ArrayList<>();
    for (String mac : macs) {
      requests.add(GetRequest.newBuilder().setMac(checked(() -> HardwareDocument.normalizeMac(mac, "MAC"))).build());
    }
    return find(requests, Rpc.HARDWARE_BY_MAC, details);
  }

  @Command(name = "ip", description = "Find hardware by IP address.")
  int ip(@Parameters(paramLabel = "IP", arity = "1..*") List<String> ips,
      @Option(names = {"-d", "--details"}, description = "print the whole record as JSON") boolean details) {
    List<GetRequest> requests = new ArrayList<>();
    for (String ip : ips) {
      requests.add(GetRequest.newBuilder().setIp(checked(() -> HardwareDocument.normalizeIp(ip, "IP"))).build());
    }
    return find(requests, Rpc.HARDWARE_BY_IP, details);
  }

  private int find(List<GetRequest> requests, String method, boolean details) {
    Output out = tink.output();
    List<Hardware> found = new ArrayList<>();
    for (GetRequest r : requests) {
      found.add(tink.client().unary(method, r, Hardware.parser(), tink.callTimeout()));
    }
    if (details) {
      found.forEach(hw -> documentOutput(out).printDocument(Protos.hardware(hw)));
      return ExitCodes.OK;
    }
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      Hardware hw = found.get(i);
      GetRequest r = requests.get(i);
      List<Hardware.Network.Interface> matching = hw.getNetwork().getInterfacesList().stream()
          .filter(iface -> r.getMac().isEmpty()
              ? iface.getDhcp().getIp().getAddress().equals(r.getIp())
              : iface.getDhcp().getMac().equals(r.getMac()))
          .toList();
      if (matching.isEmpty()) { // an IP from metadata.instance.ip_addresses: show every interface
        matching = hw.getNetwork().getInterfacesList();
      }
      for (Hardware.Network.Interface iface : matching) {
        Hardware.DHCP dhcp = iface.getDhcp();
        rows.add(List.of("ID", hw.getId()));
        rows.add(List.of("MAC Address", dhcp.getMac()));
        rows.add(List.of("IP Address", dhcp.getIp().getAddress()));
        rows.add(List.of("Hostname", dhcp.getHostname()));
      }
      if (matching.isEmpty()) {
        rows.add(List.of("ID", hw.getId()));
      }
    }
    out.print(List.of("Field Name", "Value"), rows, () -> found.stream().map(Protos::hardware).toList());
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "List all hardware: one row per network interface.")
  int list(@Option(names = {"-q", "--quiet"}, description = "print only the ids") boolean quiet) {
    List<Hardware> all = all();
    if (quiet) {
      Output out = tink.output();
      all.forEach(hw -> out.line(hw.getId()));
      return ExitCodes.OK;
    }
    print(all);
    return ExitCodes.OK;
  }

  @Command(name = "get", description = "Show hardware by id, MAC or IP; all hardware when none is given.")
  int get(@Parameters(paramLabel = "ID|MAC|IP", arity = "0..*") List<String> refs) {
    if (refs == null || refs.isEmpty()) {
      print(all());
      return ExitCodes.OK;
    }
    List<Hardware> found = new ArrayList<>();
    for (String ref : refs) {
      found.add(byReference(ref));
    }
    print(found);
    return ExitCodes.OK;
  }

  private Hardware byReference(String ref) {
    GetRequest.Builder r = GetRequest.newBuilder();
    String method;
    if (Ids.isUuid(ref)) {
      r.setId(ref.trim());
      method = Rpc.HARDWARE_BY_ID;
    } else if (HardwareDocument.looksLikeMac(ref)) {
      r.setMac(HardwareDocument.normalizeMac(ref, "MAC"));
      method = Rpc.HARDWARE_BY_MAC;
    } else {
      try {
        r.setIp(HardwareDocument.normalizeIp(ref, "IP"));
      } catch (InvalidArgumentException e) {
        throw new CliException("'" + ref + "' is not a hardware id, MAC or IP address", ExitCodes.USAGE);
      }
      method = Rpc.HARDWARE_BY_IP;
    }
    return tink.client().unary(method, r.build(), Hardware.parser(), tink.callTimeout());
  }

  private List<Hardware> all() {
    List<Hardware> all = new ArrayList<>();
    tink.client().call(Rpc.HARDWARE_ALL, Empty.getDefaultInstance(), Hardware.parser(), tink.callTimeout(), hw -> {
      all.add(hw);
      return true;
    });
    return all;
  }

  private void print(List<Hardware> hardware) {
    Output out = tink.output();
    List<List<String>> rows = new ArrayList<>();
    for (Hardware hw : hardware) {
      if (hw.getNetwork().getInterfacesCount() == 0) {
        rows.add(List.of(hw.getId(), "", "", ""));
      }
      for (Hardware.Network.Interface iface : hw.getNetwork().getInterfacesList()) {
        Hardware.DHCP dhcp = iface.getDhcp();
        rows.add(List.of(hw.getId(), dhcp.getMac(), dhcp.getIp().getAddress(), dhcp.getHostname()));
      }
    }
    out.print(LIST_COLUMNS, rows, () -> hardware.stream().map(Protos::hardware).toList());
  }

  @Command(name = "delete", description = "Delete hardware records by id.")
  int delete(@Parameters(paramLabel = "ID", arity = "1..*") List<String> ids) {
    Set<String> unique = new LinkedHashSet<>(ids);
    unique.forEach(HardwareCommand::checkId);
    return Deletes.each(tink, unique, id -> tink.client().unary(Rpc.HARDWARE_DELETE,
        DeleteRequest.newBuilder().setId(id).build(), Empty.parser(), tink.callTimeout()));
  }

  private static Output documentOutput(Output out) {
    return out.structured() ? out : out.asJson();
  }

  private static void checkId(String id) {
    if (!Ids.isUuid(id)) {
      throw new CliException("'" + id + "' is not a hardware id (a UUID)", ExitCodes.USAGE);
    }
  }

  private static String checked(java.util.function.Supplier<String> normalize) {
    try {
      return normalize.get();
    } catch (InvalidArgumentException e) {
      throw new CliException(e.getMessage(), ExitCodes.USAGE);
    }
  }

  static List<Path> join(List<Path> a, List<Path> b) {
    List<Path> all = new ArrayList<>();
    if (a != null) {
      all.addAll(a);
    }
    if (b != null) {
      all.addAll(b);
    }
    return all;
  }
}
