package dev.raftkv.verify;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client over one plain socket, for the verification harness.
 *
 * <p>Replies are decoded as: simple string and bulk string to {@link String} (UTF-8), null bulk
 * and null array to {@code null}, integer to {@link Long}, array to {@link List}, error to {@link
 * Error} (a value, not an exception: the caller decides what an error reply means). Connection
 * problems and timeouts are thrown as {@link IOException}; after one, the client is unusable
 * (the framing is lost) and must be closed.
 *
 * <p>Not thread-safe: one client per thread.
 */
public final class RespClient implements Closeable {

  /** An error reply such as {@code -CLUSTERDOWN no leader}. */
  public record Error(String message) {
    /** The first word of the message, e.g. {@code CLUSTERDOWN}, {@code TIMEOUT}, {@code ERR}. */
    public String code() {
      int sp = message.indexOf(' ');
      return sp < 0 ? message : message.substring(0, sp);
    }

    @Override
    public String toString() {
      return "-" + message;
    }
  }

  private String host;
  private int port;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private final int connectTimeoutMs;
  private int readTimeoutMs;
  /** Cluster mode: follow {@code -MOVED} (see {@link #followMoved}). */
  private boolean followMoved;
  /** Cluster mode: send READONLY on every connection, so a follower serves reads. */
  private boolean readonly;
  /** A WATCH or MULTI is open on this connection: never move it to another peer. */
  private boolean inTransaction;
  private long redirects;

  /**
   * Connects to {@code host:port}.
   *
   * @param connectTimeoutMs connect timeout
   * @param readTimeoutMs how long one reply may take before {@link java.net.SocketTimeoutException}
   */
  public RespClient(String host, int port, int connectTimeoutMs, int readTimeoutMs)
      throws IOException {
    this.connectTimeoutMs = connectTimeoutMs;
    this.readTimeoutMs = readTimeoutMs;
    connect(host, port);
  }

  private void connect(String host, int port) throws IOException {
    this.host = host;
    this.port = port;
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
      s.setSoTimeout(readTimeoutMs);
      this.in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
      this.out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
    } catch (IOException e) {
      s.close();
      throw e;
    }
    this.socket = s;
  }

  public String address() {
    return host + ":" + port;
  }

  /** Changes the read timeout for the following calls. */
  public void setReadTimeout(int ms) throws IOException {
    readTimeoutMs = ms;
    socket.setSoTimeout(ms);
  }

  /**
   * Redis Cluster mode (raftkv.cluster.groups > 1), as a cluster client does it: a {@code -MOVED
   * slot host:port} reply (the command did not run) makes this client reconnect to that peer and
   * send the command again there, up to 5 times; it then stays there. Never while a WATCH or MULTI
   * is open (moving would drop it: the caller gets the MOVED). A redirect to a peer that does not
   * answer throws {@link Redirected}, and one redirect too many is answered {@code -CLUSTERDOWN} by
   * this client: either way the command was not run anywhere. With {@code readonly}, every
   * connection first sends READONLY, so the peer serves reads of groups it follows itself
   * (linearizable follower reads).
   */
  public RespClient followMoved(boolean readonly) throws IOException {
    this.followMoved = true;
    this.readonly = readonly;
    if (readonly) {
      expectOk(call("READONLY"));
    }
    return this;
  }

  /** How many MOVED replies this client followed. */
  public long redirects() {
    return redirects;
  }

  private static void expectOk(Object r) throws IOException {
    if (!"OK".equals(r)) {
      throw new IOException("READONLY answered " + r);
    }
  }

  /** Sends one command and waits for its reply. */
  public Object call(String... args) throws IOException {
    Object r = send(args);
    for (int hop = 0; followMoved && !inTransaction && r instanceof Error e && e.code().equals("MOVED"); hop++) {
      if (hop == 5) {
        return new Error("CLUSTERDOWN (client) still redirected after 5 hops: " + e.message());
      }
      String[] parts = e.message().split(" ");
      int colon = parts.length == 3 ? parts[2].lastIndexOf(':') : -1;
      if (colon < 0) {
        return r;
      }
      String to = parts[2];
      close();
      try {
        connect(to.substring(0, colon), Integer.parseInt(to.substring(colon + 1)));
        if (readonly) {
          expectOk(send(new String[] {"READONLY"}));
        }
      } catch (IOException ex) {
        // the command was sent nowhere else: a definite failure, not an unknown outcome
        throw new Redirected("redirected by " + e.message() + " to a peer that does not answer: " + ex.getMessage());
      }
      redirects++;
      r = send(args);
    }
    track(args[0], r);
    return r;
  }

  /**
   * A MOVED could not be followed (the target does not answer): the command ran nowhere. The
   * client is closed; the caller reconnects.
   */
  public static final class Redirected extends IOException {
    Redirected(String message) {
      super(message);
    }
  }

  /** Keeps {@link #inTransaction}: from an accepted WATCH or MULTI to EXEC, DISCARD, UNWATCH. */
  private void track(String command, Object reply) {
    String c = command.toUpperCase(java.util.Locale.ROOT);
    switch (c) {
      case "WATCH", "MULTI" -> inTransaction |= "OK".equals(reply);
      case "EXEC", "DISCARD", "UNWATCH", "RESET" -> inTransaction = false;
      default -> { }
    }
  }

  private Object send(String[] args) throws IOException {
    write(args);
    out.flush();
    return read();
  }

  /** Sends one command given as a list and waits for its reply. */
  public Object call(List<String> args) throws IOException {
    return call(args.toArray(new String[0]));
  }

  private void write(String[] args) throws IOException {
    out.write('*');
    out.write(Integer.toString(args.length).getBytes(StandardCharsets.US_ASCII));
    out.write('\r');
    out.write('\n');
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      out.write('$');
      out.write(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
      out.write('\r');
      out.write('\n');
      out.write(b);
      out.write('\r');
      out.write('\n');
    }
  }

  private Object read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed by " + address());
    }
    String line = readLine();
    switch (type) {
      case '+':
        return line;
      case '-':
        return new Error(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] b = in.readNBytes(len);
        if (b.length < len) {
          throw new EOFException("connection closed by " + address() + " inside a bulk string");
        }
        if (in.read() != '\r' || in.read() != '\n') {
          throw new IOException("protocol error: bulk string not followed by CRLF");
        }
        return new String(b, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("protocol error: unexpected reply type byte " + type);
    }
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed by " + address() + " inside a reply line");
      }
      if (c == '\r') {
        int n = in.read();
        if (n != '\n') {
          throw new IOException("protocol error: CR not followed by LF");
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing: nothing to do
    }
  }
}
