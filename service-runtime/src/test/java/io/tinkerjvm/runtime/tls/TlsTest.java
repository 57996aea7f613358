package io.tinkerjvm.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tinkerjvm.runtime.Config;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import io.tinkerjvm.runtime.grpc.CallerIdentity;
import io.tinkerjvm.runtime.grpc.GrpcServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real TLS gRPC server on loopback, set up the way every service sets itself up. */
class TlsTest {
  @TempDir Path data;

  /** A one-method service that answers with who CallerIdentity says is calling. */
  static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Who/Am")
      .setRequestMarshaller(new Text()).setResponseMarshaller(new Text()).build();

  static final class Text implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static BindableService who() {
    return () -> ServerServiceDefinition.builder("test.Who").addMethod(WHO, ServerCalls.asyncUnaryCall((req, resp) -> {
      CallerIdentity.Caller c = CallerIdentity.current();
      resp.onNext("cert=" + c.certified() + " machine=" + c.machine());
      resp.onCompleted();
    })).build();
  }

  private GrpcServer server(Tls.Server tls, MachineCredentials machines) {
    return GrpcServer.start("127.0.0.1", 0, tls.credentials(), new SimpleMeterRegistry(), List.<BindableService>of(who()),
        new CallerIdentity(machines));
  }

  private static String call(int port, ChannelCredentials creds, String bearer) {
    ManagedChannel ch = Grpc.newChannelBuilder("localhost:" + port, creds).build();
    try {
      io.grpc.Channel c = ch;
      if (bearer != null) {
        Metadata m = new Metadata();
        m.put(CallerIdentity.AUTHORIZATION, "Bearer " + bearer);
        c = io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(m));
      }
      return ClientCalls.blockingUnaryCall(c, WHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "?");
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void theFirstStartMakesACaAndACertificateAndTheNextStartReusesThem() throws Exception {
    Config c = Config.load("T_", Map.of());
    Tls.Server first = Tls.serverSettings(c, data).open("svc");
    Path dir = data.resolve("tls");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("svc-key.pem"))));
    String cert = Files.readString(first.certFile());
    Tls.Server second = Tls.serverSettings(c, data).open("svc");
    assertEquals(cert, Files.readString(second.certFile()), "an issued certificate is reused while it is good");
    assertEquals(first.caFingerprint(), second.caFingerprint());
    // a name the certificate lacks gets it a new one, from the same CA
    Tls.Server third = Tls.serverSettings(Config.load("T_", Map.of(), "--tls-san=provisioner.lab,10.9.8.7"), data)
        .open("svc");
    assertNotEquals(cert, Files.readString(third.certFile()));
    assertEquals(first.caFingerprint(), third.caFingerprint());
    var sans = CertificateAuthority.readCertificate(third.certFile()).getSubjectAlternativeNames().stream()
        .map(l -> String.valueOf(l.get(1))).toList();
    assertTrue(sans.containsAll(List.of("localhost", "127.0.0.1", "provisioner.lab", "10.9.8.7")), sans.toString());
  }

  @Test
  void clientsTrustingTheCaConnectAndTheServerSeesWhoTheyAre() {
    Tls.Server tls = Tls.serverSettings(Config.load("T_", Map.of()), data).open("svc");
    MachineCredentials machines = MachineCredentials.ofKey(new byte[32]);
    try (GrpcServer s = server(tls, machines)) {
      Tls.Client withCert = Tls.clientSettings(Config.load("T_", Map.of()), data, "tinkerbell-tls", "ca").open("boots");
      assertEquals("cert=true machine=null", call(s.port(), withCert.credentials(), null));
      ChannelCredentials anonymous;
      try {
        anonymous = TlsChannelCredentials.newBuilder().trustManager(tls.caFile().toFile()).build();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      assertEquals("cert=false machine=null", call(s.port(), anonymous, null));
      String cred = machines.credentialFor("hw-1");
      assertEquals("cert=false machine=hw-1", call(s.port(), anonymous, cred));
      byte[] otherKey = new byte[32];
      otherKey[31] = 7;
      StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
          () -> call(s.port(), anonymous, MachineCredentials.ofKey(otherKey).credentialFor("hw-1")));
      assertEquals(Status.Code.UNAUTHENTICATED, bad.getStatus().getCode());
      assertTrue(bad.getStatus().getDescription().contains("not valid"), bad.getStatus().getDescription());
      // plaintext to a TLS port, and TLS trusting only the system's CAs, do not get through
      assertThrows(StatusRuntimeException.class, () -> call(s.port(), InsecureChannelCredentials.create(), null));
      assertThrows(StatusRuntimeException.class, () -> call(s.port(), TlsChannelCredentials.create(), null));
    }
  }

  @Test
  void offIsPlaintextAndBadSettingsAreNamed() {
    Tls.Server off = Tls.serverSettings(Config.load("T_", Map.of(), "--tls=off"), data).open("svc");
    try (GrpcServer s = server(off, null)) {
      assertEquals("cert=false machine=null", call(s.port(), InsecureChannelCredentials.create(), null));
    }
    assertTrue(Files.notExists(data.resolve("tls")), "tls=off makes no CA");
    Config.ConfigException mode = assertThrows(Config.ConfigException.class,
        () -> Tls.serverSettings(Config.load("T_", Map.of(), "--tls=maybe"), data));
    assertTrue(mode.getMessage().contains("tls must be on, off or mutual"), mode.getMessage());
    Config.ConfigException half = assertThrows(Config.ConfigException.class,
        () -> Tls.serverSettings(Config.load("T_", Map.of(), "--tls-cert-file=/etc/hostname"), data));
    assertTrue(half.getMessage().contains("tls-cert-file and tls-key-file go together"), half.getMessage());
  }
}
