{#- numerator / denominator as a rate rounded to 4 places; NULL when the denominator is 0. -#}
{% macro ratio(numerator, denominator) -%}
    round(cast({{ numerator }} as double) / nullif({{ denominator }}, 0), 4)
{%- endmacro %}
