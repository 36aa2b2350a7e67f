{{ config(unique_key='order_date', partition_by=['order_date']) }}

-- Revenue per UTC day x country x product category, from basket lines (each line converted
-- and rounded on its own, so a day's total can differ from fct_daily_revenue by cents).
with items as (
    select * from {{ ref('stg_curated__order_items') }}
    where {{ ecomlake.lookback_filter('order_date', 'order_date') }}
),

orders as (
    select * from {{ ref('stg_curated__orders') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

final as (
    select
        items.order_date,
        coalesce(orders.country_code, 'unknown') as country_code,
        coalesce(products.category, 'unknown') as category,
        count(distinct items.order_id) as orders,
        {{ ecomlake.sum_whole('items.quantity') }} as units,
        {{ money('sum(items.line_total_usd)') }} as gross_revenue
    from items
    inner join orders on items.order_id = orders.order_id
    left join products on items.product_id = products.product_id
    group by 1, 2, 3
)

select * from final
