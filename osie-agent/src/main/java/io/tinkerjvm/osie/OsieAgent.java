package io.tinkerjvm.osie;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.tinkerjvm.osie.docker.DockerActionExecutor;
import io.tinkerjvm.osie.docker.PrivilegeMode;
import io.tinkerjvm.osie.worker.LogShipper;
import io.tinkerjvm.osie.worker.SyslogShipper;
import io.tinkerjvm.osie.worker.WorkflowRunner;
import io.tinkerjvm.runtime.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The agent's process: the channel to tink-server, the Docker runner, the worker loop, and their shutdown. */
public final class OsieAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OsieAgent.class);
  private final List<AutoCloseable> resources = new ArrayList<>();
  private WorkflowRunner runner;
  private Thread loop;

  private OsieAgent() {}

  public static OsieAgent start(AgentConfig config) {
    OsieAgent agent = new OsieAgent();
    try {
      agent.startParts(config);
      return agent;
    } catch (RuntimeException e) {
      agent.close();
      throw e;
    }
  }

  private void startParts(AgentConfig config) {
    TinkChannel.Pair tink = TinkChannel.open(config);
    ManagedChannel managed = tink.managed();
    resources.add(() -> managed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    Channel channel = tink.calls();
    DockerActionExecutor docker = new DockerActionExecutor(URI.create(config.dockerHost()), config.dockerRegistry(),
        config.registryUsername(), config.registryPassword(),
        PrivilegeMode.valueOf(config.privilegeMode().toUpperCase(Locale.ROOT).replace('-', '_')));
    resources.add(docker);
    try {
      int leftovers = docker.removeLeftovers();
      if (leftovers > 0) {
        log.info("removed {} action container(s) an earlier run of the agent left behind", leftovers);
      }
    } catch (RuntimeException dockerNotUpYet) {
      // the agent must come up even before dockerd does; its actions will say what is wrong with Docker
      log.warn("could not look for containers left behind at {}: {}", config.dockerHost(), dockerNotUpYet.getMessage());
    }
    LogShipper logs = (workflow, task, action, line) -> log.info("{} {}/{}: {}", workflow, task, action, line);
    if (!config.syslogHost().isEmpty()) {
      try {
        SyslogShipper syslog = new SyslogShipper(config.syslogHost(), config.workerId());
        resources.add(syslog);
        LogShipper local = logs;
        logs = (workflow, task, action, line) -> {
          local.line(workflow, task, action, line);
          syslog.line(workflow, task, action, line);
        };
      } catch (IOException | RuntimeException e) {
        // action logs still reach the agent's own log; a syslog host that does not resolve yet must not stop us
        log.warn("action logs will not go to syslog at {}: {}", config.syslogHost(), e.getMessage());
      }
    }
    runner = new WorkflowRunner(config, channel, docker, logs);
    loop = Thread.ofVirtual().name("workflows").start(runner);
    resources.add(() -> {
      runner.stop();
      loop.interrupt();
      loop.join(10_000);
    });
  }

  @Override
  public void close() {
    ServiceProcess.closeAll(resources);
  }

  static String version() {
    String v = OsieAgent.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  public static void main(String[] args) throws InterruptedException {
    ServiceProcess.main("osie-agent", args, AgentConfig::usage, AgentConfig::load, OsieAgent::start,
        (config, agent) -> {
          System.out.println("osie-agent " + version() + " is up for hardware " + config.workerId()
              + ", tink-server at " + config.grpcAuthority() + (config.tls() ? " (TLS)" : "")
              + ", Docker at " + config.dockerHost());
          return true;
        });
  }
}
