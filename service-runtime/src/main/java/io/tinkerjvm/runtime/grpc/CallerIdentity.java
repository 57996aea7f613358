package io.tinkerjvm.runtime.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tinkerjvm.runtime.auth.MachineCredentials;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is calling: a client with a certificate from the stack's CA (verified in the TLS handshake), a machine
 * with its per-boot credential ({@code authorization: Bearer <machine_credential>}), or neither. A credential
 * that is given but not valid ends the call as UNAUTHENTICATED here, before any handler runs. The services
 * decide what each kind of caller may do, reading {@link #current()}.
 */
public final class CallerIdentity implements ServerInterceptor {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Caller> CALLER = Context.key("tinkerjvm-caller");

  /**
   * @param certificateSubject the verified client certificate's subject, or null
   * @param machine the hardware id a valid machine credential names, or null
   */
  public record Caller(String certificateSubject, String machine) {
    public static final Caller ANONYMOUS = new Caller(null, null);

    public boolean certified() {
      return certificateSubject != null;
    }

    public boolean isMachine() {
      return machine != null;
    }
  }

  private final MachineCredentials credentials;

  /** @param credentials null when this service has no machine key (then credentials are refused) */
  public CallerIdentity(MachineCredentials credentials) {
    this.credentials = credentials;
  }

  /** Refuses every call whose client presented no certificate from the CA; runs after a CallerIdentity. */
  public static ServerInterceptor requireCertificate() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (!current().certified()) {
          call.close(Status.UNAUTHENTICATED.withDescription(
              "tls=mutual: calls need a client certificate from the stack's CA"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
  }

  public static Caller current() {
    Caller c = CALLER.get();
    return c == null ? Caller.ANONYMOUS : c;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String subject = certificateSubject(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    String machine = null;
    String authorization = headers.get(AUTHORIZATION);
    if (authorization != null) {
      String token = authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
      Optional<String> hardware = token == null || credentials == null ? Optional.empty()
          : credentials.hardwareIdOf(token);
      if (hardware.isEmpty()) {
        call.close(Status.UNAUTHENTICATED.withDescription(token == null
            ? "authorization must be 'Bearer <machine_credential>'"
            : credentials == null ? "this server has no machine key, so it takes no machine credential"
            : "the machine credential is not valid: made with another key, altered, or past its lifetime "
                + "(the machine gets a new one each boot)"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      machine = hardware.get();
    }
    Context ctx = Context.current().withValue(CALLER, new Caller(subject, machine));
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  private static String certificateSubject(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x
          ? x.getSubjectX500Principal().getName() : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
