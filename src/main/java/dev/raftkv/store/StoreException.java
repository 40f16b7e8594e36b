package dev.raftkv.store;

/**
 * The store failed on this peer (an I/O or RocksDB error while reading). Unlike a command's own
 * errors it is not the same on every replica, so it is never turned into a reply to a write: it
 * stops applying on this peer.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
