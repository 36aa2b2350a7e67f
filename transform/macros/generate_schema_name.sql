{#- Layers land in schemas named exactly staging / intermediate / marts (not target_schema
    prefixed), so `ecomlake query` and BI tools see `marts.fct_orders` on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
