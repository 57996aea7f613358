package io.tinkerjvm.cli;

import io.tinkerjvm.proto.tink.template.CreateResponse;
import io.tinkerjvm.proto.tink.template.Empty;
import io.tinkerjvm.proto.tink.template.GetRequest;
import io.tinkerjvm.proto.tink.template.ListRequest;
import io.tinkerjvm.proto.tink.template.WorkflowTemplate;
import io.tinkerjvm.runtime.errors.InvalidArgumentException;
import io.tinkerjvm.tink.template.TemplateDocument;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "template", description = "Create, show, update and delete workflow templates.",
    synopsisSubcommandLabel = "COMMAND")
final class TemplateCommand {
  static final List<String> COLUMNS = List.of("ID", "Name", "Created At", "Updated At");
  private static final List<String> EXTENSIONS = List.of(".yaml", ".yml", ".tmpl");

  @ParentCommand Tink tink;

  @Command(name = "create", description = {
      "Create templates from Tinkerbell template YAML (version \"0.1\"); the name comes from the YAML.",
      "Takes files, folders (every *.yaml, *.yml, *.tmpl in them), or standard input. Every template is checked"
          + " before any is stored."})
  int create(
      @Option(names = {"--file", "-p", "--path"}, paramLabel = "FILE", description = "a template file (repeatable)")
      List<Path> files,
      @Parameters(paramLabel = "PATH", arity = "0..*", description = "files or folders; - for standard input")
      List<Path> paths,
      @Option(names = {"-n", "--name"}, description = "store under this name instead of the YAML's (one template)")
      String name,
      @Option(names = "--dry-run", description = "check everything, including name clashes on the server, "
          + "and store nothing") boolean dryRun) {
    List<Inputs.Document> docs = Inputs.read(tink.context, HardwareCommand.join(files, paths), EXTENSIONS, "--file");
    if (name != null && docs.size() > 1) {
      throw new CliException("--name applies to one template, but " + docs.size() + " were given", ExitCodes.USAGE);
    }
    List<Checked> checked = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    for (Inputs.Document doc : docs) {
      Checked c = check(doc, name);
      String earlier = names.putIfAbsent(c.name, doc.source());
      if (earlier != null) {
        throw new CliException(doc.source() + ": template name '" + c.name + "' is also used in " + earlier);
      }
      checked.add(c);
    }
    boolean onServer = checkNamesFree(checked, dryRun);
    Output out = tink.output();
    for (Checked c : checked) {
      if (dryRun) {
        out.line("Valid: template '" + c.name + "' from " + c.source);
        continue;
      }
      CreateResponse created = tink.client().unary(Rpc.TEMPLATE_CREATE,
          WorkflowTemplate.newBuilder().setName(c.name).setData(c.data).build(), CreateResponse.parser(),
          tink.callTimeout());
      out.line("Created Template:  " + created.getId() + (checked.size() > 1 ? "  (" + c.name + ", " + c.source + ")" : ""));
    }
    if (dryRun) {
      out.line("Dry run: nothing stored" + (onServer ? "." : "; names were not checked against a server."));
    }
    return ExitCodes.OK;
  }

  private record Checked(String source, String name, String data) {}

  private static Checked check(Inputs.Document doc, String name) {
    try {
      return new Checked(doc.source(), TemplateDocument.checkForStore(name, doc.text()), doc.text());
    } catch (InvalidArgumentException e) {
      throw new CliException(doc.source() + ": " + e.getMessage());
    }
  }

  private boolean checkNamesFree(List<Checked> checked, boolean dryRun) {
    if (checked.size() == 1 && !dryRun) {
      return true; // the server refuses a taken name itself
    }
    return tink.checkOnServer(() -> {
      for (Checked c : checked) {
        find(GetRequest.newBuilder().setName(c.name).build()).ifPresent(existing -> {
          throw new CliException(c.source + ": template name '" + c.name + "' is already used by template "
              + existing.getId());
        });
      }
    }, dryRun);
  }

  private java.util.Optional<WorkflowTemplate> find(GetRequest request) {
    return tink.find(Rpc.TEMPLATE_GET, request, WorkflowTemplate.parser());
  }

  static GetRequest reference(String ref) {
    return Ids.isUuid(ref)
        ? GetRequest.newBuilder().setId(ref.trim()).build()
        : GetRequest.newBuilder().setName(ref.trim()).build();
  }

  @Command(name = "get", description = "Show templates by id or name; all templates when none is given.")
  int get(@Parameters(paramLabel = "ID|NAME", arity = "0..*") List<String> refs) {
    if (refs == null || refs.isEmpty()) {
      print(all(), false);
      return ExitCodes.OK;
    }
    List<WorkflowTemplate> found = new ArrayList<>();
    for (String ref : refs) {
      found.add(tink.client().unary(Rpc.TEMPLATE_GET, reference(ref), WorkflowTemplate.parser(), tink.callTimeout()));
    }
    if ("0.0.0".equals(tink.context.env().get("TINK_CLI_VERSION"))) {
      found.forEach(t -> tink.context.out().println(t.getData()));
      return ExitCodes.OK;
    }
    print(found, true);
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "List all templates.")
  int list(@Option(names = {"-q", "--quiet"}, description = "print only the ids") boolean quiet) {
    List<WorkflowTemplate> all = all();
    if (quiet) {
      all.forEach(t -> tink.context.out().println(t.getId()));
    } else {
      print(all, false);
    }
    return ExitCodes.OK;
  }

  private List<WorkflowTemplate> all() {
    List<WorkflowTemplate> all = new ArrayList<>();
    tink.client().call(Rpc.TEMPLATE_LIST, ListRequest.newBuilder().setName("*").build(), WorkflowTemplate.parser(),
        tink.callTimeout(), t -> {
          all.add(t);
          return true;
        });
    return all;
  }

  private void print(List<WorkflowTemplate> templates, boolean withData) {
    List<List<String>> rows = new ArrayList<>();
    for (WorkflowTemplate t : templates) {
      rows.add(List.of(t.getId(), t.getName(), Protos.time(t.getCreatedAt()), Protos.time(t.getUpdatedAt())));
    }
    tink.output().print(COLUMNS, rows, () -> templates.stream()
        .map(t -> Protos.json(withData ? t : t.toBuilder().clearData().build())).toList());
  }

  @Command(name = "update", description = "Replace a template's YAML (and its name, from the YAML).")
  int update(
      @Parameters(paramLabel = "ID|NAME", arity = "1") String ref,
      @Option(names = {"--file", "-p", "--path"}, paramLabel = "FILE", description = "the new template YAML; "
          + "standard input when omitted") Path file,
      @Option(names = "--dry-run", description = "check the new YAML and store nothing") boolean dryRun) {
    Inputs.Document doc = Inputs.read(tink.context, file == null ? List.of() : List.of(file), EXTENSIONS, "--file")
        .get(0);
    Checked c = check(doc, null);
    WorkflowTemplate current = tink.client().unary(Rpc.TEMPLATE_GET, reference(ref), WorkflowTemplate.parser(),
        tink.callTimeout());
    if (!c.name.equals(current.getName())) {
      find(GetRequest.newBuilder().setName(c.name).build()).ifPresent(clash -> {
        throw new CliException(doc.source() + ": template name '" + c.name + "' is already used by template "
            + clash.getId());
      });
    }
    if (dryRun) {
      tink.context.out().println("Valid: template '" + c.name + "' from " + c.source + " for " + current.getId());
      tink.context.out().println("Dry run: nothing stored.");
      return ExitCodes.OK;
    }
    tink.client().unary(Rpc.TEMPLATE_UPDATE,
        WorkflowTemplate.newBuilder().setId(current.getId()).setName(c.name).setData(c.data).build(),
        Empty.parser(), tink.callTimeout());
    tink.context.out().println("Updated Template:  " + current.getId());
    return ExitCodes.OK;
  }

  @Command(name = "delete", description = "Delete templates by id or name.")
  int delete(@Parameters(paramLabel = "ID|NAME", arity = "1..*") List<String> refs) {
    return Deletes.each(tink, new LinkedHashSet<>(refs), ref -> tink.client().unary(Rpc.TEMPLATE_DELETE,
        reference(ref), Empty.parser(), tink.callTimeout()));
  }
}
