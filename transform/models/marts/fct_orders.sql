with orders as (
    select * from {{ ref('stg_curated__orders') }}
),

items as (
    select * from {{ ref('stg_curated__order_items') }}
),

order_units as (
    select
        order_id,
        {{ ecomlake.sum_whole('quantity') }} as units
    from items
    group by order_id
),

final as (
    select
        orders.order_id,
        orders.order_date,
        orders.ordered_at,
        orders.person_id,
        orders.session_id,
        orders.country_code,
        orders.payment_method,
        orders.currency,
        orders.order_total,
        orders.order_total_usd,
        orders.refunded_usd,
        {{ money('orders.order_total_usd - orders.refunded_usd') }} as net_revenue_usd,
        orders.refund_count,
        orders.refund_count > 0 as is_refunded,
        orders.item_line_count,
        coalesce(order_units.units, 0) as units,
        cast(row_number() over (
            partition by orders.person_id order by orders.ordered_at, orders.order_id
        ) as bigint) as customer_order_number
    from orders
    left join order_units on orders.order_id = order_units.order_id
)

select * from final
