package dev.ecomlake.stream;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.types.Row;
import org.apache.flink.table.api.DataTypes;

/**
 * The stream job's table function: Kafka message (payload, partition, offset) in, one row out,
 * typed and enriched when the contract accepts it, flagged for the dead-letter path when not.
 *
 * <p>Job parameters: {@code ecomlake.geo} (the geo table file), {@code ecomlake.rates} (the USD
 * rates). Metrics under the operator's group {@code ecomlake}: events_valid, events_rejected,
 * freshness_lag_ms (wall clock minus the last valid event's time).
 */
public class ParseEvent extends TableFunction<Row> {
  private transient MessageParser parser;
  private transient Counter valid;
  private transient Counter rejected;
  private transient volatile long lagMs;

  @Override
  public void open(FunctionContext context) {
    String geo = context.getJobParameter("ecomlake.geo", null);
    String rates = context.getJobParameter("ecomlake.rates", null);
    if (geo == null || rates == null) {
      throw new IllegalStateException("job parameters ecomlake.geo and ecomlake.rates are required");
    }
    parser = new MessageParser(Geo.load(Path.of(geo)), MessageParser.parseRates(rates));
    var group = context.getMetricGroup().addGroup("ecomlake");
    valid = group.counter("events_valid");
    rejected = group.counter("events_rejected");
    group.gauge("freshness_lag_ms", () -> lagMs);
  }

  public void eval(byte[] payload, Integer partition, Long offset) {
    long now = System.currentTimeMillis();
    Object[] values = parser.parse(payload, partition == null ? -1 : partition,
        offset == null ? -1L : offset, now);
    if (Boolean.TRUE.equals(values[0])) {
      valid.inc();
      lagMs = now - MessageParser.timeMs(values);
      int items = 1 + Columns.index("items");
      if (values[items] != null) {
        @SuppressWarnings("unchecked")
        List<Object[]> lines = (List<Object[]>) values[items];
        Row[] rows = new Row[lines.size()];
        for (int i = 0; i < rows.length; i++) {
          rows[i] = Row.of(lines.get(i));
        }
        values[items] = rows;
      }
    } else {
      rejected.inc();
    }
    collect(Row.of(values));
  }

  @Override
  public TypeInference getTypeInference(DataTypeFactory typeFactory) {
    return TypeInference.newBuilder()
        .typedArguments(DataTypes.BYTES(), DataTypes.INT(), DataTypes.BIGINT())
        .outputTypeStrategy(call ->
            Optional.of(call.getDataTypeFactory().createDataType(Columns.rowType())))
        .build();
  }
}
