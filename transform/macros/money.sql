{#- USD amounts: decimal(18,2) on every target, so sums compare to the cent. -#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{#- amount / count rounded half-up to cents, the same on every engine: the division happens on
    whole half-cents, so no engine's float division can land just below a .5 (the amount is
    cast first: a decimal(38,2) sum times 200 turns into a double on DuckDB). NULL when count
    is 0. -#}
{% macro money_per(amount, count) -%}
    {{ ecomlake.money(
        'floor((' ~ ecomlake.money(amount) ~ ' * 200 + ' ~ count ~ ') / (2 * nullif(' ~ count
        ~ ', 0))) * 0.01'
    ) }}
{%- endmacro %}
