package dev.ecomlake.stream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system for the lake's {@code file://} warehouse, minus two costs that
 * dominated the stream job's commits: without Hadoop's native library, RawLocalFileSystem sets
 * a new file's permissions by forking {@code chmod} (a fork of the whole job JVM, per data file,
 * manifest and metadata file), and the default ChecksumFileSystem writes a {@code .crc} file
 * beside each one. Permissions are set through java.nio instead; Iceberg checks its own files.
 * Enabled with {@code fs.file.impl} in the Hadoop configuration the stream job gives Iceberg.
 */
public class LocalFileSystem extends RawLocalFileSystem {
  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
    PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
    PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
    PosixFilePermission.OWNER_READ,
  };

  /** RawLocalFileSystem leaves the scheme to its checksumming subclass; Iceberg asks for it. */
  @Override
  public String getScheme() {
    return "file";
  }

  @Override
  public void setPermission(Path p, FsPermission permission) throws IOException {
    Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission.toShort()));
  }

  static Set<PosixFilePermission> posix(short mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(BITS[bit]);
      }
    }
    return set;
  }
}
