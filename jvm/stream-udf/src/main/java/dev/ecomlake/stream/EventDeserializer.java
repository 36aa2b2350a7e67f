package dev.ecomlake.stream;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * One Kafka value in, one row out, whatever the bytes (a null value included): the contract's
 * decision, the typed and enriched event, the event time for the watermark, and the original
 * bytes. Columns: {@link Columns#formatNames()}. Metrics (group {@code ecomlake}):
 * events_valid, events_rejected, freshness_lag_ms.
 */
public class EventDeserializer implements DeserializationSchema<RowData> {
  private static final long serialVersionUID = 1L;
  /** The watermark's time for a refused message: the epoch never moves a watermark. */
  static final TimestampData NO_TIME = TimestampData.fromEpochMillis(0);

  private final String geoPath;
  private final String rates;
  private final TypeInformation<RowData> producedType;
  private transient MessageParser parser;
  private transient Counter valid;
  private transient Counter rejected;
  private transient volatile long lagMs;

  EventDeserializer(String geoPath, String rates, TypeInformation<RowData> producedType) {
    this.geoPath = geoPath;
    this.rates = rates;
    this.producedType = producedType;
  }

  @Override
  public void open(InitializationContext context) {
    parser = new MessageParser(Geo.load(Path.of(geoPath)), MessageParser.parseRates(rates));
    MetricGroup group = context.getMetricGroup().addGroup("ecomlake");
    valid = group.counter("events_valid");
    rejected = group.counter("events_rejected");
    group.gauge("freshness_lag_ms", () -> lagMs);
  }

  @Override
  public RowData deserialize(byte[] message) throws IOException {
    long now = System.currentTimeMillis();
    Object[] values = parser.parse(message, -1, -1L, now);
    return toRow(values, message, now);
  }

  /** For each event column the format carries (Kafka's own are the table's metadata), its
   * position in the parser's values and its type, worked out once. */
  private static final int[] VALUE_AT;
  private static final String[] TYPE;

  static {
    List<String[]> event = Columns.EVENT;
    int[] at = new int[event.size()];
    String[] type = new String[event.size()];
    int n = 0;
    for (int i = 0; i < event.size(); i++) {
      String name = event.get(i)[0];
      if (!name.equals("kafka_partition") && !name.equals("kafka_offset")) {
        at[n] = i + 1;
        type[n++] = event.get(i)[1];
      }
    }
    VALUE_AT = java.util.Arrays.copyOf(at, n);
    TYPE = java.util.Arrays.copyOf(type, n);
  }

  /** The parser's values (event columns at 1..n) as the format's internal row. */
  GenericRowData toRow(Object[] values, byte[] message, long now) {
    GenericRowData row = new GenericRowData(Columns.formatNames().size());
    boolean ok = Boolean.TRUE.equals(values[0]);
    row.setField(0, ok);
    row.setField(2, message);
    int at = 3;
    for (int i = 0; i < VALUE_AT.length; i++) {
      row.setField(at++, internal(TYPE[i], values[VALUE_AT[i]]));
    }
    row.setField(at, values[values.length - 1] == null ? null
        : DecimalData.fromBigDecimal((BigDecimal) values[values.length - 1], 14, 2));
    if (ok) {
      valid.inc();
      long timeMs = MessageParser.timeMs(values);
      lagMs = now - timeMs;
      row.setField(1, TimestampData.fromEpochMillis(timeMs));
    } else {
      rejected.inc();
      row.setField(1, NO_TIME);
    }
    return row;
  }

  @SuppressWarnings("unchecked")
  private static Object internal(String type, Object value) {
    if (value == null) {
      return null;
    }
    switch (type) {
      case "STRING":
        return StringData.fromString((String) value);
      case "INT":
      case "BIGINT":
      case "BOOLEAN":
        return value;
      case "DATE":
        return (int) ((LocalDate) value).toEpochDay();
      case "TIMESTAMP(3)":
        return TimestampData.fromEpochMillis(
            ((LocalDateTime) value).toInstant(ZoneOffset.UTC).toEpochMilli());
      case Columns.MONEY:
        return DecimalData.fromBigDecimal((BigDecimal) value, 14, 2);
      case Columns.ITEMS: {
        List<Object[]> lines = (List<Object[]>) value;
        Object[] rows = new Object[lines.size()];
        for (int i = 0; i < rows.length; i++) {
          Object[] l = lines.get(i);
          rows[i] = GenericRowData.of(StringData.fromString((String) l[0]), l[1],
              DecimalData.fromBigDecimal((BigDecimal) l[2], 14, 2));
        }
        return new GenericArrayData(rows);
      }
      default:
        throw new IllegalStateException("no internal form for " + type);
    }
  }

  @Override
  public boolean isEndOfStream(RowData next) {
    return false;
  }

  @Override
  public TypeInformation<RowData> getProducedType() {
    return producedType;
  }
}
