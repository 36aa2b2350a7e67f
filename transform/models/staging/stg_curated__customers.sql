with source as (
    select * from {{ source('curated', 'customers') }}
),

renamed as (
    select
        person_id,
        first_seen_date,
        first_seen as first_seen_at,
        last_seen as last_seen_at,
        first_country_code,
        signup_time as signed_up_at,
        first_order_time as first_ordered_at,
        lifetime_orders,
        {{ money('lifetime_revenue_base') }} as lifetime_revenue_usd,
        {{ money('lifetime_refunds_base') }} as lifetime_refunds_usd,
        is_identified,
        devices as device_count,
        is_bot
    from source
)

select * from renamed
