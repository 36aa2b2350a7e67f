{{ config(unique_key='order_date', partition_by=['order_date']) }}

-- One row per UTC day: orders and gross revenue on the order's day, refunds on the refund's day.
with orders as (
    select * from {{ ref('stg_curated__orders') }}
    where {{ ecomlake.lookback_filter('order_date', 'order_date') }}
),

refunds as (
    select * from {{ ref('int_refund_events') }}
    where {{ ecomlake.lookback_filter('refund_date', 'order_date') }}
),

orders_per_day as (
    select
        order_date,
        count(*) as orders,
        sum(order_total_usd) as gross_revenue
    from orders
    group by order_date
),

refunds_per_day as (
    select
        refund_date,
        count(*) as refund_count,
        sum(refund_usd) as refunds
    from refunds
    group by refund_date
),

days as (
    select order_date from orders_per_day
    union
    select refund_date as order_date from refunds_per_day
),

final as (
    select
        days.order_date,
        coalesce(orders_per_day.orders, 0) as orders,
        {{ money('coalesce(orders_per_day.gross_revenue, 0)') }} as gross_revenue,
        coalesce(refunds_per_day.refund_count, 0) as refund_count,
        {{ money('coalesce(refunds_per_day.refunds, 0)') }} as refunds,
        {{ money(
            'coalesce(orders_per_day.gross_revenue, 0) - coalesce(refunds_per_day.refunds, 0)'
        ) }} as net_revenue,
        {{ ecomlake.money_per('orders_per_day.gross_revenue', 'orders_per_day.orders') }} as aov
    from days
    left join orders_per_day on days.order_date = orders_per_day.order_date
    left join refunds_per_day on days.order_date = refunds_per_day.refund_date
)

select * from final
