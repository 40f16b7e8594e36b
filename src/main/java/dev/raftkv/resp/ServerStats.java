package dev.raftkv.resp;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the RESP front end, shown by INFO. */
public final class ServerStats {
  public final AtomicLong connectedClients = new AtomicLong();
  public final AtomicLong totalConnections = new AtomicLong();
  public final AtomicLong totalCommands = new AtomicLong();
  public final AtomicLong rejectedConnections = new AtomicLong();
  public final long startMillis = System.currentTimeMillis();
  final AtomicLong clientIds = new AtomicLong();
}
