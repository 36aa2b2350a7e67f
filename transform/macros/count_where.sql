{#- Rows where `condition` holds, as bigint on every engine (a bare sum() is a float on
    some, e.g. fakesnow). -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}

{#- sum() of a whole-number column, as bigint on every engine. -#}
{% macro sum_whole(expression) -%}
    cast(sum({{ expression }}) as bigint)
{%- endmacro %}
