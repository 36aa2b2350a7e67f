with customers as (
    select * from {{ ref('stg_curated__customers') }}
),

activity as (
    select
        person_id,
        count(*) as active_days
    from {{ ref('int_person_activity_days') }}
    group by person_id
),

final as (
    select
        customers.person_id,
        customers.first_seen_at,
        customers.last_seen_at,
        customers.first_country_code as country_code,
        customers.signed_up_at,
        {{ ecomlake.period_start('week', 'customers.signed_up_at') }} as signup_week,
        {{ ecomlake.period_start('month', 'customers.signed_up_at') }} as signup_month,
        customers.first_ordered_at,
        customers.lifetime_orders,
        customers.lifetime_revenue_usd,
        customers.lifetime_refunds_usd,
        {{ money('customers.lifetime_revenue_usd - customers.lifetime_refunds_usd') }}
            as lifetime_net_revenue_usd,
        case
            when customers.lifetime_orders = 0 then 'prospect'
            when customers.lifetime_orders = 1 then 'new'
            else 'returning'
        end as customer_type,
        customers.is_identified,
        customers.device_count,
        coalesce(activity.active_days, 0) as active_days,
        customers.is_bot
    from customers
    left join activity on customers.person_id = activity.person_id
)

select * from final
