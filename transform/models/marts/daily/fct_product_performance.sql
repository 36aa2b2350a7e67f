{{ config(unique_key='activity_date', partition_by=['activity_date']) }}

-- Per product and UTC day: human views, cart adds, orders, units and revenue.
with activity as (
    select * from {{ ref('int_product_activity_daily') }}
    where {{ ecomlake.lookback_filter('activity_date', 'activity_date') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

final as (
    select
        activity.activity_date,
        activity.product_id,
        coalesce(products.category, 'unknown') as category,
        activity.views,
        activity.cart_adds,
        activity.orders,
        activity.units,
        activity.revenue_usd,
        {{ ecomlake.ratio('activity.orders', 'activity.views') }} as view_to_purchase_rate
    from activity
    left join products on activity.product_id = products.product_id
)

select * from final
