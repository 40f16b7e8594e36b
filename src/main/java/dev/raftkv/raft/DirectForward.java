package dev.raftkv.raft;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.GrpcUtil;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.RaftClientReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NegotiationType;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.protobuf.ProtoUtils;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a follower's write batches and read index requests reach the leader: Ratis' own client
 * requests ({@link RaftClientRequest}, the same client id and call id, so Ratis' retry cache
 * still applies a retried batch once), carried on a gRPC stream of raft-kv's own, registered on
 * each peer's Ratis gRPC client port (and TLS, when Ratis has it), and submitted to the leader's
 * division on the thread that received them.
 *
 * <p>Why not Ratis' client service: for every forwarded request it hands the request to Ratis'
 * client executor, which runs the submit while the receiving thread waits for it
 * ({@code RaftServerImpl.executeSubmitClientRequestAsync}: {@code supplyAsync}, then
 * {@code join}), and it hands the reply to another executor before writing it
 * ({@code GrpcClientProtocolService.processClientRequest}: {@code thenAcceptAsync}): two thread
 * hand-offs per forwarded batch on the leader, each a context switch, for nothing. Here the
 * submit runs on gRPC's receiving thread, and the reply is written where it completes (the
 * leader's apply thread, the same thread that completes the leader's own clients' replies).
 */
public final class DirectForward {
  private static final Logger LOG = LoggerFactory.getLogger(DirectForward.class);
  static final String SERVICE = "raftkv.Forward";
  static final MethodDescriptor<RaftClientRequestProto, RaftClientReplyProto> SUBMIT =
      MethodDescriptor.<RaftClientRequestProto, RaftClientReplyProto>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "submit"))
          .setRequestMarshaller(ProtoUtils.marshaller(RaftClientRequestProto.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(RaftClientReplyProto.getDefaultInstance()))
          .build();

  private DirectForward() {}

  /**
   * Registers the receiving side on Ratis' gRPC client services ({@link GrpcServices.Customizer});
   * {@code server} gives the RaftServer once it is built (null before: requests are refused).
   */
  public static Receiver register(Parameters parameters, Supplier<RaftServer> server) {
    Receiver receiver = new Receiver(server);
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, receiver);
    return receiver;
  }

  /** The receiving side of a peer, and how many requests it has received (INFO raft). */
  public static final class Receiver implements GrpcServices.Customizer {
    private final Supplier<RaftServer> server;
    private final LongAdder received = new LongAdder();

    Receiver(Supplier<RaftServer> server) {
      this.server = server;
    }

    /** Requests other peers forwarded to this one (write batches and read index requests). */
    public long received() {
      return received.sum();
    }

    @Override
    public NettyServerBuilder customize(NettyServerBuilder builder, java.util.EnumSet<GrpcServices.Type> types) {
      if (!types.contains(GrpcServices.Type.CLIENT)) {
        return builder;
      }
      return builder.addService(ServerServiceDefinition.builder(SERVICE)
          .addMethod(SUBMIT, ServerCalls.asyncBidiStreamingCall(out -> new Inbound(server, received, out)))
          .build());
    }
  }

  /** One follower's stream on the leader: each request submitted at once, each reply written when ready. */
  private static final class Inbound implements StreamObserver<RaftClientRequestProto> {
    private final Supplier<RaftServer> server;
    private final LongAdder received;
    private final StreamObserver<RaftClientReplyProto> out;
    private final AtomicBoolean closed = new AtomicBoolean();

    Inbound(Supplier<RaftServer> server, LongAdder received, StreamObserver<RaftClientReplyProto> out) {
      this.server = server;
      this.received = received;
      this.out = out;
    }

    @Override
    public void onNext(RaftClientRequestProto proto) {
      received.increment();
      CompletableFuture<RaftClientReply> reply;
      try {
        RaftClientRequest request = ClientProtoUtils.toRaftClientRequest(proto);
        RaftServer s = server.get();
        if (s == null) {
          throw new IOException("this peer's Raft server is not running yet");
        }
        reply = RaftGateway.submitToDivision(s, request);
      } catch (IOException | RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      reply.whenComplete((r, e) -> {
        if (e != null) {
          // as Ratis' client service does: a request Ratis could not take ends the stream; the
          // follower fails what is outstanding on it and retries under the same call ids
          fail(e);
        } else {
          send(ClientProtoUtils.toRaftClientReplyProto(r));
        }
      });
    }

    private synchronized void send(RaftClientReplyProto reply) {
      if (!closed.get()) {
        try {
          out.onNext(reply);
        } catch (RuntimeException e) {
          LOG.debug("forwarded reply not sent: {}", e.toString()); // the stream was cancelled
        }
      }
    }

    private synchronized void fail(Throwable e) {
      if (closed.compareAndSet(false, true)) {
        try {
          out.onError(Status.UNAVAILABLE.withDescription(String.valueOf(e.getMessage())).withCause(e)
              .asRuntimeException());
        } catch (RuntimeException ignored) {
          // already cancelled
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      closed.set(true); // the follower went away; its outstanding replies have no reader
    }

    @Override
    public synchronized void onCompleted() {
      if (closed.compareAndSet(false, true)) {
        try {
          out.onCompleted();
        } catch (RuntimeException ignored) {
          // already cancelled
        }
      }
    }
  }

  /** The sending side: one stream per leader address, requests matched to replies by call id. */
  public static final class Client implements Closeable {
    private final String name;
    private final SslContext tls;
    private final int maxMessageBytes;
    private final int flowControlWindow;
    /** One attempt's timeout: Ratis' client request timeout ({@code raft.client.rpc.request.timeout}). */
    private final long attemptTimeoutMs;
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public Client(String name, RaftProperties properties, Parameters parameters) {
      this.name = name;
      GrpcTlsConfig tlsConfig = GrpcConfigKeys.TLS.conf(parameters);
      this.tls = tlsConfig == null ? null : GrpcUtil.buildSslContextForClient(tlsConfig);
      this.maxMessageBytes = GrpcConfigKeys.messageSizeMax(properties, s -> { }).getSizeInt();
      this.flowControlWindow = GrpcConfigKeys.flowControlWindow(properties, s -> { }).getSizeInt();
      this.attemptTimeoutMs = RaftClientConfigKeys.Rpc.requestTimeout(properties).toLong(TimeUnit.MILLISECONDS);
    }

    /** Sends {@code request} to {@code leader}; completes with its reply, or fails after {@code timeoutMs}. */
    public CompletableFuture<RaftClientReply> send(RaftPeer leader, RaftClientRequest request, long timeoutMs) {
      if (closed) {
        return CompletableFuture.failedFuture(new IOException(name + ": closed"));
      }
      String address = Optional.ofNullable(leader.getClientAddress()).filter(a -> !a.isEmpty())
          .orElse(leader.getAddress());
      Stream stream = streams.computeIfAbsent(address, this::open);
      return stream.send(request, timeoutMs);
    }

    private Stream open(String address) {
      NettyChannelBuilder b = NettyChannelBuilder.forTarget(address).proxyDetector(uri -> null);
      if (tls != null) {
        b.useTransportSecurity().sslContext(tls);
      } else {
        b.negotiationType(NegotiationType.PLAINTEXT);
      }
      ManagedChannel channel = b.flowControlWindow(flowControlWindow).maxInboundMessageSize(maxMessageBytes).build();
      return new Stream(address, channel);
    }

    @Override
    public void close() {
      closed = true;
      for (Stream s : streams.values()) {
        s.close(new IOException(name + ": closed"));
        s.channel.shutdownNow();
      }
      streams.clear();
    }

    /** A channel to one peer and its current stream (a new one after the last ended). */
    private final class Stream {
      final String address;
      final ManagedChannel channel;
      private Attempt current;

      Stream(String address, ManagedChannel channel) {
        this.address = address;
        this.channel = channel;
      }

      CompletableFuture<RaftClientReply> send(RaftClientRequest request, long timeoutMs) {
        RaftClientRequestProto proto = ClientProtoUtils.toRaftClientRequestProto(request);
        long callId = request.getCallId();
        CompletableFuture<RaftClientReply> f = new CompletableFuture<>();
        try {
          synchronized (this) {
            if (current == null) {
              Attempt a = new Attempt(this);
              a.requests = ClientCalls.asyncBidiStreamingCall(
                  channel.newCall(SUBMIT, org.apache.ratis.thirdparty.io.grpc.CallOptions.DEFAULT), a);
              current = a;
            }
            Attempt a = current;
            a.pending.put(callId, f);
            f.orTimeout(Math.min(timeoutMs, attemptTimeoutMs), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
              a.pending.remove(callId, f);
              if (e instanceof TimeoutException) {
                abandon(a, e); // as Ratis' client does: the next attempt reconnects
              }
            });
            a.requests.onNext(proto);
          }
        } catch (RuntimeException e) {
          f.completeExceptionally(new IOException(name + ": cannot send to " + address, e));
        }
        // an attempt that timed out is retried by the gateway (Ratis' client fails it with a
        // TimeoutIOException too); only the gateway's own deadline ends a call
        return f.exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof TimeoutException
            ? new TimeoutIOException(name + ": no reply from " + address + " within "
                + Math.min(timeoutMs, attemptTimeoutMs) + " ms", e) : e));
      }

      /** Gives up on {@code a} (no reply in time): it is cancelled, the next send opens a new stream. */
      private void abandon(Attempt a, Throwable cause) {
        ended(a, cause);
        try {
          a.requests.onError(Status.CANCELLED.withDescription("no reply in time").asRuntimeException());
        } catch (RuntimeException ignored) {
          // already ended
        }
      }

      /** {@code a} ended: the next send opens a new stream; what was outstanding on {@code a} fails. */
      void ended(Attempt a, Throwable cause) {
        synchronized (this) {
          if (current == a) {
            current = null;
          }
        }
        a.fail(new IOException(name + ": stream to " + address + " ended", cause));
      }

      void close(Throwable cause) {
        Attempt a;
        synchronized (this) {
          a = current;
          current = null;
        }
        if (a != null) {
          a.fail(cause);
          a.requests.onError(Status.CANCELLED.withDescription("closing").asRuntimeException());
        }
      }
    }

    /** One stream to a peer: its request side and the replies it still owes, by call id. */
    private static final class Attempt implements StreamObserver<RaftClientReplyProto> {
      final Stream stream;
      final Map<Long, CompletableFuture<RaftClientReply>> pending = new ConcurrentHashMap<>();
      StreamObserver<RaftClientRequestProto> requests;

      Attempt(Stream stream) {
        this.stream = stream;
      }

      void fail(Throwable cause) {
        for (Long id : pending.keySet()) {
          CompletableFuture<RaftClientReply> f = pending.remove(id);
          if (f != null) {
            f.completeExceptionally(cause);
          }
        }
      }

      @Override
      public void onNext(RaftClientReplyProto proto) {
        RaftClientReply reply = ClientProtoUtils.toRaftClientReply(proto);
        CompletableFuture<RaftClientReply> f = pending.remove(reply.getCallId());
        if (f != null) {
          f.complete(reply);
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.ended(this, t);
      }

      @Override
      public void onCompleted() {
        stream.ended(this, new IOException("closed by the peer"));
      }
    }
  }
}
