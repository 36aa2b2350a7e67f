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

  /** Networks sorted by first address: [first, last] and the index of their name. */
  private record Ranges(long[] first, long[] last, int[] name) {
    static Ranges read(DataInputStream in) throws IOException {
      int n = in.readInt();
      Ranges ranges = new Ranges(new long[n], new long[n], new int[n]);
      for (int i = 0; i < n; i++) {
        ranges.first[i] = in.readLong();
        ranges.last[i] = in.readLong();
        ranges.name[i] = in.readInt();
      }
      return ranges;
    }

    /** The name index of the network holding the address, -1 when none does. */
    int find(long address) {
      int i = floor(first, address);
      return i < 0 || address > last[i] ? -1 : name[i];
    }
  }

  private final String[] countryCodes;
  private final String[] countryNames;
  private final Ranges countries;
  private final String[] asnNames;
  private final Ranges asns;

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
    countries = Ranges.read(in);
    asnNames = new String[in.readInt()];
    for (int i = 0; i < asnNames.length; i++) {
      asnNames[i] = readText(in);
    }
    asns = Ranges.read(in);
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
    int name = countries.find(address);
    if (name < 0) {
      return NONE;
    }
    String code = countryCodes[name];
    if (code.length() != 2 || !Character.isLetter(code.charAt(0))
        || !Character.isLetter(code.charAt(1))) {
      return NONE;
    }
    String country = countryNames[name].isEmpty() ? null : countryNames[name];
    int owner = asns.find(address);
    String org = owner < 0 || asnNames[owner].isEmpty() ? null : asnNames[owner];
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
