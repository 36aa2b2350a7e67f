-- Per product and day: human views and cart adds, and what was bought (from the baskets).
with events as (
    select * from {{ ref('stg_curated__events') }}
    where not is_bot and product_id is not null
),

items as (
    select * from {{ ref('stg_curated__order_items') }}
),

browsing as (
    select
        product_id,
        event_date as activity_date,
        {{ ecomlake.count_where("event_type = 'product_view'") }} as views,
        {{ ecomlake.count_where("event_type = 'add_to_cart'") }} as cart_adds
    from events
    group by product_id, event_date
),

buying as (
    select
        product_id,
        order_date as activity_date,
        count(distinct order_id) as orders,
        {{ ecomlake.sum_whole('quantity') }} as units,
        sum(line_total_usd) as revenue_usd
    from items
    group by product_id, order_date
),

combined as (
    select
        coalesce(browsing.product_id, buying.product_id) as product_id,
        coalesce(browsing.activity_date, buying.activity_date) as activity_date,
        coalesce(browsing.views, 0) as views,
        coalesce(browsing.cart_adds, 0) as cart_adds,
        coalesce(buying.orders, 0) as orders,
        coalesce(buying.units, 0) as units,
        {{ money('coalesce(buying.revenue_usd, 0)') }} as revenue_usd
    from browsing
    full outer join buying
        on browsing.product_id = buying.product_id
        and browsing.activity_date = buying.activity_date
)

select * from combined
