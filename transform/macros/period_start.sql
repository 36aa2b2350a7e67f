{#- The first day of the week (Monday) or month containing `date_expression`, as a date. -#}
{% macro period_start(grain, date_expression) -%}
    cast({{ dbt.date_trunc(grain, date_expression) }} as date)
{%- endmacro %}
