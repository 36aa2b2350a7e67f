{#- On an incremental run: rows from `lookback_days` before the newest day already built.
    `date_column` is the input's day column, `target_column` the model's day column. -#}
{% macro lookback_filter(date_column, target_column) -%}
    {% if is_incremental() -%}
    {{ date_column }} >= (
        select {{ ecomlake.day_offset('max(' ~ target_column ~ ')', -var('lookback_days')) }}
        from {{ this }}
    )
    {%- else -%}
    1 = 1
    {%- endif %}
{%- endmacro %}
