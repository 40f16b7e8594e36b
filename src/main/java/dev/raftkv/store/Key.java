package dev.raftkv.store;

import java.util.Arrays;

/** A binary key usable in hash maps: equality and hash over the bytes. */
public final class Key implements Comparable<Key> {
  private final byte[] bytes;
  private final int hash;

  public Key(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  public byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Unsigned lexicographic order, the order RocksDB uses. */
  @Override
  public int compareTo(Key o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
