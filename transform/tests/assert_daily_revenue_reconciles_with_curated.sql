-- fct_daily_revenue per day against the curated layer read directly: order counts, gross revenue
-- and refunds to the cent. Returns the days that disagree.
with orders as (
    select
        order_date as day,
        count(*) as orders,
        {{ money('sum(order_total_base)') }} as gross_revenue
    from {{ source('curated', 'orders') }}
    group by order_date
),

refunds as (
    select
        event_date as day,
        {{ money('sum(value_base)') }} as refunds
    from {{ source('curated', 'events') }}
    where event_type = 'refund'
    group by event_date
),

expected as (
    select
        coalesce(orders.day, refunds.day) as day,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.gross_revenue, 0) as gross_revenue,
        coalesce(refunds.refunds, 0) as refunds
    from orders
    full outer join refunds on orders.day = refunds.day
)

select
    coalesce(expected.day, mart.order_date) as day,
    expected.orders as expected_orders,
    mart.orders,
    expected.gross_revenue as expected_gross_revenue,
    mart.gross_revenue,
    expected.refunds as expected_refunds,
    mart.refunds
from expected
full outer join {{ ref('fct_daily_revenue') }} as mart on expected.day = mart.order_date
where expected.day is null
    or mart.order_date is null
    or expected.orders <> mart.orders
    or expected.gross_revenue <> mart.gross_revenue
    or expected.refunds <> mart.refunds
