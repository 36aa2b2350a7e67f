-- Products as the catalogue shows them in product views: category and price range in USD.
with views as (
    select * from {{ ref('stg_curated__events') }}
    where event_type = 'product_view' and product_id is not null
),

rates as (
    select * from {{ ref('stg_curated__currency_rates') }}
),

priced as (
    select
        views.product_id,
        views.category,
        views.event_at,
        {{ money('round(views.price * rates.rate_to_usd, 2)') }} as price_usd
    from views
    left join rates on views.currency = rates.currency
),

products as (
    select
        product_id,
        max(category) as category,
        min(event_at) as first_viewed_at,
        max(event_at) as last_viewed_at,
        min(price_usd) as min_price_usd,
        max(price_usd) as max_price_usd
    from priced
    group by product_id
)

select * from products
