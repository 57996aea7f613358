package io.tinkerjvm.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "completion", description = {
    "Print a shell completion script for bash or zsh.",
    "  bash: source <(tink completion bash)   (or save it under /etc/bash_completion.d/tink)",
    "  zsh:  autoload -U +X bashcompinit && bashcompinit && source <(tink completion zsh)"})
final class CompletionCommand implements java.util.concurrent.Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh")
  String shell;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw new CliException("completion is available for bash and zsh, not '" + shell + "'", ExitCodes.USAGE);
    }
    CommandLine root = spec.root().commandLine();
    spec.commandLine().getOut().print(AutoComplete.bash("tink", root));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
