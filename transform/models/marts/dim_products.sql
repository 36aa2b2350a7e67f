with products as (
    select * from {{ ref('int_products') }}
),

final as (
    select
        product_id,
        coalesce(category, 'unknown') as category,
        first_viewed_at,
        last_viewed_at,
        min_price_usd,
        max_price_usd
    from products
)

select * from final
