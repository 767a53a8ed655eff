package io.ketch.server.storage;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Ketch's backup format, what Maintenance.Snapshot streams: the files of a RocksDB checkpoint in one
 * archive, followed (as etcd's snapshot is) by the SHA-256 of everything before it.
 *
 * <pre>
 *   "KETCHSNP" | u32 format (1) | per file: u16 name length, name (UTF-8), u64 size, bytes | u16 0
 *   | zeros up to a multiple of 512 bytes | sha256 (32 bytes)
 * </pre>
 *
 * The padding is etcd's: clientv3 (and so {@code etcdctl snapshot save}) accepts a snapshot only if
 * what precedes the checksum is a whole number of 512-byte blocks, as a bbolt file always is.
 *
 * Names are plain file names (no directories). A backup is checked whole before anything is
 * extracted: its checksum, then its structure.
 */
public final class SnapshotArchive {
  private SnapshotArchive() {}

  private static final byte[] MAGIC = "KETCHSNP".getBytes(StandardCharsets.US_ASCII);
  private static final int FORMAT = 1;
  /** What precedes the checksum is a multiple of this. */
  private static final int BLOCK = 512;
  /** The length of the trailing checksum. */
  public static final int SHA256_BYTES = 32;

  /** The files of a checkpoint directory, in name order. */
  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** The archive's length for the checkpoint in {@code dir}, without the trailing checksum. */
  public static long size(Path dir) throws IOException {
    long size = MAGIC.length + 4 + 2;
    for (Path f : files(dir)) {
      size += 2 + f.getFileName().toString().getBytes(StandardCharsets.UTF_8).length + 8 + Files.size(f);
    }
    return padded(size);
  }

  private static long padded(long size) {
    return (size + BLOCK - 1) / BLOCK * BLOCK;
  }

  /**
   * Writes the archive of the checkpoint in {@code dir} (without the checksum) to {@code out}: {@link
   * #size} bytes, if the files do not change meanwhile (a checkpoint's do not).
   */
  public static void write(Path dir, OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.write(MAGIC);
    d.writeInt(FORMAT);
    long written = MAGIC.length + 4;
    for (Path f : files(dir)) {
      byte[] name = f.getFileName().toString().getBytes(StandardCharsets.UTF_8);
      long size = Files.size(f);
      d.writeShort(name.length);
      d.write(name);
      d.writeLong(size);
      Files.copy(f, d);
      written += 2 + name.length + 8 + size;
    }
    d.writeShort(0);
    written += 2;
    d.write(new byte[(int) (padded(written) - written)]);
    d.flush();
  }

  /** A backup that is not a whole, intact Ketch snapshot. */
  public static final class CorruptSnapshotException extends IOException {
    CorruptSnapshotException(String message) {
      super(message);
    }
  }

  /**
   * Checks the backup in {@code file} (its trailing SHA-256, then its structure) and extracts its
   * files into {@code target}, which must not exist. Returns the backup's SHA-256 in hex.
   */
  public static String extract(Path file, Path target) throws IOException {
    long length = Files.size(file);
    if (length < MAGIC.length + 4 + 2 + SHA256_BYTES) {
      throw new CorruptSnapshotException(file + " is too short to be a snapshot (" + length + " bytes)");
    }
    MessageDigest sha = sha256();
    byte[] trailer = new byte[SHA256_BYTES];
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      long left = length - SHA256_BYTES;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new EOFException(file.toString());
        }
        sha.update(buf, 0, n);
        left -= n;
      }
      new DataInputStream(in).readFully(trailer);
    }
    byte[] digest = sha.digest();
    if (!MessageDigest.isEqual(digest, trailer)) {
      throw new CorruptSnapshotException("snapshot " + file + " is damaged or truncated: expected sha256 "
          + HexFormat.of().formatHex(trailer) + ", got " + HexFormat.of().formatHex(digest));
    }
    Files.createDirectory(target);
    try (DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      byte[] magic = new byte[MAGIC.length];
      d.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new CorruptSnapshotException(file + " is not a Ketch snapshot");
      }
      int format = d.readInt();
      if (format != FORMAT) {
        throw new CorruptSnapshotException(file + " has snapshot format " + format + "; this Ketch reads " + FORMAT);
      }
      long left = length - SHA256_BYTES - MAGIC.length - 4;
      List<String> names = new ArrayList<>();
      while (true) {
        int nameLength = d.readUnsignedShort();
        left -= 2;
        if (nameLength == 0) {
          break;
        }
        byte[] nameBytes = new byte[nameLength];
        d.readFully(nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        long size = d.readLong();
        left -= nameLength + 8;
        if (name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..") || names.contains(name)
            || size < 0 || size > left) {
          throw new CorruptSnapshotException(file + " has a bad entry: " + name + " (" + size + " bytes)");
        }
        names.add(name);
        try (OutputStream out = Files.newOutputStream(target.resolve(name))) {
          copy(d, out, size);
        }
        left -= size;
      }
      if (left >= BLOCK) {
        throw new CorruptSnapshotException(file + " has " + left + " unexpected bytes after its last file");
      }
      for (; left > 0; left--) {
        if (d.readByte() != 0) {
          throw new CorruptSnapshotException(file + " has unexpected bytes after its last file");
        }
      }
    }
    return HexFormat.of().formatHex(digest);
  }

  private static void copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[1 << 16];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException();
      }
      out.write(buf, 0, r);
      n -= r;
    }
  }

  /** A new SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
