-- Signup cohorts by week and by month x periods since signup: who came back.
with customers as (
    select * from {{ ref('dim_customers') }}
    where signed_up_at is not null and not is_bot
),

activity as (
    select * from {{ ref('int_person_activity_days') }}
),

{% set grains = ['week', 'month'] %}
{% for grain in grains %}
{{ grain }}_activity as (
    select
        customers.person_id,
        customers.signup_{{ grain }} as cohort_start,
        {{ dbt.datediff(
            'customers.signup_' ~ grain,
            ecomlake.period_start(grain, 'activity.activity_date'),
            grain
        ) }} as period_number
    from customers
    inner join activity on customers.person_id = activity.person_id
    where activity.activity_date >= {{ ecomlake.period_start(grain, 'customers.signed_up_at') }}
),

{{ grain }}_cohorts as (
    select
        signup_{{ grain }} as cohort_start,
        count(*) as cohort_size
    from customers
    group by signup_{{ grain }}
),

{{ grain }}_retention as (
    select
        '{{ grain }}' as cohort_grain,
        {{ grain }}_activity.cohort_start,
        {{ grain }}_activity.period_number,
        {{ grain }}_cohorts.cohort_size,
        count(distinct {{ grain }}_activity.person_id) as active_customers
    from {{ grain }}_activity
    inner join {{ grain }}_cohorts
        on {{ grain }}_activity.cohort_start = {{ grain }}_cohorts.cohort_start
    group by 1, 2, 3, 4
),
{% endfor %}

final as (
    {% for grain in grains %}
    select
        cohort_grain,
        cohort_start,
        cast(period_number as integer) as period_number,
        cohort_size,
        active_customers,
        {{ ecomlake.ratio('active_customers', 'cohort_size') }} as retention_rate
    from {{ grain }}_retention
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
