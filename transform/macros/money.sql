{#- USD amounts: decimal(18,2) on every target, so sums compare to the cent. -#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}
