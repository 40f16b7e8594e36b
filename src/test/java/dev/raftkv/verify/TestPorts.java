package dev.raftkv.verify;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

final class TestPorts {
  static int free() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
