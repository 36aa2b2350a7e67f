package dev.ecomlake.stream;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Country and network owner of an IPv4 address, from the range tables that
 * {@code ecomlake.stream.geo_export} writes out of geoip2fast's bundled data (the reference
 * lookup): sorted network starts, their ends, and names. A lookup is two binary searches.
 */
final class Geo {
  record Place(String countryCode, String countryName, String asOrg) {}

  static final Place NONE = new Place(null, null, null);
  private static final int MAGIC = 0x45474531; // "EGE1"

  private final long[] countryFirst;
  private final long[] countryLast;
  private final int[] countryIndex;
  private final String[] countryCodes;
  private final String[] countryNames;
  private final long[] asnFirst;
  private final long[] asnLast;
  private final int[] asnIndex;
  private final String[] asnNames;

  private Geo(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not an ecomlake geo table");
    }
    int names = in.readInt();
    countryCodes = new String[names];
    countryNames = new String[names];
    for (int i = 0; i < names; i++) {
      countryCodes[i] = readText(in);
      countryNames[i] = readText(in);
    }
    int n = in.readInt();
    countryFirst = new long[n];
    countryLast = new long[n];
    countryIndex = new int[n];
    for (int i = 0; i < n; i++) {
      countryFirst[i] = in.readLong();
      countryLast[i] = in.readLong();
      countryIndex[i] = in.readInt();
    }
    int asns = in.readInt();
    asnNames = new String[asns];
    for (int i = 0; i < asns; i++) {
      asnNames[i] = readText(in);
    }
    int m = in.readInt();
    asnFirst = new long[m];
    asnLast = new long[m];
    asnIndex = new int[m];
    for (int i = 0; i < m; i++) {
      asnFirst[i] = in.readLong();
      asnLast[i] = in.readLong();
      asnIndex[i] = in.readInt();
    }
  }

  /** A 2-byte length, then UTF-8 (written by geo_export._utf). */
  private static String readText(DataInputStream in) throws IOException {
    byte[] bytes = new byte[in.readUnsignedShort()];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static Geo load(Path path) {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16))) {
      return new Geo(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the geo table " + path + ": " + e, e);
    }
  }

  /** The place of a dotted-quad IPv4 address (the contract has checked its form). */
  Place lookup(String ip) {
    long address = toLong(ip);
    if (address < 0) {
      return NONE;
    }
    int i = floor(countryFirst, address);
    if (i < 0 || address > countryLast[i]) {
      return NONE;
    }
    int name = countryIndex[i];
    String code = countryCodes[name];
    if (code.length() != 2 || !Character.isLetter(code.charAt(0))
        || !Character.isLetter(code.charAt(1))) {
      return NONE;
    }
    String country = countryNames[name].isEmpty() ? null : countryNames[name];
    String org = null;
    int j = floor(asnFirst, address);
    if (j >= 0 && address <= asnLast[j]) {
      String owner = asnNames[asnIndex[j]];
      org = owner.isEmpty() ? null : owner;
    }
    return new Place(code, country, org);
  }

  /** Index of the last start <= address (bisect_right - 1), -1 when none. */
  private static int floor(long[] starts, long address) {
    int at = Arrays.binarySearch(starts, address);
    if (at >= 0) {
      while (at + 1 < starts.length && starts[at + 1] == address) {
        at++;
      }
      return at;
    }
    return -at - 2;
  }

  static long toLong(String ip) {
    long value = 0;
    int octet = 0;
    int parts = 0;
    for (int i = 0; i < ip.length(); i++) {
      char c = ip.charAt(i);
      if (c == '.') {
        value = (value << 8) | octet;
        octet = 0;
        parts++;
      } else if (c >= '0' && c <= '9') {
        octet = octet * 10 + (c - '0');
        if (octet > 255) {
          return -1;
        }
      } else {
        return -1;
      }
    }
    return parts == 3 ? (value << 8) | octet : -1;
  }
}
