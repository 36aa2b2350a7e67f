package dev.ecomlake.stream;

import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * The Kafka value format {@code 'format'='ecomlake-v1'}: each record's value is parsed once,
 * in the source, into the stream job's row (see {@link EventDeserializer}). Options:
 * {@code ecomlake-v1.geo} (the geo table file) and {@code ecomlake-v1.rates} (USD rates).
 */
public class EventFormatFactory implements DeserializationFormatFactory {
  public static final String IDENTIFIER = "ecomlake-v1";
  static final ConfigOption<String> GEO =
      ConfigOptions.key("geo").stringType().noDefaultValue()
          .withDescription("The geo table file written by ecomlake.stream.geo_export.");
  static final ConfigOption<String> RATES =
      ConfigOptions.key("rates").stringType().noDefaultValue()
          .withDescription("USD rates as CODE=rate;CODE=rate (ecomlake.generator.money).");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(GEO, RATES);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of();
  }

  @Override
  public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(
      DynamicTableFactory.Context context, ReadableConfig options) {
    String geo = options.get(GEO);
    String rates = options.get(RATES);
    return new DecodingFormat<>() {
      @Override
      public DeserializationSchema<RowData> createRuntimeDecoder(
          DynamicTableSource.Context source, DataType physical) {
        RowType type = (RowType) physical.getLogicalType();
        List<String> expected = Columns.formatNames();
        if (!type.getFieldNames().equals(expected)) {
          throw new ValidationException("format " + IDENTIFIER + " produces the columns "
              + expected + ", the table declares " + type.getFieldNames());
        }
        return new EventDeserializer(geo, rates, source.createTypeInformation(physical));
      }

      @Override
      public ChangelogMode getChangelogMode() {
        return ChangelogMode.insertOnly();
      }
    };
  }
}
