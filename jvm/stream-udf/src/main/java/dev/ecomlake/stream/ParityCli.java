package dev.ecomlake.stream;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

/**
 * The JVM side of the parity tests: one base64 message per stdin line ("-" for a null value),
 * one line out per message: "0" when refused, else "1" and the typed columns, tab-separated
 * (decimals plain, times as epoch milliseconds, dates as epoch days, items as product:quantity:price;..., null as \N).
 *
 * <p>{@code java -cp ecomlake-stream-udf.jar dev.ecomlake.stream.ParityCli GEO RATES NOW_MS}, or
 * {@code ... ParityCli --columns} for the column list.
 */
public final class ParityCli {
  private ParityCli() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    if (args.length == 1 && args[0].equals("--columns")) {
      for (String[] column : Columns.EVENT) {
        out.println(column[0] + "\t" + column[1]);
      }
      out.flush();
      return;
    }
    MessageParser parser =
        new MessageParser(Geo.load(Path.of(args[0])), MessageParser.parseRates(args[1]));
    long now = Long.parseLong(args[2]);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    StringBuilder line = new StringBuilder();
    String text;
    while ((text = in.readLine()) != null) {
      byte[] raw = text.equals("-") ? null : Base64.getDecoder().decode(text);
      Object[] row = parser.parse(raw, 0, 0L, now);
      line.setLength(0);
      if (!Boolean.TRUE.equals(row[0])) {
        out.println("0");
        continue;
      }
      line.append('1');
      for (int i = 1; i < row.length; i++) {
        line.append('\t').append(show(row[i]));
      }
      out.println(line);
    }
    out.flush();
  }

  @SuppressWarnings("unchecked")
  private static String show(Object value) {
    if (value == null) {
      return "\\N";
    }
    if (value instanceof LocalDateTime t) {
      return String.valueOf(t.toInstant(ZoneOffset.UTC).toEpochMilli());
    }
    if (value instanceof LocalDate d) {
      return String.valueOf(d.toEpochDay());
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof List<?> lines) {
      StringBuilder b = new StringBuilder();
      for (Object[] l : (List<Object[]>) lines) {
        b.append(b.length() == 0 ? "" : ";").append(l[0]).append(':').append(l[1]).append(':')
            .append(((BigDecimal) l[2]).toPlainString());
      }
      return b.toString();
    }
    // Strings are escaped so a tab or newline inside cannot break the line.
    return String.valueOf(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        .replace("\r", "\\r");
  }
}
