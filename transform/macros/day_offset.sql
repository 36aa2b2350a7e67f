{#- A date `days` days after `date_expression` (negative: before), as a date on every target. -#}
{% macro day_offset(date_expression, days) -%}
    {{ return(adapter.dispatch('day_offset', 'ecomlake')(date_expression, days)) }}
{%- endmacro %}

{% macro default__day_offset(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{% macro spark__day_offset(date_expression, days) -%}
    date_add({{ date_expression }}, {{ days }})
{%- endmacro %}
